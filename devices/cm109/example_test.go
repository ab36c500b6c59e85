package cm109_test

import (
	"fmt"

	"handsetd/devices/cm109"
)

func ExampleBuildKeymap() {
	km, err := cm109.BuildKeymap("gtalk", map[string]string{"0x48": "SKYPE"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, sc := range []uint8{0x18, 0x28, 0x21, 0x48} {
		fmt.Printf("%#02x %s %s\n", sc, km[sc].Name, km[sc].Button)
	}
	// Output:
	// 0x18 YES answer
	// 0x28 NO drop
	// 0x21 1 key
	// 0x48 SKYPE other
}

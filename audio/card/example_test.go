package card_test

import (
	"fmt"

	"handsetd/audio/card"
)

func ExampleCard_PCM() {
	c := card.Card{Index: 1, ID: "Set", Name: "C-Media USB Headphone Set"}
	fmt.Println(c.HW())
	fmt.Println(c.PCM())
	// Output:
	// hw:1,0
	// plughw:CARD=Set,DEV=0
}

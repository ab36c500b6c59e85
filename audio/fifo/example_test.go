package fifo_test

import (
	"fmt"

	"handsetd/audio/fifo"
)

func Example() {
	r := fifo.New(1000, 2) // rounded up to 1024 stereo frames
	r.Write([]float32{0.1, -0.1, 0.2, -0.2, 0.3, -0.3})
	out := make([]float32, 4)
	n := r.Read(out)
	fmt.Println(r.Cap(), n, out, r.Fill())
	// Output: 1024 2 [0.1 -0.1 0.2 -0.2] 1
}

package telephony_test

import (
	"context"
	"fmt"
	"os"

	"handsetd/devices"
	"handsetd/devices/telephony"
	"handsetd/hid/hidtest"
)

// A Jabra EVOLVE LINK MS, simulated: lifting the headset's boom is a hook
// switch report, which the driver turns into HookOff and acknowledges by
// setting LED Off-Hook.
func Example() {
	desc, err := os.ReadFile("../../testdata/hid/0b0e-0307.rdesc")
	if err != nil {
		fmt.Println(err)
		return
	}
	dev := hidtest.New(desc)
	h, err := telephony.Open(dev, devices.Info{Name: "Jabra EVOLVE LINK MS", Path: "sim"}, nil, telephony.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer h.Close()
	fmt.Println("indicators:", h.Indicators())

	ctx, cancel := context.WithCancel(context.Background())
	dev.Push([]byte{2, 0x01, 0x00}) // report 2, bit 0: Hook Switch on
	done := make(chan error)
	go func() {
		done <- h.Run(ctx, func(e devices.Event) {
			fmt.Println("event:", e)
		})
	}()
	_ = dev.WaitIdle(ctx)
	cancel()
	<-done
	fmt.Println("writes:", dev.Writes())
	// Output:
	// indicators: [ring ringer off-hook mute hold microphone]
	// event: hook-off
	// writes: [output 02 01 00]
}

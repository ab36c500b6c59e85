package hid_test

import (
	"fmt"

	"handsetd/hid"
)

// A handset with a hook switch, a relative mute button and two LEDs that
// share one output byte.
var handset = []byte{
	0x05, 0x0b, 0x09, 0x04, 0xa1, 0x01, // Usage Page (Telephony), Usage (Handset), Collection (Application)
	0x85, 0x01, 0x15, 0x00, 0x25, 0x01, 0x75, 0x01, // Report ID (1), Logical 0..1, Report Size (1)
	0x09, 0x20, 0x95, 0x01, 0x81, 0x02, // Usage (Hook Switch), Report Count (1), Input (Var,Abs)
	0x09, 0x2f, 0x81, 0x06, // Usage (Phone Mute), Input (Var,Rel)
	0x95, 0x06, 0x81, 0x03, // 6 bits of padding
	0x05, 0x08, 0x09, 0x17, 0x09, 0x18, 0x95, 0x02, 0x91, 0x02, // LED Off-Hook, Ring: Output (Var,Abs)
	0x95, 0x06, 0x91, 0x03, // padding
	0xc0,
}

func Example() {
	d, err := hid.ParseReportDescriptor(handset)
	if err != nil {
		panic(err)
	}
	fmt.Println("telephony:", d.HasTelephony())
	for _, c := range hid.TelephonySummary(d) {
		fmt.Printf("%s: %s report %d bit %d relative=%v\n", c.Control.Key(), c.Control.ReportType(), c.ReportID(), c.BitOffset(), c.Relative())
	}

	// The handset goes off hook.
	dec := hid.NewDecoder(d)
	_, values, err := dec.Decode([]byte{0x01, 0x01}, make([]hid.Value, 0, dec.MaxValues()))
	if err != nil {
		panic(err)
	}
	for _, v := range values {
		fmt.Printf("%s = %d\n", v.Usage, v.Value)
	}

	// Acknowledge with LED Off-Hook, then ring: the LED stays on.
	enc := hid.NewEncoder(d)
	out, _ := enc.SetUsage(hid.Output, hid.UsageLEDOffHook, 1)
	fmt.Printf("% x\n", out[0])
	out, _ = enc.SetUsage(hid.Output, hid.UsageLEDRing, 1)
	fmt.Printf("% x\n", out[0])
	// Output:
	// telephony: true
	// hook_switch: Input report 1 bit 0 relative=false
	// phone_mute: Input report 1 bit 1 relative=true
	// led_off_hook: Output report 1 bit 0 relative=false
	// led_ring: Output report 1 bit 1 relative=false
	// Telephony.Hook Switch = 1
	// Telephony.Phone Mute = 0
	// 01 01
	// 01 03
}

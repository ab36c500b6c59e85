package hid

import (
	"fmt"
	"reflect"
	"testing"
)

// summary renders a summary as "key type id bit size abs|rel usage app".
func summary(d *ReportDescriptor) []string {
	var out []string
	for _, c := range TelephonySummary(d) {
		mode := "abs"
		if c.Relative() {
			mode = "rel"
		}
		app := "none"
		if a := c.Application(); a != nil {
			app = a.Usage.String()
		}
		out = append(out, fmt.Sprintf("%s %s %d bit %d size %d %s %s %s",
			c.Control.Key(), c.Control.ReportType(), c.ReportID(), c.BitOffset(), c.BitSize(), mode, c.Usage, app))
	}
	return out
}

func checkSummary(t *testing.T, d *ReportDescriptor, want []string) {
	t.Helper()
	got := summary(d)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("summary:\n%s\nwant:\n%s", join(got), join(want))
	}
}

func join(ss []string) string {
	s := ""
	for _, x := range ss {
		s += "  " + x + "\n"
	}
	return s
}

func TestTelephonySummaryJabra(t *testing.T) {
	checkSummary(t, mustParse(t, realDescriptor(t, "0b0e-0307")), []string{
		"hook_switch Input 2 bit 0 size 1 abs Telephony.Hook Switch Telephony.Headset",
		"phone_mute Input 2 bit 2 size 1 rel Telephony.Phone Mute Telephony.Headset",
		"keypad Input 2 bit 7 size 4 abs Telephony.Phone Key 0 Telephony.Headset",
		"flash Input 2 bit 3 size 1 rel Telephony.Flash Telephony.Headset",
		"redial Input 2 bit 4 size 1 rel Telephony.Redial Telephony.Headset",
		"programmable_button Input 2 bit 6 size 1 abs Button.Button 7 Telephony.Headset",
		"volume_up Input 1 bit 1 size 1 abs Consumer.Volume Increment Consumer.Consumer Control",
		"volume_down Input 1 bit 0 size 1 abs Consumer.Volume Decrement Consumer.Consumer Control",
		"line_busy Input 2 bit 1 size 1 abs Telephony.Line Busy Tone Telephony.Headset",
		"led_off_hook Output 2 bit 0 size 1 abs LED.Off-Hook Telephony.Headset",
		"led_mute Output 2 bit 1 size 1 abs LED.Mute Telephony.Headset",
		"led_ring Output 2 bit 2 size 1 abs LED.Ring Telephony.Headset",
		"led_hold Output 2 bit 3 size 1 abs LED.Hold Telephony.Headset",
		"led_microphone Output 2 bit 4 size 1 abs LED.Microphone Telephony.Headset",
		"ringer Output 2 bit 5 size 1 abs Telephony.Ringer Telephony.Headset",
	})
}

func TestTelephonySummaryPoly(t *testing.T) {
	// One LED per report; Flash is absolute.
	checkSummary(t, mustParse(t, realDescriptor(t, "047f-c053")), []string{
		"hook_switch Input 8 bit 1 size 1 abs Telephony.Hook Switch Telephony.Headset",
		"phone_mute Input 8 bit 0 size 1 rel Telephony.Phone Mute Telephony.Headset",
		"flash Input 8 bit 2 size 1 abs Telephony.Flash Telephony.Headset",
		"redial Input 8 bit 3 size 1 rel Telephony.Redial Telephony.Headset",
		"programmable_button Input 8 bit 4 size 1 abs Telephony.Programmable Button Telephony.Headset",
		"volume_up Input 2 bit 0 size 1 abs Consumer.Volume Increment Consumer.Consumer Control",
		"volume_down Input 2 bit 1 size 1 abs Consumer.Volume Decrement Consumer.Consumer Control",
		"led_off_hook Output 23 bit 0 size 1 abs LED.Off-Hook Telephony.Headset",
		"led_mute Output 9 bit 0 size 1 abs LED.Mute Telephony.Headset",
		"led_ring Output 24 bit 0 size 1 abs LED.Ring Telephony.Headset",
		"led_hold Output 32 bit 0 size 1 abs LED.Hold Telephony.Headset",
		"led_on_line Output 42 bit 0 size 1 abs LED.On-Line Telephony.Headset",
	})
}

func TestTelephonySummaryEPOS(t *testing.T) {
	// Volume appears both in the Telephony collection (report 2) and in
	// the Consumer one (report 1): the Consumer one is chosen. The
	// programmable button is an array selecting Programmable Button or
	// Button 1; a press selects Button 1.
	checkSummary(t, mustParse(t, realDescriptor(t, "1395-00a2")), []string{
		"hook_switch Input 2 bit 2 size 1 abs Telephony.Hook Switch Telephony.Headset",
		"phone_mute Input 2 bit 5 size 1 rel Telephony.Phone Mute Telephony.Headset",
		"flash Input 2 bit 3 size 1 rel Telephony.Flash Telephony.Headset",
		"redial Input 2 bit 4 size 1 rel Telephony.Redial Telephony.Headset",
		"drop Input 2 bit 6 size 1 rel Telephony.Drop Telephony.Headset",
		"programmable_button Input 2 bit 7 size 1 abs Button.Button 1 Telephony.Headset",
		"volume_up Input 1 bit 1 size 1 rel Consumer.Volume Increment Consumer.Consumer Control",
		"volume_down Input 1 bit 0 size 1 rel Consumer.Volume Decrement Consumer.Consumer Control",
		"led_off_hook Output 3 bit 1 size 1 abs LED.Off-Hook Telephony.Headset",
		"led_mute Output 3 bit 4 size 1 abs LED.Mute Telephony.Headset",
		"led_ring Output 3 bit 3 size 1 abs LED.Ring Telephony.Headset",
		"led_hold Output 3 bit 6 size 1 abs LED.Hold Telephony.Headset",
		"led_microphone Output 3 bit 2 size 1 abs LED.Microphone Telephony.Headset",
		"led_on_line Output 3 bit 5 size 1 abs LED.On-Line Telephony.Headset",
		"ringer Output 3 bit 0 size 1 abs Telephony.Ringer Telephony.Headset",
	})
}

func TestTelephonySummaryPrefersStandardCollection(t *testing.T) {
	// A vendor application declares Telephony usages first (report 1), the
	// Telephony application after it (report 2); a hook switch outside any
	// collection comes last (report 3).
	d := mustParse(t, []byte{
		0x06, 0x00, 0xff, 0x09, 0x01, 0xa1, 0x01, 0x85, 0x01,
		0x05, 0x0b, 0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x01, 0x09, 0x20, 0x81, 0x02, 0x09, 0x2f, 0x81, 0x06,
		0x81, 0x03, 0x75, 0x05, 0x81, 0x03, 0xc0,
		0x05, 0x0b, 0x09, 0x01, 0xa1, 0x01, 0x85, 0x02,
		0x75, 0x01, 0x95, 0x01, 0x09, 0x20, 0x81, 0x02,
		0x75, 0x07, 0x81, 0x03, 0xc0,
		0x85, 0x03, 0x75, 0x08, 0x09, 0x20, 0x81, 0x02,
	})
	checkSummary(t, d, []string{
		"hook_switch Input 2 bit 0 size 1 abs Telephony.Hook Switch Telephony.Phone",
		"phone_mute Input 1 bit 1 size 1 rel Telephony.Phone Mute Vendor Defined 0xff00.0x0001",
	})
	if !d.HasTelephony() {
		t.Error("HasTelephony = false")
	}
	if got := len(d.FindUsage(Input, UsageHookSwitch)); got != 3 {
		t.Errorf("FindUsage(Hook Switch): %d places, want 3", got)
	}
}

func TestTelephonySummaryNone(t *testing.T) {
	// A mouse: no Telephony application, nothing found.
	d := mustParse(t, []byte{
		0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0x05, 0x09, 0x19, 0x01, 0x29, 0x03, 0x15, 0x00, 0x25, 0x01,
		0x75, 0x01, 0x95, 0x03, 0x81, 0x02, 0x75, 0x05, 0x95, 0x01, 0x81, 0x03, 0xc0,
	})
	if d.HasTelephony() || len(TelephonySummary(d)) != 0 {
		t.Errorf("telephony %v, summary %v", d.HasTelephony(), summary(d))
	}
}

func TestControlNames(t *testing.T) {
	if HookSwitch.String() != "Hook Switch" || HookSwitch.Key() != "hook_switch" || HookSwitch.Usage() != UsageHookSwitch || HookSwitch.ReportType() != Input {
		t.Error("HookSwitch")
	}
	if Ringer.Key() != "ringer" || Ringer.ReportType() != Output || LEDOnLine.Usage() != UsageLEDOnLine {
		t.Error("Ringer / LEDOnLine")
	}
	bad := Control(0)
	if bad.String() != "Control(?)" || bad.Key() != "" || bad.Usage() != 0 || bad.ReportType() != 0 || numControls.Key() != "" {
		t.Error("invalid control")
	}
}

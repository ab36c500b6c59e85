package card

import (
	"errors"
	"testing"
)

func TestCardName(t *testing.T) {
	for _, tc := range []struct{ product, vid, pid, want string }{
		{"C-Media USB Headphone Set", "0d8c", "000c", "C-Media USB Headphone Set"},
		{"", "0d8c", "000c", "USB Device 0xd8c:0x0c"},
		{"", "1395", "0082", "USB Device 0x1395:0x82"},
		{"", "0000", "0008", "USB Device 0000:0x08"},
		{"", "zz", "0008", "USB Device"},
	} {
		if got := cardName(tc.product, tc.vid, tc.pid); got != tc.want {
			t.Errorf("cardName(%q, %q, %q) = %q, want %q", tc.product, tc.vid, tc.pid, got, tc.want)
		}
	}
}

func TestNames(t *testing.T) {
	c := Card{Index: 2, ID: "Set", Name: "C-Media USB Headphone Set"}
	if got, want := c.HW(), "hw:2,0"; got != want {
		t.Errorf("HW() = %q, want %q", got, want)
	}
	if got, want := c.PCM(), "plughw:CARD=Set,DEV=0"; got != want {
		t.Errorf("PCM() = %q, want %q", got, want)
	}
	if got, want := c.String(), `card 2 "Set" (C-Media USB Headphone Set)`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestLowest(t *testing.T) {
	got := lowest([]Card{{Index: 9, ID: "a"}, {Index: 1, ID: "b"}, {Index: 4, ID: "c"}})
	if got.ID != "b" {
		t.Errorf("lowest picked %+v, want card 1", got)
	}
}

func TestIsAudioClass(t *testing.T) {
	for s, want := range map[string]bool{"01": true, "1": true, "03": false, "": false, "x1": false, "101": false} {
		if got := isAudioClass(s); got != want {
			t.Errorf("isAudioClass(%q) = %v, want %v", s, got, want)
		}
	}
}

// The real /sys has no such device on any machine; this runs the libudev
// path without umockdev.
func TestMissingDevice(t *testing.T) {
	_, err := ForHIDDevice("/sys/devices/handsetd-no-such-device/hidraw/hidraw99")
	if !errors.Is(err, ErrNoDevice) {
		t.Fatalf("got %v, want %v", err, ErrNoDevice)
	}
}

// FuzzSysfsAttrs feeds arbitrary attribute values to the parsers of
// sysfs text: they must never panic, and must agree with what they accept.
func FuzzSysfsAttrs(f *testing.F) {
	for _, s := range []string{"0", "31", "-1", "01", "03", "", "0d8c", "ffff", "1ffff", "C-Media USB Headphone Set", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, ok := parseIndex(s); ok && n < 0 {
			t.Errorf("parseIndex(%q) = %d, accepted", s, n)
		}
		isAudioClass(s)
		if name := cardName("", s, s); name == "" {
			t.Errorf("cardName with ids %q is empty", s)
		}
		if name := cardName(s, "0d8c", "000c"); s != "" && name != s {
			t.Errorf("cardName(%q) = %q, want the product string", s, name)
		}
	})
}

package hotplug

import (
	"fmt"
	"testing"
)

func ev(a Action, node, sys string) Event {
	return Event{Action: a, Device: Device{Subsystem: "hidraw", DevNode: node, SysfsPath: sys}}
}

func TestTracker(t *testing.T) {
	const (
		old = "/sys/devices/usb1/1-1/1-1:1.3/0003:0B0E:0307.0001/hidraw/hidraw0"
		neu = "/sys/devices/usb1/1-1/1-1:1.3/0003:0B0E:0307.0002/hidraw/hidraw0"
	)
	steps := []struct {
		ev    Event
		act   bool
		owner string // owner of /dev/hidraw0 afterwards, "" for none
	}{
		{ev(Add, "/dev/hidraw0", old), true, old},
		{ev(Change, "/dev/hidraw0", old), true, old},
		// Re-plug: the new device's add arrives before the old remove.
		{ev(Add, "/dev/hidraw0", neu), true, neu},
		{ev(Change, "/dev/hidraw0", old), false, neu},
		{ev(Remove, "/dev/hidraw0", old), false, neu},
		{ev(Remove, "/dev/hidraw0", neu), true, ""},
		// A remove for a node never seen counts (the device may have been
		// opened without an add, e.g. found by enumeration).
		{ev(Remove, "/dev/hidraw0", old), true, ""},
		// Devices without a node are matched by sysfs path by the caller.
		{ev(Remove, "", "/sys/devices/usb1/1-2"), true, ""},
	}
	var tr Tracker
	for i, s := range steps {
		if got := tr.Observe(s.ev); got != s.act {
			t.Errorf("step %d: Observe(%v) = %v, want %v", i, s.ev, got, s.act)
		}
		owner, ok := tr.Owner("/dev/hidraw0")
		if owner != s.owner || ok != (s.owner != "") {
			t.Errorf("step %d: Owner = %q, %v; want %q", i, owner, ok, s.owner)
		}
	}
}

func TestParseProduct(t *testing.T) {
	for _, tc := range []struct {
		in       string
		vid, pid uint16
		ok       bool
	}{
		{"b0e/307/100", 0x0b0e, 0x0307, true},
		{"d8c/e/100", 0x0d8c, 0x000e, true},
		{"ffff/ffff/ffff", 0xffff, 0xffff, true},
		{"10000/1/1", 0, 0, false},
		{"b0e/307", 0, 0, false},
		{"", 0, 0, false},
		{"x/1/1", 0, 0, false},
	} {
		v, p, ok := ParseProduct(tc.in)
		if v != tc.vid || p != tc.pid || ok != tc.ok {
			t.Errorf("ParseProduct(%q) = %04x, %04x, %v; want %04x, %04x, %v", tc.in, v, p, ok, tc.vid, tc.pid, tc.ok)
		}
	}
}

func TestParseHIDID(t *testing.T) {
	for _, tc := range []struct {
		in       string
		vid, pid uint16
		ok       bool
	}{
		{"0003:00000B0E:00000307", 0x0b0e, 0x0307, true},
		{"0005:0000047F:000002EC", 0x047f, 0x02ec, true},
		{"0003:00010B0E:00000307", 0, 0, false},
		{"0003:00000B0E", 0, 0, false},
		{"", 0, 0, false},
	} {
		v, p, ok := ParseHIDID(tc.in)
		if v != tc.vid || p != tc.pid || ok != tc.ok {
			t.Errorf("ParseHIDID(%q) = %04x, %04x, %v; want %04x, %04x, %v", tc.in, v, p, ok, tc.vid, tc.pid, tc.ok)
		}
	}
}

// FuzzParseIDs checks that the uevent ID parsers never panic and that what
// they accept prints back to an equivalent string.
func FuzzParseIDs(f *testing.F) {
	for _, s := range []string{"b0e/307/100", "0003:00000B0E:00000307", "", "/", "::", "ffff/ffff/ffff", "1/2/3/4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if v, p, ok := ParseProduct(s); ok {
			v2, p2, ok2 := ParseProduct(fmt.Sprintf("%x/%x/0", v, p))
			if !ok2 || v2 != v || p2 != p {
				t.Errorf("ParseProduct(%q) = %x %x, not reproducible", s, v, p)
			}
		}
		if v, p, ok := ParseHIDID(s); ok {
			v2, p2, ok2 := ParseHIDID(fmt.Sprintf("0003:%08X:%08X", v, p))
			if !ok2 || v2 != v || p2 != p {
				t.Errorf("ParseHIDID(%q) = %x %x, not reproducible", s, v, p)
			}
		}
	})
}

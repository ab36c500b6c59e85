//go:build umockdev

package hotplug_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"handsetd/hid/hotplug"
	"handsetd/hid/umockdev"
)

const jabra = "../../testdata/hid/0b0e-0307.rdesc"

func newTestbed(t *testing.T) *umockdev.Testbed {
	t.Helper()
	tb, err := umockdev.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tb.Close() })
	return tb
}

func jabraSpec(t *testing.T) umockdev.Spec {
	t.Helper()
	spec, err := umockdev.SpecFromFile(jabra)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

const (
	usbPath  = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1"
	raw0Path = usbPath + "/1-1:1.3/0003:0B0E:0307.0001/hidraw/hidraw0"
	raw1Path = usbPath + "/1-1:1.3/0003:0B0E:0307.0002/hidraw/hidraw1"
)

func TestEnumerate(t *testing.T) {
	tb := newTestbed(t)
	if _, err := tb.AddHandset(jabraSpec(t)); err != nil {
		t.Fatal(err)
	}
	got, err := hotplug.Enumerate()
	if err != nil {
		t.Fatal(err)
	}
	want := []hotplug.Device{
		{Subsystem: "usb", DevType: "usb_device", SysfsPath: usbPath, DevNode: "/dev/bus/usb/001/002",
			VendorID: 0x0b0e, ProductID: 0x0307, USBSysfsPath: usbPath},
		{Subsystem: "hidraw", SysfsPath: raw0Path, DevNode: "/dev/hidraw0",
			VendorID: 0x0b0e, ProductID: 0x0307, USBSysfsPath: usbPath},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Enumerate() =\n%+v\nwant\n%+v", got, want)
	}
}

// collector runs a monitor and hands its events over one by one.
type collector struct {
	t      *testing.T
	events chan hotplug.Event
	done   chan error
}

func monitor(t *testing.T) (*hotplug.Monitor, *collector) {
	t.Helper()
	m, err := hotplug.NewMonitor(hotplug.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &collector{t: t, events: make(chan hotplug.Event, 64), done: make(chan error, 1)}
	go func() { c.done <- m.Run(ctx, func(e hotplug.Event) { c.events <- e }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-c.done; !errors.Is(err, context.Canceled) && !errors.Is(err, hotplug.ErrClosed) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
		m.Close()
	})
	return m, c
}

// expect checks the next events' identity: action, subsystem, devtype,
// sysfs path and node (IDs are checked on adds, where sysfs is there to
// read them).
func (c *collector) expect(want ...hotplug.Event) {
	c.t.Helper()
	for i, w := range want {
		select {
		case got := <-c.events:
			if w.Action != hotplug.Add {
				got.VendorID, got.ProductID, got.USBSysfsPath = w.VendorID, w.ProductID, w.USBSysfsPath
			}
			if !reflect.DeepEqual(got, w) {
				c.t.Errorf("event %d = %+v\nwant %+v", i, got, w)
			}
		case <-time.After(5 * time.Second):
			c.t.Fatalf("event %d (%v) did not arrive", i, w)
		}
	}
}

func (c *collector) expectNone() {
	c.t.Helper()
	select {
	case e := <-c.events:
		c.t.Errorf("unexpected event %v", e)
	default:
	}
}

func usbEvent(a hotplug.Action, devnum string) hotplug.Event {
	return hotplug.Event{Action: a, Device: hotplug.Device{Subsystem: "usb", DevType: "usb_device",
		SysfsPath: usbPath, DevNode: "/dev/bus/usb/001/" + devnum, VendorID: 0x0b0e, ProductID: 0x0307, USBSysfsPath: usbPath}}
}

func rawEvent(a hotplug.Action, path, node string) hotplug.Event {
	return hotplug.Event{Action: a, Device: hotplug.Device{Subsystem: "hidraw", SysfsPath: path, DevNode: node,
		VendorID: 0x0b0e, ProductID: 0x0307, USBSysfsPath: usbPath}}
}

func TestMonitorAddRemoveReadd(t *testing.T) {
	tb := newTestbed(t)
	_, c := monitor(t)
	h, err := tb.AddHandset(jabraSpec(t))
	if err != nil {
		t.Fatal(err)
	}
	// The usb_interface and hid devices are filtered out.
	c.expect(usbEvent(hotplug.Add, "002"), rawEvent(hotplug.Add, raw0Path, "/dev/hidraw0"))
	if err := h.Unplug(); err != nil {
		t.Fatal(err)
	}
	c.expect(rawEvent(hotplug.Remove, raw0Path, "/dev/hidraw0"), usbEvent(hotplug.Remove, "002"))
	if _, err := tb.Replug(h); err != nil {
		t.Fatal(err)
	}
	c.expect(usbEvent(hotplug.Add, "003"), rawEvent(hotplug.Add, raw1Path, "/dev/hidraw1"))
	c.expectNone()
}

// TestStaleRemove plays what the kernel does on a quick re-plug: the new
// device gets the same /dev/hidraw0 under a new sysfs path, and the old
// device's remove is seen after the new device's add.
func TestStaleRemove(t *testing.T) {
	tb := newTestbed(t)
	_, c := monitor(t)
	const (
		hid1 = "/devices/usb1/1-1/1-1:1.0/0003:0B0E:0307.0001"
		hid2 = "/devices/usb1/1-1/1-1:1.0/0003:0B0E:0307.0002"
	)
	node := func(hidPath string) string {
		return `P: ` + hidPath + `
E: SUBSYSTEM=hid
E: HID_ID=0003:00000B0E:00000307

P: ` + hidPath + `/hidraw/hidraw0
E: SUBSYSTEM=hidraw
E: DEVNAME=/dev/hidraw0
`
	}
	old, neu := "/sys"+hid1+"/hidraw/hidraw0", "/sys"+hid2+"/hidraw/hidraw0"
	var tr hotplug.Tracker
	next := func(action, path string) hotplug.Event {
		t.Helper()
		select {
		case e := <-c.events:
			if string(e.Action) != action || e.SysfsPath != path || e.DevNode != "/dev/hidraw0" {
				t.Fatalf("event %v, want %s %s /dev/hidraw0", e, action, path)
			}
			return e
		case <-time.After(5 * time.Second):
			t.Fatalf("no %s event for %s", action, path)
		}
		return hotplug.Event{}
	}
	if err := tb.AddFromString(node(hid1)); err != nil {
		t.Fatal(err)
	}
	if !tr.Observe(next("add", old)) {
		t.Error("add of the first device ignored")
	}
	// The new device takes the name before the old device's remove is
	// delivered. umockdev keeps one /sys/class link per name, so the old
	// device (whose directory the remove event is built from) loses its
	// link first, as its node would in the kernel.
	if err := os.Remove(filepath.Join(tb.Root(), "sys/class/hidraw/hidraw0")); err != nil {
		t.Fatal(err)
	}
	if err := tb.AddFromString(node(hid2)); err != nil {
		t.Fatal(err)
	}
	if !tr.Observe(next("add", neu)) {
		t.Error("add of the new device ignored")
	}
	tb.Uevent(old, "remove")
	if tr.Observe(next("remove", old)) {
		t.Error("stale remove of the old device accepted: it would close the new device")
	}
	if owner, _ := tr.Owner("/dev/hidraw0"); owner != neu {
		t.Errorf("owner of /dev/hidraw0 = %q, want %q", owner, neu)
	}
	tb.Uevent(neu, "remove")
	if !tr.Observe(next("remove", neu)) {
		t.Error("remove of the new device ignored")
	}
}

func TestMonitorClose(t *testing.T) {
	newTestbed(t)
	m, err := hotplug.NewMonitor(hotplug.Options{Source: hotplug.SourceUdev})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(context.Background(), func(hotplug.Event) {}) }()
	time.Sleep(50 * time.Millisecond) // let Run reach poll(); the result does not depend on it
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, hotplug.ErrClosed) {
			t.Errorf("Run after Close = %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run still blocked 5s after Close")
	}
	if _, err := hotplug.NewMonitor(hotplug.Options{Source: "bogus"}); err == nil {
		t.Error("NewMonitor(source bogus) succeeded")
	}
}

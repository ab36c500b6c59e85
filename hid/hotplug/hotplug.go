package hotplug

/*
#cgo pkg-config: libudev
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <libudev.h>

static struct udev_device *hp_parent(struct udev_device *d, const char *subsystem, const char *devtype) {
	return udev_device_get_parent_with_subsystem_devtype(d, subsystem, devtype);
}
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"unsafe"

	"handsetd/internal/fdwait"
)

// Source selects which netlink events a Monitor receives.
type Source string

const (
	// SourceUdev: events after udevd processed them (the default).
	SourceUdev Source = "udev"
	// SourceKernel: the kernel's events, for systems without udevd.
	SourceKernel Source = "kernel"
)

// Action is what happened to a device.
type Action string

// Actions a Monitor reports.
const (
	Add    Action = "add"
	Remove Action = "remove"
	Change Action = "change"
)

// Device is a hidraw node or a USB device.
type Device struct {
	// Subsystem is "hidraw" or "usb".
	Subsystem string
	// DevType is "usb_device" for USB devices, "" for hidraw nodes.
	DevType string
	// SysfsPath identifies the device (/sys/devices/...).
	SysfsPath string
	// DevNode is /dev/hidrawN or /dev/bus/usb/BBB/DDD ("" if none).
	DevNode string
	// VendorID and ProductID come from the USB device (for a hidraw node,
	// its hid parent's HID_ID); zero when unknown, e.g. for a remove
	// event whose parents are already gone.
	VendorID, ProductID uint16
	// USBSysfsPath is the usb_device the node belongs to ("" if none or
	// already gone).
	USBSysfsPath string
}

func (d Device) String() string {
	return fmt.Sprintf("%s %s (%s) [%04x:%04x]", d.Subsystem, d.DevNode, d.SysfsPath, d.VendorID, d.ProductID)
}

// Event is one uevent.
type Event struct {
	Action Action
	Device
}

func (e Event) String() string { return string(e.Action) + " " + e.Device.String() }

// Options configures a Monitor.
type Options struct {
	// Source is SourceUdev when empty.
	Source Source
}

// ErrClosed is returned by Run after Close.
var ErrClosed = errors.New("hotplug: monitor closed")

// Monitor receives hidraw and usb_device uevents.
type Monitor struct {
	runMu sync.Mutex // one Run at a time; Close waits for it
	udev  *C.struct_udev
	mon   *C.struct_udev_monitor
	fd    C.int
	wait  *fdwait.Waiter // woken by cancellation and Close

	stateMu sync.Mutex
	closed  bool
}

// NewMonitor starts listening. Events that happen between NewMonitor and
// Run are queued in the socket, so a caller can create the monitor, then
// Enumerate, then Run without missing a device.
func NewMonitor(opts Options) (*Monitor, error) {
	src := opts.Source
	if src == "" {
		src = SourceUdev
	}
	if src != SourceUdev && src != SourceKernel {
		return nil, fmt.Errorf("hotplug: unknown source %q", src)
	}
	u := C.udev_new()
	if u == nil {
		return nil, errors.New("hotplug: udev_new failed")
	}
	m := &Monitor{udev: u}
	fail := func(what string, r C.int) (*Monitor, error) {
		m.free()
		if r < 0 {
			return nil, fmt.Errorf("hotplug: %s: %w", what, syscall.Errno(-r))
		}
		return nil, fmt.Errorf("hotplug: %s failed", what)
	}
	cs := C.CString(string(src))
	m.mon = C.udev_monitor_new_from_netlink(u, cs)
	C.free(unsafe.Pointer(cs))
	if m.mon == nil {
		return fail("udev_monitor_new_from_netlink("+string(src)+")", 0)
	}
	hidraw, usb, usbDevice := C.CString("hidraw"), C.CString("usb"), C.CString("usb_device")
	defer C.free(unsafe.Pointer(hidraw))
	defer C.free(unsafe.Pointer(usb))
	defer C.free(unsafe.Pointer(usbDevice))
	if r := C.udev_monitor_filter_add_match_subsystem_devtype(m.mon, hidraw, nil); r < 0 {
		return fail("filter hidraw", r)
	}
	if r := C.udev_monitor_filter_add_match_subsystem_devtype(m.mon, usb, usbDevice); r < 0 {
		return fail("filter usb", r)
	}
	if r := C.udev_monitor_enable_receiving(m.mon); r < 0 {
		return fail("enable receiving", r)
	}
	m.fd = C.udev_monitor_get_fd(m.mon)
	w, err := fdwait.New()
	if err != nil {
		m.free()
		return nil, fmt.Errorf("hotplug: %w", err)
	}
	m.wait = w
	return m, nil
}

func (m *Monitor) free() {
	if m.mon != nil {
		C.udev_monitor_unref(m.mon)
		m.mon = nil
	}
	if m.udev != nil {
		C.udev_unref(m.udev)
		m.udev = nil
	}
	if m.wait != nil {
		m.wait.Close()
		m.wait = nil
	}
}

// Run calls fn for every event, in order, from the calling goroutine,
// until ctx ends (it returns ctx.Err()) or Close is called (ErrClosed).
func (m *Monitor) Run(ctx context.Context, fn func(Event)) error {
	m.runMu.Lock()
	defer m.runMu.Unlock()
	for {
		m.stateMu.Lock()
		closed := m.closed
		m.stateMu.Unlock()
		if closed {
			return ErrClosed
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		stop := context.AfterFunc(ctx, func() { m.wait.Wake() })
		r, err := m.wait.Wait(int(m.fd))
		stop()
		switch {
		case err != nil:
			return fmt.Errorf("hotplug: %w", err)
		case r == fdwait.Woken:
			continue
		case r == fdwait.Hangup:
			return fmt.Errorf("hotplug: monitor socket: %w", syscall.EIO)
		}
		// The socket is non-blocking: drain what is queued.
		for {
			d := C.udev_monitor_receive_device(m.mon)
			if d == nil {
				break
			}
			ev := Event{Action: Action(goString(C.udev_device_get_action(d))), Device: deviceOf(d)}
			C.udev_device_unref(d)
			fn(ev)
		}
	}
}

// Close stops a running Run, waits for it and releases the monitor. It is
// safe to call more than once.
func (m *Monitor) Close() error {
	m.stateMu.Lock()
	if m.closed {
		m.stateMu.Unlock()
		return nil
	}
	m.closed = true
	m.stateMu.Unlock()
	m.wait.Wake()
	m.runMu.Lock()
	defer m.runMu.Unlock()
	m.free()
	return nil
}

func goString(s *C.char) string {
	if s == nil {
		return ""
	}
	return C.GoString(s)
}

func property(d *C.struct_udev_device, name string) string {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	return goString(C.udev_device_get_property_value(d, cs))
}

func sysattr(d *C.struct_udev_device, name string) string {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	return goString(C.udev_device_get_sysattr_value(d, cs))
}

func parent(d *C.struct_udev_device, subsystem, devtype string) *C.struct_udev_device {
	cs := C.CString(subsystem)
	defer C.free(unsafe.Pointer(cs))
	var ct *C.char
	if devtype != "" {
		ct = C.CString(devtype)
		defer C.free(unsafe.Pointer(ct))
	}
	// The parent belongs to d: no unref.
	return C.hp_parent(d, cs, ct)
}

// deviceOf reads what an event or enumeration says about d.
func deviceOf(d *C.struct_udev_device) Device {
	dev := Device{
		Subsystem: goString(C.udev_device_get_subsystem(d)),
		DevType:   goString(C.udev_device_get_devtype(d)),
		SysfsPath: goString(C.udev_device_get_syspath(d)),
		DevNode:   goString(C.udev_device_get_devnode(d)),
	}
	var usb *C.struct_udev_device
	if dev.Subsystem == "usb" && dev.DevType == "usb_device" {
		usb = d
	} else {
		usb = parent(d, "usb", "usb_device")
		// HID_ID is there for Bluetooth and uhid devices too.
		if hd := parent(d, "hid", ""); hd != nil {
			dev.VendorID, dev.ProductID, _ = ParseHIDID(property(hd, "HID_ID"))
		}
	}
	if usb != nil {
		if usb != d {
			dev.USBSysfsPath = goString(C.udev_device_get_syspath(usb))
		} else {
			dev.USBSysfsPath = dev.SysfsPath
		}
		// PRODUCT is part of the uevent itself, so it is there even
		// when a remove event arrives after sysfs is gone.
		if v, p, ok := ParseProduct(property(usb, "PRODUCT")); ok {
			dev.VendorID, dev.ProductID = v, p
		} else if v, err1 := strconv.ParseUint(sysattr(usb, "idVendor"), 16, 16); err1 == nil {
			if p, err2 := strconv.ParseUint(sysattr(usb, "idProduct"), 16, 16); err2 == nil {
				dev.VendorID, dev.ProductID = uint16(v), uint16(p)
			}
		}
	}
	return dev
}

// ParseProduct parses a USB uevent's PRODUCT property, "vid/pid/bcdDevice"
// in hex without leading zeros ("b0e/307/100").
func ParseProduct(s string) (vid, pid uint16, ok bool) {
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return 0, 0, false
	}
	v, err1 := strconv.ParseUint(parts[0], 16, 16)
	p, err2 := strconv.ParseUint(parts[1], 16, 16)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return uint16(v), uint16(p), true
}

// ParseHIDID parses a hid device's HID_ID property, "bus:vendor:product"
// in hex ("0003:00000B0E:00000307"), and returns the vendor and product.
func ParseHIDID(s string) (vid, pid uint16, ok bool) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return 0, 0, false
	}
	v, err1 := strconv.ParseUint(parts[1], 16, 32)
	p, err2 := strconv.ParseUint(parts[2], 16, 32)
	if err1 != nil || err2 != nil || v > 0xffff || p > 0xffff {
		return 0, 0, false
	}
	return uint16(v), uint16(p), true
}

// Enumerate lists the hidraw nodes and USB devices present, sorted by
// sysfs path.
func Enumerate() ([]Device, error) {
	u := C.udev_new()
	if u == nil {
		return nil, errors.New("hotplug: udev_new failed")
	}
	defer C.udev_unref(u)
	var list []Device
	for _, sub := range []string{"hidraw", "usb"} {
		e := C.udev_enumerate_new(u)
		if e == nil {
			return nil, errors.New("hotplug: udev_enumerate_new failed")
		}
		cs := C.CString(sub)
		C.udev_enumerate_add_match_subsystem(e, cs)
		C.free(unsafe.Pointer(cs))
		if r := C.udev_enumerate_scan_devices(e); r < 0 {
			C.udev_enumerate_unref(e)
			return nil, fmt.Errorf("hotplug: enumerate %s: %w", sub, syscall.Errno(-r))
		}
		for le := C.udev_enumerate_get_list_entry(e); le != nil; le = C.udev_list_entry_get_next(le) {
			d := C.udev_device_new_from_syspath(u, C.udev_list_entry_get_name(le))
			if d == nil {
				continue // gone since the scan
			}
			dev := deviceOf(d)
			C.udev_device_unref(d)
			if dev.Subsystem == "usb" && dev.DevType != "usb_device" {
				continue
			}
			list = append(list, dev)
		}
		C.udev_enumerate_unref(e)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].SysfsPath < list[j].SysfsPath })
	return list, nil
}

// Package hidraw opens real HID devices through Linux hidraw, using hidapi
// (bundled in github.com/sstallion/go-hid) for enumeration and I/O and a
// little cgo of its own for waiting.
//
// Enumerate lists one DeviceInfo per top-level collection, as hidapi does:
// a Jabra headset with a Consumer and a Telephony collection appears twice
// under the same Path. SysfsPath is the hidraw node's sysfs path; it is the
// identity that package hid/hotplug uses, because the kernel reuses
// /dev/hidrawN names when a device is re-plugged.
//
// Open returns a *Device that implements hid.Device. Reads wait in poll(2)
// on the hidraw descriptor together with an eventfd that cancellation and
// Close write to, so an idle device costs no wakeups at all, and a read is
// cancelled as soon as its context ends. Only when poll says a report is
// there does hidapi read it (never blocking), which also keeps a blocked
// read from holding the descriptor: a simulated umockdev node serialises
// every call on it. EINTR, which Go's runtime signals can cause, is retried;
// a device that went away (POLLHUP/POLLERR, EIO, ENODEV) returns an error
// wrapping hid.ErrDisconnected.
//
// Output reports go out with write(2) by default (hidapi's hid_write): the
// kernel sends them on the interrupt OUT endpoint when the interface has
// one and as a SET_REPORT(Output) control transfer otherwise, which is what
// every Telephony device seen so far accepts. Open(path,
// OutputViaIoctl()) uses HIDIOCSOUTPUT (Linux 5.11+) instead, which always
// uses the control pipe, for the rare device that ignores reports on its
// OUT endpoint; it is an option rather than an automatic fallback because
// a device that silently drops a report gives no error to fall back on.
//
// All device access goes through C (hidapi, libudev, poll), never Go's os
// package, so the same code runs against umockdev's simulated devices in
// the umockdev test tier (see package hid/umockdev).
//
// References: Linux Documentation/hid/hidraw.rst; hidapi
// (https://github.com/libusb/hidapi), linux/hid.c.
package hidraw

// Command qemutest is the gadget side of the real-kernel test tier: it runs
// as the only program of a QEMU guest (test/qemu/init.sh starts it) and plays
// both ends of a call around the real handsetd binary.
//
// The guest kernel (Debian's own, see scripts/test-qemu.sh) has dummy_hcd,
// which joins each emulated USB device controller (UDC) to an emulated host
// controller, and the configfs gadget framework
// (Documentation/usb/gadget_configfs.rst, Documentation/usb/gadget_hid.rst in
// the Linux tree). qemutest builds USB devices there with real report
// descriptors (testdata/hid) and binds them to a UDC; the same kernel then
// enumerates them as a host would: usbhid binds and makes /dev/hidrawN, usbfs
// makes /dev/bus/usb/BBB/DDD, and the kernel's uevents announce them. No
// udevd runs, so handsetd listens to the kernel's own events
// (--udev-source=kernel).
//
// On the gadget side, /dev/hidgN is the device's end of the HID link: each
// write is an input report (interrupt IN), each read an output report the
// host sent, over the interrupt OUT endpoint or, for a function without one,
// a SET_REPORT control transfer. That is how qemutest plays the user (lift,
// keys, mute) and checks the indicators handsetd drives (ring, off-hook,
// mute), decoding output reports with the device's own report descriptor.
//
// The softphone is package phoneapitest's Host on a private dbus-daemon, in
// this process, so each scenario can act on both sides and check both: the
// phone-API commands the host receives and the output reports the device
// receives, each against exact expected values.
//
// Unplug and re-plug are the gadget unbound from and bound again to its UDC,
// which the host side sees as a real disconnect and a new enumeration.
//
// Every scenario prints "SCENARIO <name>: PASS" or "SCENARIO <name>: FAIL:
// <why>"; the first failure ends the run with a non-zero status.
package main

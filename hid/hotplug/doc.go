// Package hotplug watches HID and USB devices come and go through libudev.
//
// A Monitor listens on a udev netlink monitor (cgo, libudev) for the
// hidraw subsystem and for usb devices of type usb_device, and Run delivers
// each add/remove/change as an Event to a callback. Run blocks in poll(2)
// on the monitor socket and an eventfd, so it costs nothing while nothing
// happens and ends as soon as its context does. The default source is
// "udev": events after udevd processed them (permissions and symlinks are
// in place). SourceKernel listens to the kernel's own events instead, for
// systems without udevd (the QEMU test tier's initramfs).
//
// Enumerate lists the devices present through the same libudev code, so a
// daemon handles "the devices there now" and "devices plugged in later"
// alike.
//
// Devices are identified by their sysfs path, never by their /dev name:
// the kernel reuses /dev/hidrawN when a device is re-plugged, and a late
// "remove" for the old device carries the same DevNode as the new one.
// Tracker applies the rule: a remove (or change) whose sysfs path is not
// the one currently known under its DevNode is stale and must be ignored.
//
// All access goes through libudev from C, so it works under umockdev, whose
// preload library intercepts libc calls but not Go's own system calls.
//
// References: libudev(3), udev_monitor_new_from_netlink(3),
// Linux Documentation/ABI/testing/sysfs-class-hidraw.
package hotplug

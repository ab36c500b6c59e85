// Package usbio is the USB transport of the vendor drivers (devices/cm109
// and devices/yealink): the C-Media CM109 phones and the Yealink USB-P1K
// are HID-class devices that usbhid ignores (hid-quirks.c), so they have no
// hidraw node and are driven through usbfs instead.
//
// What those drivers need of USB is small and is the [Transport] interface:
// HID SET_REPORT class requests on the default control pipe (USB 2.0
// section 9.3, HID 1.11 section 7.2.2) and reads of the interface's
// interrupt IN endpoint. [Open] implements it over github.com/google/gousb
// (libusb); the simulated phones in devices/cm109/cm109sim and
// devices/yealink/yealinksim implement it in Go for tests, on the shared
// device-side scaffolding of package usbiotest. [SetReport] sends the one
// request both protocols write with.
//
// # Kernel driver detach
//
// Linux binds its own input drivers to these phones: cm109.ko to the
// CM109's HID interface and yealink.ko to the P1K's. A device interface can
// have one owner, so Open asks libusb to detach the kernel driver from the
// one interface it claims (libusb_set_auto_detach_kernel_driver) and libusb
// re-attaches it when the interface is released by Close. While handsetd
// holds a phone its /dev/input/eventN node is therefore gone, and it comes
// back when handsetd lets go.
//
// gousb's own auto-detach is not used as-is: with SetAutoDetach(true) set
// before Device.Config, gousb detaches the kernel drivers of every
// interface of the configuration, which would unbind snd-usb-audio from the
// phone's sound card. Open therefore selects the configuration first and
// turns auto-detach on afterwards, so that only the claimed HID interface
// changes hands. Opening needs write access to /dev/bus/usb/BBB/DDD (a udev
// rule granting it to the user running handsetd).
//
// # Blocking and unplug
//
// ReadInterrupt blocks in libusb until the device sends a report or ctx
// ends (gousb cancels the transfer): there is no polling loop in this
// package, and an idle phone costs no CPU. Control transfers cannot be
// cancelled by libusb; they are bounded by a timeout instead (the earlier
// of ctx's deadline and [DefaultControlTimeout]). Once the device is
// unplugged every call returns an error wrapping devices.ErrGone.
package usbio

// Package usbiotest is what the simulated vendor phones
// (devices/cm109/cm109sim, devices/yealink/yealinksim) share: the device
// side of a usbio.Transport apart from the protocol itself.
//
// A [Link] holds the one lock that guards a simulated phone's state, wakes
// blocked interrupt reads and test waits whenever that state changes,
// answers every call with devices.ErrGone after Unplug and with
// usbio.ErrClosed after Close, checks that a control transfer is the HID
// SET_REPORT of an output report to the phone's HID interface (HID 1.11
// section 7.2.2, the only request cm109.c and yealink.c send), and keeps
// the list of what the phone refused, which a correct host leaves empty.
// [Switch] records an on/off output (a buzzer, an LED) with the
// simulation clock's time of every change.
package usbiotest

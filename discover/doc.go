// Package discover finds handsets and opens the right driver for each: the
// first step of handsetd's data flow (device -> driver -> phone -> host).
//
// The HID source lists hidraw nodes through libudev (hid/hotplug), then
// follows a libudev monitor for nodes that come and go. A node is a handset
// when the model database names its USB ids with the generic HID Telephony
// driver, or when one of its top-level collections is on the Telephony page
// (any Telephony device works, known or not). Vendor phones that usbhid
// ignores (CM109, Yealink USB-P1K) are found among usb_device events by
// their ids in the database.
//
// Devices are identified by sysfs path. Because the monitor starts before
// the enumeration, a device plugged in between is seen twice; the source
// reports it once.
package discover

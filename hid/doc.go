// Package hid understands HID report descriptors and the reports they
// describe, so that drivers never hard-code bit positions.
//
// A report descriptor (HID 1.11, "Device Class Definition for Human
// Interface Devices", section 6.2.2, https://www.usb.org/document-library/device-class-definition-hid-111)
// is a program of short and long items. Global items (Usage Page, Logical
// Minimum, Report Size, Report ID, ...) set state that persists, Push and
// Pop save and restore it; Local items (Usage, Usage Minimum/Maximum,
// Delimiter, ...) apply to the next Main item only; Main items declare
// fields (Input, Output, Feature) and group them in collections. Usage
// names come from the HID Usage Tables (https://usb.org/document-library/hid-usage-tables-15);
// a telephone is an Application collection on the Telephony page (0x0B).
//
// The package has three parts:
//
//   - ParseReportDescriptor turns the bytes into a ReportDescriptor: per
//     report type and ID a Report listing every Field with its bit offset,
//     size, count, flags, usages, logical and physical range and unit, and
//     the collections (Application first of all) the fields belong to.
//     It is a pure function that never panics, bounds everything it
//     allocates (see MaxReportBytes and the other limits) and names the
//     byte offset of whatever is malformed.
//   - Decoder turns a raw input report into Values, without allocating;
//     Encoder builds output and feature reports from values, keeping a
//     shadow of each so that setting one LED never clears another that
//     shares its byte.
//   - TelephonySummary and ReportDescriptor.HasTelephony pick out hook
//     switch, mute, keypad, LEDs and ringer for the telephony driver and
//     for "handsetd describe".
//
// Rules worth knowing, because real devices depend on them:
//
//   - A 16-bit usage takes the Usage Page in effect at its Main item, so a
//     Usage Page written after the Usage items still applies to them; a
//     32-bit (extended) usage carries its own page. As in Linux, the page
//     change stops at a usage that already had that page, so descriptors
//     that mix pages inside one item keep the earlier usages as declared.
//   - A Logical (or Physical) Maximum is two's complement only when its
//     Minimum is negative; otherwise it is unsigned of its own size.
//   - Fields of one report type and ID are laid out one after the other in
//     descriptor order, constant padding included; BitOffset counts from
//     the first bit after the report ID byte.
//   - In a delimited set of usages only the first one is used.
//   - When a descriptor declares report IDs, every report starts with its
//     ID byte (Numbered). Fields declared before the first Report ID item of
//     such a descriptor get ID 0, as in Linux.
//
// The device side lives elsewhere: Device is the interface to an open
// hidraw node, implemented in hid/hidraw and faked in hid/hidtest.
package hid

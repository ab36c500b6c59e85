// Package udev decides which device nodes the logged-in user may open and
// when the handsetd user service starts, by generating udev rules from the
// model database and by probing HID report descriptors for devices the
// database does not know.
//
// Access is granted the way systemd grants it to FIDO tokens
// (60-fido-id.rules and 70-uaccess.rules): a rule tags the device node
// "uaccess", and 73-seat-late.rules turns the tag into an ACL for the user
// of the active seat session, which logind moves on every session switch.
// Only two kinds of node are tagged:
//
//   - the hidraw and USB device nodes of a model in the database, matched
//     by its USB vendor and product id (Rules);
//   - a hidraw node whose report descriptor has an Application collection
//     on the Telephony page (0x0B) and no keyboard or mouse, as decided by
//     Probe, which udev runs through IMPORT{program} ("handsetd udev-probe
//     %k") and which answers with the property HANDSETD_TELEPHONY=1.
//
// A keyboard must never become readable by the user: hidraw bypasses the
// input layer, so whoever reads a keyboard's hidraw node reads every key
// typed, passwords included. The probe therefore refuses any descriptor
// that declares a keyboard, keypad, mouse or pointer application, or any
// input on the Keyboard/Keypad page, and it refuses when the descriptor
// cannot be read or parsed.
//
// The same rules tag the nodes "systemd" and add handsetd.service to
// SYSTEMD_USER_WANTS, so the user's service manager starts the daemon when
// the first handset appears; a later handset wants the same, already
// running, unit (systemd.device(5)).
//
// References: udev(7), systemd.device(5), sd-login(3) for uaccess, Linux
// Documentation/hid/hidraw.rst for the report_descriptor attribute, HID
// Usage Tables 1.5 section 14 (Telephony Device Page). docs/udev.md has
// the whole picture, including the kernel drivers that hold some handsets.
package udev

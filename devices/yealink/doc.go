// Package yealink drives the Yealink USB-P1K (USB 6993:b001, also sold as
// the Tiptel 115) over a [usbio.Transport]. usbhid ignores the phone, so
// there is no hidraw node to use.
//
// The protocol is the one of the Linux driver drivers/input/misc/yealink.c
// and yealink.h (Henk Vergonet, 2005), with the 7-segment character map of
// include/linux/map_to_7segment.h, summarised in the project's
// docs/hid-telephony.md:
//
//   - Every message is a 16-byte [Packet] {cmd, size, be16 offset,
//     data[11], sum} whose bytes add up to 0 mod 256. The host sends them
//     as SET_REPORT control transfers (0x21, 9, 0x0200, wIndex 3); the
//     phone answers KEYPRESS and SCANCODE on the interrupt IN endpoint.
//   - Opening uploads the ring melody (RING_VOLUME, then RING_NOTE in
//     11-byte pieces; [DefaultRingtone] is the kernel's), sends INIT, and
//     brings the display, LED, dial tone and ring tone to a known state.
//   - Keys must be polled: KEYPRESS returns a key number (0 when no key is
//     down); when it changes, SCANCODE with offset key number - 1 returns
//     the key's scancode, row in the high nibble ([P1KKeymap]).
//   - LCD writes 1-11 of the 24 segment bytes at an offset; LED (1/0),
//     RINGTONE (0x24/0, the speaker on the back) and DIALTONE (1/0, the
//     earpiece) are switches.
//
// # Events and indicators
//
// Keys become phone-API names: digits, "*" and "#"; pickup is "YES"
// (devices.ButtonAnswer), hangup "NO" (devices.ButtonDrop), the arrows
// "UP"/"DOWN", C is "C". IN and OUT have no phone-API name and report
// nothing unless a model's key map names them. The P1K has no hook switch.
// A key is down from the poll that sees its number until the poll that
// sees another number (or none): every KeyDown gets exactly one KeyUp,
// also when Run ends or the phone is unplugged.
//
// devices.Ring lights the LED and plays the ring tone, devices.Ringer
// plays the ring tone alone; the phone plays the uploaded melody with its
// own cadence, so the driver runs no timers for it. SetDisplay shows a
// caller's number on the twelve digits of line 3, SetDialTone plays the
// dial tone in the earpiece.
//
// # Polling rate and idle cost
//
// yealink.c polls back to back, as fast as the bus allows (it defines
// YEALINK_POLLING_FREQUENCY, 10 Hz, but has no way to wait). This driver
// polls every [Config.PollInterval], 100 ms by default, and only while Run
// runs: at idle that is 10 control transfers and 10 interrupt transfers of
// 16 bytes per second and 10 wake-ups of one goroutine. The driver's own
// work is under 1 µs per poll (BenchmarkPoll: 0.74 µs, 7 allocations, on
// the 2-core build machine); libusb's transfers come on top. A key pressed and released between two polls, or two
// presses of the same key without a poll between them, is seen once or not
// at all; 100 ms is shorter than a deliberate key press.
//
// Bad checksums, bad lengths and packets that do not answer the pending
// command are logged and dropped; a poll without an answer within
// [Config.ReplyTimeout] is logged and the next poll goes on.
package yealink

// Package cm109 drives the C-Media CM109 based USB "Skype phones"
// (USB 0d8c:0008-000f; the Komunikate KIP1000, Genius G-talk, Allied
// Telesis Corega USBPH01 and ATCom AU-100 among them) over a
// [usbio.Transport]. usbhid ignores these devices, so there is no hidraw
// node to use.
//
// The protocol is the one of the Linux driver drivers/input/misc/cm109.c
// (Alfred E. Heggestad, 2007-2008), summarised in the project's
// docs/hid-telephony.md:
//
//   - Input and output are 4-byte reports. Input byte 0 (HID_IR0) holds
//     record mute (bit 3), playback mute (bit 2), volume down (bit 1) and
//     volume up (bit 0); input byte 1 (HID_IR1) holds the keypad rows in the
//     high nibble and the column being driven in the low nibble.
//   - Output is a HID SET_REPORT control transfer (0x21, 9, 0x0200,
//     wIndex = interface, 4 bytes): byte 0 bits 7-6 select the mode (0:
//     GPO and buzzer) and bit 5 switches the buzzer on; bytes 1 and 2 are the
//     GPO value and GPIO direction, both the keypad column mask being
//     driven; byte 3 is 0.
//   - The keypad is a matrix scanned by the host, exactly as cm109.c does
//     it: with all columns driven (0x0f) the driver watches IR1 & 0xf0; when
//     it changes, the driver drives columns 0x1, 0x2, 0x4 and 0x8 one at a
//     time, one output report after each input report, and the raw IR1 read
//     while a column is driven is the scancode. After the fourth column it
//     drives 0x0f again.
//   - The scancode tables differ per product: [Keymaps] holds the kernel's
//     keymap_kip1000, keymap_gtalk, keymap_usbph01 and keymap_atcom, keyed
//     by the same names as the kernel's "phone" module parameter.
//
// # Models
//
// All four products report the C-Media id 0d8c:000e, so the model database
// cannot tell their key layouts apart: its builtin "cm109" entry covers the
// CM109 range with the KIP1000 layout, the kernel's default. The files in
// this package's models/ directory select the other layouts; copying one
// into the user model directory ($XDG_CONFIG_HOME/handsetd/models) makes it
// shadow the builtin entry, as the kernel's "phone" module parameter does.
// [ModelConfig] reads quirk cm109_keymap, the model's key map, its
// ring_cadence_ms and quirk cm109_hook_keys.
//
// # Events
//
// Scancodes become phone-API key names (docs/phone-api.md): digits, "*" and
// "#" as printed; pickup/talk (KEY_ENTER) is "YES" with
// devices.ButtonAnswer; hangup/end (KEY_ESC) is "NO" with
// devices.ButtonDrop; the G-talk's menu rocker (KEY_UP/KEY_DOWN) is
// "UP"/"DOWN", and the IN/OUT or left/right arrow keys of the other
// products (KEY_LEFT/KEY_RIGHT) are "UP"/"DOWN" too, since the phone API has
// no left or right. A model's key map overrides any of these per scancode.
//
// cm109.c reports a key's release when the next column is scanned, a few
// milliseconds after the press. This driver holds a key down until a scan
// finds it released (the rows went idle and a rescan found nothing), so the
// host sees BTN_RELEASED when the user lets go; every KeyDown is followed
// by exactly one KeyUp, also when a second key takes over or the device is
// unplugged.
//
// Volume up and down (IR0 bits 0 and 1) are the keys "UP" and "DOWN" with
// devices.ButtonVolumeUp/ButtonVolumeDown, down while the bit is set. Both
// mute buttons (bits 2 and 3) report devices.MuteToggle when pressed: the
// kernel turns each into a press and release, and the phone has no mute
// state of its own.
//
// None of the kernel's four key maps has a hook switch: these phones have
// pickup and hangup keys. With [Config.HookKeys] (model quirk
// "cm109_hook_keys": true) pickup reports devices.HookOff and hangup
// devices.HookOn instead of key events, for hosts that only follow HOOK.
//
// # Ringing
//
// The phone's only indicator is its buzzer. Both devices.Ring and
// devices.Ringer switch it; the driver plays a cadence (default 1 s on,
// 2 s off, [Config.Cadence] or the model's ring_cadence_ms) with timers of
// an injectable clock, writes the buzzer off when ringing stops and on
// Close, and stops its timers when the device is unplugged.
//
// # Cost at idle
//
// The driver blocks in the interrupt IN read: a CM109 reports when its
// inputs change, so an idle phone costs no transfers and no CPU. Like
// cm109.c it answers every input report with an output report; that is
// four extra control transfers per key press or release for the scan.
package cm109

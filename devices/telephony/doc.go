// Package telephony is the generic driver for USB handsets and headsets
// that speak the HID Telephony page (0x0B): Jabra, Poly/Plantronics,
// EPOS/Sennheiser, Yealink, Logitech and most other modern devices.
//
// Everything the driver does is derived from the device's report
// descriptor (HID 1.11 and the HID Usage Tables 1.5, Telephony Device page
// 0x0B, LED page 0x08, Consumer page 0x0C): it never hard-codes a bit
// position. hid.TelephonySummary picks the controls out of the standard
// Telephony collection, preferring it when a vendor page mirrors it (Jabra's
// 0xFF30/0xFF40). The model database (package devices/models) only adds
// quirks and key names.
//
// # Inputs
//
// Whether a control is absolute or relative is decided from the item's
// Relative bit alone; the Preferred State bit is not reliable on real
// devices (docs/hid-telephony.md).
//
//   - Hook Switch (0x0B:0x20), absolute: a level, 1 = off hook; a change
//     emits HookOff or HookOn. Relative: each press toggles the hook.
//   - Phone Mute (0x0B:0x2F), relative: MuteToggle on the 0 -> 1 edge.
//     Absolute: MuteOn / MuteOff on change. Consumer Mute (0x0C:0xE2) is a
//     push button on every known headset and toggles mute on its 0 -> 1
//     edge, but only on devices without Phone Mute, which otherwise report
//     the same press twice.
//   - Key pad (0x0B:0x06 with Phone Key 0xB0-0xBF): an array; a value of 0
//     or a null value means "no key", as the project's device notes say,
//     even where the logical range would make 0 the first key. Each key
//     that appears is a KeyDown, each that disappears a KeyUp, so two
//     overlapping keys give two clean pairs.
//   - Buttons: Flash -> "R", Redial -> "+", Drop -> "NO", Send -> "YES",
//     the Programmable Button (0x0B:0x07, or a Button page usage inside the
//     Telephony collection) -> "SKYPE", Volume Up/Down (0x0C:0xE9/0xEA) ->
//     "UP"/"DOWN"; Speed Dial and Voice Mail only when a key map names
//     them. The model's key map and Options.KeyMap override these (see
//     Controls for the names). An absolute button is down while it reads 1.
//     A relative one reports an event, not a state, so its 0 -> 1 edge emits
//     KeyDown and KeyUp at once: no key is left down on a device that never
//     reports the 0.
//   - Line Busy Tone is only logged.
//
// Every KeyDown is followed by exactly one KeyUp, also when Run ends
// because the device was unplugged or the context was cancelled.
//
// A press of the same control within the debounce window (default 5 ms,
// as the Linux Plantronics driver does) after the previous accepted one is
// dropped together with its release. A hook-on within
// Options.HookOnIgnoreAfterAnswer of a hook-off is held back; if the hook
// still reads on-hook when the window closes, HookOn is emitted then.
//
// # Indicators and acknowledgement
//
// Ring drives LED Ring (0x08:0x18), Ringer the Telephony Ringer
// (0x0B:0x9E), OffHook, Mute, Hold, Microphone and OnLine the LEDs
// 0x08:0x17, 0x09, 0x20, 0x21 and 0x2A. Ring is steady: the devices blink
// it themselves. Hold keeps Off-Hook set, since clearing it makes some
// headsets end the call. Output reports go through a hid.Encoder, whose
// shadow keeps LEDs that share a byte (Jabra) intact; a device with one
// report per LED (Poly) gets one report per change.
//
// Devices treat their inputs as requests and resend them if the host does
// not confirm, so the driver sets LED Off-Hook after a hook change and LED
// Mute (LED Microphone on devices without it) after a mute change, at
// once, before the phone-API host answers.
//
// Malformed, short and unknown reports are logged (rate-limited) and
// dropped. A failed write is returned (or logged, for an acknowledgement),
// never a panic.
package telephony

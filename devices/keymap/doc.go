// Package keymap holds what the scancode-driven phone drivers
// (devices/cm109, devices/yealink) share about keys: the meaning of a
// scancode to the phone API ([Key]), a table of them ([Map]) with a
// model's overrides laid over it ([Map.With], entries such as
// "0x88": "YES" from the model database's "keymap" and the user's
// [keys.<model>] section), and [Held], the one key such a keypad reports
// down at a time.
//
// Key names are the phone API's (docs/phone-api.md: BTN_PRESSED and
// BTN_RELEASED take "0"-"9", "A"-"Z", "#", "*", "+", "UP", "DOWN", "YES",
// "NO", "SKYPE"); a scancode the driver's own table lacks gets its button
// class from devices.ButtonForKey. The scancode tables themselves are the
// kernel drivers' (cm109.c keymap_*, yealink.c map_p1k_to_key) and stay in
// the driver packages.
package keymap

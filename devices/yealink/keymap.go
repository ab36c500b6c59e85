package yealink

import (
	"fmt"

	"handsetd/devices"
	"handsetd/devices/keymap"
)

// Key is what a scancode means to the phone API.
type Key = keymap.Key

// Keymap maps a P1K scancode (row in the high nibble) to a key.
type Keymap = keymap.Map

// P1KKeymap is map_p1k_to_key of yealink.c in phone-API names. The IN
// (0x23) and OUT (0x04) keys, KEY_LEFT and KEY_RIGHT in the kernel, have
// no phone-API name and are left out: the P1K has real up and down keys. A
// model's key map can give them one.
var P1KKeymap = Keymap{
	0x33: {Name: "UP", Button: devices.ButtonOther},   // up
	0x24: {Name: "DOWN", Button: devices.ButtonOther}, // down
	0x03: {Name: "YES", Button: devices.ButtonAnswer}, // pickup
	0x14: {Name: "C", Button: devices.ButtonOther},    // C (KEY_BACKSPACE)
	0x13: {Name: "NO", Button: devices.ButtonDrop},    // hangup
	0x00: {Name: "1", Button: devices.ButtonKey},
	0x01: {Name: "2", Button: devices.ButtonKey},
	0x02: {Name: "3", Button: devices.ButtonKey},
	0x10: {Name: "4", Button: devices.ButtonKey},
	0x11: {Name: "5", Button: devices.ButtonKey},
	0x12: {Name: "6", Button: devices.ButtonKey},
	0x20: {Name: "7", Button: devices.ButtonKey},
	0x21: {Name: "8", Button: devices.ButtonKey},
	0x22: {Name: "9", Button: devices.ButtonKey},
	0x30: {Name: "*", Button: devices.ButtonKey},
	0x31: {Name: "0", Button: devices.ButtonKey},
	0x32: {Name: "#", Button: devices.ButtonKey},
}

// BuildKeymap returns P1KKeymap with a model's overrides ("0x23" ->
// "SKYPE") applied; an overridden scancode the table has keeps its button
// class.
func BuildKeymap(overrides map[string]string) (Keymap, error) {
	km, err := P1KKeymap.With(overrides)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return km, nil
}

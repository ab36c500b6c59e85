package cm109

import (
	"fmt"

	"handsetd/devices"
	"handsetd/devices/keymap"
)

// Key is what a scancode means to the phone API.
type Key = keymap.Key

// Keymap maps a scancode (IR1: rows in the high nibble, the driven column
// in the low nibble) to a key.
type Keymap = keymap.Map

// DefaultKeymap is the kernel module's default ("phone=kip1000").
const DefaultKeymap = "kip1000"

// Phone-API meanings of the kernel key codes used by cm109.c.
var (
	keyEnter = Key{Name: "YES", Button: devices.ButtonAnswer} // pickup, talk
	keyEsc   = Key{Name: "NO", Button: devices.ButtonDrop}    // hangup, end
	keyUp    = Key{Name: "UP", Button: devices.ButtonOther}   // menu up
	keyDown  = Key{Name: "DOWN", Button: devices.ButtonOther} // menu down
	keyLeft  = Key{Name: "UP", Button: devices.ButtonOther}   // IN, left arrow: no left in the phone API
	keyRight = Key{Name: "DOWN", Button: devices.ButtonOther} // OUT, right arrow
)

func digit(c byte) Key { return Key{Name: string(c), Button: devices.ButtonKey} }

// Keymaps are the scancode tables of drivers/input/misc/cm109.c
// (keymap_kip1000, keymap_gtalk, keymap_usbph01, keymap_atcom), by the names
// of the kernel's "phone" module parameter.
var Keymaps = map[string]Keymap{
	// Komunikate KIP1000: rows on GPI 4-7, columns on GPO 3-0.
	"kip1000": {
		0x82: digit('0'), 0x14: digit('1'), 0x12: digit('2'), 0x11: digit('3'),
		0x24: digit('4'), 0x22: digit('5'), 0x21: digit('6'), 0x44: digit('7'),
		0x42: digit('8'), 0x41: digit('9'), 0x81: digit('#'), 0x84: digit('*'),
		0x88: keyEnter, // pickup
		0x48: keyEsc,   // hangup
		0x28: keyLeft,  // IN
		0x18: keyRight, // OUT
	},
	// Genius G-talk (keymap by Shaun Jackman).
	"gtalk": {
		0x11: digit('0'), 0x21: digit('1'), 0x41: digit('2'), 0x81: digit('3'),
		0x12: digit('4'), 0x22: digit('5'), 0x42: digit('6'), 0x82: digit('7'),
		0x14: digit('8'), 0x24: digit('9'), 0x44: digit('#'), 0x84: digit('*'),
		0x18: keyEnter, // Talk (green handset)
		0x28: keyEsc,   // End (red handset)
		0x48: keyUp,    // menu up (rocker switch)
		0x88: keyDown,  // menu down (rocker switch)
	},
	// Allied Telesis Corega USBPH01.
	"usbph01": {
		0x11: digit('0'), 0x21: digit('1'), 0x41: digit('2'), 0x81: digit('3'),
		0x12: digit('4'), 0x22: digit('5'), 0x42: digit('6'), 0x82: digit('7'),
		0x14: digit('8'), 0x24: digit('9'), 0x44: digit('#'), 0x84: digit('*'),
		0x18: keyEnter, // pickup
		0x28: keyEsc,   // hangup
		0x48: keyLeft,  // IN
		0x88: keyRight, // OUT
	},
	// ATCom AU-100.
	"atcom": {
		0x82: digit('0'), 0x11: digit('1'), 0x12: digit('2'), 0x14: digit('3'),
		0x21: digit('4'), 0x22: digit('5'), 0x24: digit('6'), 0x41: digit('7'),
		0x42: digit('8'), 0x44: digit('9'), 0x84: digit('#'), 0x81: digit('*'),
		0x18: keyEnter, // pickup
		0x28: keyEsc,   // hangup
		0x48: keyLeft,  // left arrow
		0x88: keyRight, // right arrow
	},
}

// BuildKeymap returns the named kernel table with a model's overrides
// applied. Override keys are scancodes written in hex ("0x88"); values are
// phone-API key names. An overridden scancode keeps the kernel's button
// class when the kernel maps it (a remapped pickup key is still the
// answer button).
func BuildKeymap(name string, overrides map[string]string) (Keymap, error) {
	if name == "" {
		name = DefaultKeymap
	}
	base, ok := Keymaps[name]
	if !ok {
		return nil, fmt.Errorf("%w: unknown keymap %q (known: kip1000, gtalk, usbph01, atcom)", ErrConfig, name)
	}
	km, err := base.With(overrides)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return km, nil
}

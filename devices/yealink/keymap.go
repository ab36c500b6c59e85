package yealink

import (
	"fmt"
	"strconv"
	"strings"

	"handsetd/devices"
)

// Key is what a scancode means to the phone API.
type Key struct {
	Name   string
	Button devices.Button
}

// Keymap maps a P1K scancode (row in the high nibble) to a key.
type Keymap map[uint8]Key

// P1KKeymap is map_p1k_to_key of yealink.c in phone-API names. The IN
// (0x23) and OUT (0x04) keys, KEY_LEFT and KEY_RIGHT in the kernel, have
// no phone-API name and are left out: the P1K has real up and down keys. A
// model's key map can give them one.
var P1KKeymap = Keymap{
	0x33: {"UP", devices.ButtonOther},   // up
	0x24: {"DOWN", devices.ButtonOther}, // down
	0x03: {"YES", devices.ButtonAnswer}, // pickup
	0x14: {"C", devices.ButtonOther},    // C (KEY_BACKSPACE)
	0x13: {"NO", devices.ButtonDrop},    // hangup
	0x00: {"1", devices.ButtonKey},
	0x01: {"2", devices.ButtonKey},
	0x02: {"3", devices.ButtonKey},
	0x10: {"4", devices.ButtonKey},
	0x11: {"5", devices.ButtonKey},
	0x12: {"6", devices.ButtonKey},
	0x20: {"7", devices.ButtonKey},
	0x21: {"8", devices.ButtonKey},
	0x22: {"9", devices.ButtonKey},
	0x30: {"*", devices.ButtonKey},
	0x31: {"0", devices.ButtonKey},
	0x32: {"#", devices.ButtonKey},
}

func buttonFor(name string) devices.Button {
	switch {
	case name == "YES":
		return devices.ButtonAnswer
	case name == "NO":
		return devices.ButtonDrop
	case name == "R":
		return devices.ButtonFlash
	case name == "+":
		return devices.ButtonRedial
	case name == "SKYPE":
		return devices.ButtonProgrammable
	case name == "#" || name == "*" || len(name) == 1 && name[0] >= '0' && name[0] <= '9':
		return devices.ButtonKey
	}
	return devices.ButtonOther
}

// BuildKeymap returns P1KKeymap with a model's overrides ("0x23" ->
// "SKYPE") applied; an overridden scancode the table has keeps its button
// class.
func BuildKeymap(overrides map[string]string) (Keymap, error) {
	km := make(Keymap, len(P1KKeymap)+len(overrides))
	for sc, k := range P1KKeymap {
		km[sc] = k
	}
	for code, name := range overrides {
		lc := strings.ToLower(code)
		sc, err := strconv.ParseUint(strings.TrimPrefix(lc, "0x"), 16, 8)
		if err != nil || !strings.HasPrefix(lc, "0x") {
			return nil, fmt.Errorf("%w: keymap entry %q: want a scancode like \"0x23\"", ErrConfig, code)
		}
		if !devices.ValidKeyName(name) {
			return nil, fmt.Errorf("%w: keymap entry %s: %q is not a phone-API key name", ErrConfig, code, name)
		}
		k, known := km[uint8(sc)]
		if !known {
			k.Button = buttonFor(name)
		}
		k.Name = name
		km[uint8(sc)] = k
	}
	return km, nil
}

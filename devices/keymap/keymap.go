package keymap

import (
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"handsetd/devices"
)

// ErrEntry means a key map override is not a scancode and a phone-API key
// name.
var ErrEntry = errors.New("keymap: invalid entry")

// Key is what a scancode means to the phone API.
type Key struct {
	Name   string // phone-API key name (devices.ValidKeyName)
	Button devices.Button
}

// Map maps a scancode to a key.
type Map map[uint8]Key

// ParseScancode reads a scancode as the model database writes it: hex
// with a "0x" prefix, "0x00" to "0xff". The prefix is required so that
// "10" cannot be read as ten by one reader and sixteen by another.
func ParseScancode(code string) (uint8, error) {
	lc := strings.ToLower(code)
	hex, ok := strings.CutPrefix(lc, "0x")
	sc, err := strconv.ParseUint(hex, 16, 8)
	if err != nil || !ok {
		return 0, fmt.Errorf("%w: %q: want a scancode like \"0x88\"", ErrEntry, code)
	}
	return uint8(sc), nil
}

// With returns a copy of m with overrides (scancode -> key name) applied.
// An overridden scancode that m maps keeps its button class (a remapped
// pickup key is still the answer button); a new one is classified by
// devices.ButtonForKey. m is not changed.
func (m Map) With(overrides map[string]string) (Map, error) {
	out := make(Map, len(m)+len(overrides))
	for sc, k := range m {
		out[sc] = k
	}
	for code, name := range overrides {
		sc, err := ParseScancode(code)
		if err != nil {
			return nil, err
		}
		if !devices.ValidKeyName(name) {
			return nil, fmt.Errorf("%w: %s: %q is not a phone-API key name", ErrEntry, code, name)
		}
		k, known := out[sc]
		if !known {
			k.Button = devices.ButtonForKey(name)
		}
		k.Name = name
		out[sc] = k
	}
	return out, nil
}

// Held is the key a keypad reports down. These phones report one key at a
// time, so a second key replaces the first: Press releases the key held
// before, and every KeyDown it emits is followed by exactly one KeyUp. The
// zero value holds nothing and reports keys as keys.
type Held struct {
	// HookKeys makes the answer key report devices.HookOff and the drop
	// key devices.HookOn, with no key events, for phones whose pickup and
	// hangup keys stand in for a hook switch.
	HookKeys bool

	key  Key
	down bool
}

// hook reports whether k stands for the hook rather than a key.
func (h *Held) hook(k Key) bool {
	return h.HookKeys && (k.Button == devices.ButtonAnswer || k.Button == devices.ButtonDrop)
}

// Press makes k the key held and emits its KeyDown (or hook event),
// releasing the key held before. A key already held is not pressed again.
func (h *Held) Press(k Key, emit func(devices.Event)) {
	if h.down && h.key == k {
		return
	}
	h.Release(emit)
	h.key, h.down = k, true
	switch {
	case h.hook(k) && k.Button == devices.ButtonAnswer:
		emit(devices.Event{Kind: devices.HookOff})
	case h.hook(k):
		emit(devices.Event{Kind: devices.HookOn})
	default:
		emit(devices.Event{Kind: devices.KeyDown, Key: k.Name, Button: k.Button})
	}
}

// Release lets go of the key held, if any, and emits its KeyUp (a hook key
// emits nothing: the hook stays where its press put it).
func (h *Held) Release(emit func(devices.Event)) {
	if !h.down {
		return
	}
	k := h.key
	h.key, h.down = Key{}, false
	if !h.hook(k) {
		emit(devices.Event{Kind: devices.KeyUp, Key: k.Name, Button: k.Button})
	}
}

// Down returns the key held.
func (h *Held) Down() (Key, bool) { return h.key, h.down }

// Overlay lays the user's key map (the [keys] sections of the
// configuration) over a model's, entry by entry; neither is changed.
func Overlay(model, user map[string]string) map[string]string {
	if len(user) == 0 {
		return model
	}
	out := maps.Clone(model)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, user)
	return out
}

// Scancodes keeps the entries of a user key map that name scancodes. The
// configuration's [keys] section applies to every handset and names the
// generic driver's controls ("flash = R"); vendor phones know scancodes
// only, and must neither fail on nor misread the others.
func Scancodes(user map[string]string) map[string]string {
	var out map[string]string
	for k, v := range user {
		if _, err := ParseScancode(k); err != nil {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = v
	}
	return out
}

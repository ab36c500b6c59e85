package keymap

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"handsetd/devices"
)

func TestParseScancode(t *testing.T) {
	for code, want := range map[string]uint8{"0x00": 0, "0x88": 0x88, "0X1f": 0x1f, "0xFF": 0xff, "0x7": 7} {
		got, err := ParseScancode(code)
		if err != nil || got != want {
			t.Errorf("ParseScancode(%q) = %#02x, %v; want %#02x", code, got, err, want)
		}
	}
	for _, code := range []string{"", "0x", "88", "0x100", "0xg1", "x88", "-0x1", "0x-1", " 0x88"} {
		if got, err := ParseScancode(code); !errors.Is(err, ErrEntry) {
			t.Errorf("ParseScancode(%q) = %#02x, %v; want ErrEntry", code, got, err)
		}
	}
	_, err := ParseScancode("88")
	if want := `keymap: invalid entry: "88": want a scancode like "0x88"`; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestWith(t *testing.T) {
	base := Map{0x88: {"YES", devices.ButtonAnswer}, 0x28: {"UP", devices.ButtonOther}, 0x12: {"2", devices.ButtonKey}}
	orig := maps.Clone(base)
	got, err := base.With(map[string]string{"0x88": "SKYPE", "0x0f": "R", "0x30": "NO", "0x31": "7"})
	if err != nil {
		t.Fatal(err)
	}
	want := Map{
		0x88: {"SKYPE", devices.ButtonAnswer}, // the kernel's class stays
		0x28: {"UP", devices.ButtonOther},
		0x12: {"2", devices.ButtonKey},
		0x0f: {"R", devices.ButtonFlash},
		0x30: {"NO", devices.ButtonDrop},
		0x31: {"7", devices.ButtonKey},
	}
	if !maps.Equal(got, want) {
		t.Errorf("With = %v, want %v", got, want)
	}
	if !maps.Equal(base, orig) {
		t.Errorf("With changed its receiver: %v", base)
	}
	if _, err := base.With(map[string]string{"0x88": "ANSWER"}); !errors.Is(err, ErrEntry) ||
		err.Error() != `keymap: invalid entry: 0x88: "ANSWER" is not a phone-API key name` {
		t.Errorf("bad name: %v", err)
	}
	if _, err := base.With(map[string]string{"flash": "R"}); !errors.Is(err, ErrEntry) {
		t.Errorf("control name instead of a scancode: %v, want ErrEntry", err)
	}
	if got, err := Map(nil).With(nil); err != nil || len(got) != 0 || got == nil {
		t.Errorf("nil.With(nil) = %v, %v; want an empty map", got, err)
	}
}

func record(got *[]string) func(devices.Event) {
	return func(e devices.Event) { *got = append(*got, e.String()) }
}

func TestHeldKeys(t *testing.T) {
	yes, two := Key{"YES", devices.ButtonAnswer}, Key{"2", devices.ButtonKey}
	var got []string
	var h Held
	emit := record(&got)
	h.Release(emit) // nothing held
	h.Press(two, emit)
	h.Press(two, emit) // still held: no second KeyDown
	if k, ok := h.Down(); !ok || k != two {
		t.Fatalf("Down = %v, %v; want %v", k, ok, two)
	}
	h.Press(yes, emit) // takes over
	h.Release(emit)
	h.Release(emit)
	if _, ok := h.Down(); ok {
		t.Fatal("a key is down after Release")
	}
	want := []string{"key-down 2 (key)", "key-up 2 (key)", "key-down YES (answer)", "key-up YES (answer)"}
	if !slices.Equal(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
}

func TestHeldHookKeys(t *testing.T) {
	var got []string
	h := Held{HookKeys: true}
	emit := record(&got)
	h.Press(Key{"YES", devices.ButtonAnswer}, emit)
	h.Press(Key{"5", devices.ButtonKey}, emit) // the hook key's release says nothing
	h.Release(emit)
	h.Press(Key{"SKYPE", devices.ButtonDrop}, emit) // a renamed hangup key is still the hook
	h.Release(emit)
	want := []string{"hook-off", "key-down 5 (key)", "key-up 5 (key)", "hook-on"}
	if !slices.Equal(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
}

func FuzzParseScancode(f *testing.F) {
	for _, s := range []string{"0x88", "0X0f", "88", "0x", "0x100", "0x+1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		sc, err := ParseScancode(code)
		if err != nil {
			if !errors.Is(err, ErrEntry) {
				t.Fatalf("ParseScancode(%q) error %v does not wrap ErrEntry", code, err)
			}
			return
		}
		// What was accepted reads back as the same number.
		var back uint64
		if _, err := fmt.Sscanf(strings.ToLower(code), "0x%x", &back); err != nil || back != uint64(sc) {
			t.Fatalf("ParseScancode(%q) = %#02x, Sscanf says %#x (%v)", code, sc, back, err)
		}
	})
}

func TestOverlay(t *testing.T) {
	model := map[string]string{"0x88": "YES", "0x48": "NO"}
	got := Overlay(model, map[string]string{"0x88": "SKYPE", "0x0f": "R"})
	if want := map[string]string{"0x88": "SKYPE", "0x48": "NO", "0x0f": "R"}; !maps.Equal(got, want) {
		t.Fatalf("Overlay = %v, want %v", got, want)
	}
	if model["0x88"] != "YES" || len(model) != 2 {
		t.Fatalf("Overlay changed the model's map: %v", model)
	}
	if got := Overlay(nil, map[string]string{"0x01": "1"}); !maps.Equal(got, map[string]string{"0x01": "1"}) {
		t.Fatalf("Overlay(nil, user) = %v", got)
	}
	if got := Overlay(model, nil); !maps.Equal(got, model) {
		t.Fatalf("Overlay(model, nil) = %v", got)
	}
}

func TestScancodesDropsControlNames(t *testing.T) {
	got := Scancodes(map[string]string{"flash": "R", "0x88": "SKYPE", "redial": "+", "0X14": "1"})
	want := map[string]string{"0x88": "SKYPE", "0X14": "1"}
	if !maps.Equal(got, want) {
		t.Fatalf("Scancodes = %v, want %v", got, want)
	}
	if Scancodes(map[string]string{"flash": "R"}) != nil {
		t.Fatal("a map without scancodes did not give nil")
	}
}

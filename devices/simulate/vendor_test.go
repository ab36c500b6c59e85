package simulate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"handsetd/devices"
	"handsetd/devices/handsettest"
	"handsetd/devices/models"
)

func builtin(t *testing.T, id string) *models.Model {
	t.Helper()
	db, err := models.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	m, ok := db.ByID(id)
	if !ok {
		t.Fatalf("no builtin model %s", id)
	}
	return m
}

// device is the simulated device of a builtin model.
func device(t *testing.T, id string) Device {
	t.Helper()
	d, err := ForModel(builtin(t, id))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// start opens the real driver on d and runs it until the end of the test.
func start(t *testing.T, d Device, opts Options) *handsettest.Runner {
	t.Helper()
	h, err := d.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := h.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return handsettest.Start(t, h)
}

// script performs line and checks what Do said and the events the driver
// emitted, exactly and nothing more.
func script(t *testing.T, d Device, r *handsettest.Runner, line string, said []string, events ...string) {
	t.Helper()
	did, err := d.Do(context.Background(), line)
	if err != nil {
		t.Fatalf("Do(%q): %v", line, err)
	}
	if !slices.Equal(did, said) {
		t.Fatalf("Do(%q) said %q, want %q", line, did, said)
	}
	var got []string
	for range events {
		got = append(got, r.Next().String())
	}
	if e, ok := r.TryNext(); ok {
		got = append(got, e.String())
	}
	if !slices.Equal(got, events) {
		t.Fatalf("Do(%q): events %q, want %q", line, got, events)
	}
}

var liftKeysReplace = []string{"handset lifted (off hook)", "keys 5# pressed", "handset replaced (on hook)"}

func TestCM109Script(t *testing.T) {
	d := device(t, "cm109")
	if got, want := d.Info(), (devices.Info{Name: "C-Media CM109 USB phone", Model: "cm109", Driver: "cm109",
		VendorID: 0x0d8c, ProductID: 0x0008, Path: "simulated", SysfsPath: "simulated:cm109"}); got != want {
		t.Fatalf("Info = %+v, want %+v", got, want)
	}
	r := start(t, d, Options{})
	script(t, d, r, "lift 5# m replace", []string{"handset lifted (off hook)", "keys 5# pressed", "mute pressed", "handset replaced (on hook)"},
		"key-down YES (answer)", "key-up YES (answer)",
		"key-down 5 (key)", "key-up 5 (key)", "key-down # (key)", "key-up # (key)",
		"mute-toggle",
		"key-down NO (drop)", "key-up NO (drop)")
	// h toggles; x is the hangup key too.
	script(t, d, r, "h x", []string{"handset lifted (off hook)", "drop pressed"},
		"key-down YES (answer)", "key-up YES (answer)", "key-down NO (drop)", "key-up NO (drop)")
	if _, err := d.Do(context.Background(), "f"); !errors.Is(err, ErrNoControl) {
		t.Fatalf("flash on a KIP1000: %v, want ErrNoControl", err)
	}
}

func TestYealinkScript(t *testing.T) {
	d := device(t, "yealink-usb-p1k")
	r := start(t, d, Options{})
	script(t, d, r, "lift 5# replace", liftKeysReplace,
		"key-down YES (answer)", "key-up YES (answer)",
		"key-down 5 (key)", "key-up 5 (key)", "key-down # (key)", "key-up # (key)",
		"key-down NO (drop)", "key-up NO (drop)")
	did, err := d.Do(context.Background(), "1 m 2")
	if !errors.Is(err, ErrNoControl) || err.Error() != "simulate: the device has no such control: mute" {
		t.Fatalf("mute on a P1K: %v, want ErrNoControl", err)
	}
	if !slices.Equal(did, []string{"keys 1 pressed"}) {
		t.Fatalf("Do said %q before the error", did)
	}
	r.Expect(handsettest.Down("1", devices.ButtonKey), handsettest.Up("1", devices.ButtonKey))
	if e, ok := r.TryNext(); ok {
		t.Fatalf("event %v after the failed word", e)
	}
}

// Every CM109 layout of the kernel, from the model files that select it:
// the same words press the keys printed on each phone.
func TestCM109Layouts(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "cm109", "models", "*.json"))
	if len(files) != 4 {
		t.Fatalf("found %d CM109 model files, want 4", len(files))
	}
	var events []string
	for _, k := range "0123456789*#" {
		events = append(events, "key-down "+string(k)+" (key)", "key-up "+string(k)+" (key)")
	}
	events = append([]string{"key-down YES (answer)", "key-up YES (answer)"}, events...)
	events = append(events, "key-down NO (drop)", "key-up NO (drop)")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			m, err := models.Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			d, err := ForModel(m)
			if err != nil {
				t.Fatal(err)
			}
			r := start(t, d, Options{})
			script(t, d, r, "h 0123456789*# h", []string{"handset lifted (off hook)", "keys 0123456789*# pressed", "handset replaced (on hook)"}, events...)
		})
	}
}

func TestCM109HookKeys(t *testing.T) {
	m, err := models.Parse([]byte(`{"id": "test-cm109-hook", "name": "Test CM109", "vendor_id": "0d8c",
		"product_id": "000e", "driver": "cm109", "quirks": {"cm109_keymap": "gtalk", "cm109_hook_keys": true},
		"source": "test"}`))
	if err != nil {
		t.Fatal(err)
	}
	d, err := ForModel(m)
	if err != nil {
		t.Fatal(err)
	}
	r := start(t, d, Options{})
	script(t, d, r, "h 1 h", []string{"handset lifted (off hook)", "keys 1 pressed", "handset replaced (on hook)"},
		"hook-off", "key-down 1 (key)", "key-up 1 (key)", "hook-on")
}

// The user's key map reaches the driver, and the words follow it: a
// renamed pickup key is still lifted, and a key named R is flash.
func TestVendorUserKeyMap(t *testing.T) {
	d := device(t, "cm109")
	r := start(t, d, Options{KeyMap: map[string]string{"0x88": "SKYPE", "0x28": "R"}})
	script(t, d, r, "lift f", []string{"handset lifted (off hook)", "flash pressed"},
		"key-down SKYPE (answer)", "key-up SKYPE (answer)", "key-down R (other)", "key-up R (other)")
}

// The [keys] section names the generic driver's controls for every
// handset; a CM109 knows scancodes only and ignores those names rather
// than refusing to open.
func TestVendorIgnoresControlNames(t *testing.T) {
	d := device(t, "cm109")
	r := start(t, d, Options{KeyMap: map[string]string{"flash": "+", "0x88": "SKYPE"}})
	script(t, d, r, "lift", []string{"handset lifted (off hook)"},
		"key-down SKYPE (answer)", "key-up SKYPE (answer)")
}

// Do waits for the driver; with none running it fails when ctx ends and
// leaves no key held down.
func TestVendorDoWithoutDriver(t *testing.T) {
	for _, id := range []string{"cm109", "yealink-usb-p1k"} {
		t.Run(id, func(t *testing.T) {
			d := device(t, id)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if _, err := d.Do(ctx, "1"); !errors.Is(err, context.Canceled) {
				t.Fatalf("Do without a driver: %v, want context.Canceled", err)
			}
			r := start(t, d, Options{})
			script(t, d, r, "2", []string{"keys 2 pressed"}, "key-down 2 (key)", "key-up 2 (key)")
		})
	}
}

// Closing the driver closes its link, not the phone: it opens again, as
// after a reload of the daemon.
func TestVendorReopen(t *testing.T) {
	d := device(t, "cm109")
	h, err := d.Open(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	r := start(t, d, Options{})
	script(t, d, r, "7", []string{"keys 7 pressed"}, "key-down 7 (key)", "key-up 7 (key)")
}

func TestForModelAndSupported(t *testing.T) {
	db, err := models.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var supported []string
	for _, m := range db.All() {
		if Supported(m) {
			supported = append(supported, m.ID)
			if _, err := ForModel(m); err != nil {
				t.Errorf("%s: supported, but ForModel: %v", m.ID, err)
			}
		} else if _, err := ForModel(m); err == nil {
			t.Errorf("%s: not supported, but ForModel made a device", m.ID)
		}
	}
	want := []string{"cm109", "epos-impact-d", "epos-impact-dw", "jabra-biz-2400-ii", "jabra-evolve-link-ms",
		"poly-blackwire-c5220", "poly-voyager-base-cd", "sennheiser-sc-660-anc", "yealink-usb-p1k", "yealink-wh66"}
	slices.Sort(supported)
	if !slices.Equal(supported, want) {
		t.Fatalf("supported %q, want %q", supported, want)
	}
	m := *builtin(t, "cm109")
	m.Driver = "snom-usb"
	if _, err := ForModel(&m); err == nil || err.Error() != "simulate: model cm109 uses the snom-usb driver, which has no simulated device" {
		t.Fatalf("ForModel(unknown driver) = %v", err)
	}
}

// The same words on the three kinds of simulated device, through each
// one's real driver.
func TestSameScriptEveryKind(t *testing.T) {
	for _, tc := range []struct {
		id   string
		lift []string
		drop []string
	}{
		{"jabra-evolve-link-ms", []string{"hook-off"}, []string{"hook-on"}},
		{"cm109", []string{"key-down YES (answer)", "key-up YES (answer)"}, []string{"key-down NO (drop)", "key-up NO (drop)"}},
		{"yealink-usb-p1k", []string{"key-down YES (answer)", "key-up YES (answer)"}, []string{"key-down NO (drop)", "key-up NO (drop)"}},
	} {
		t.Run(tc.id, func(t *testing.T) {
			d := device(t, tc.id)
			if d.Model().ID != tc.id || d.Info().Driver != d.Model().Driver {
				t.Fatalf("Model %s, Info %+v", d.Model().ID, d.Info())
			}
			r := start(t, d, Options{})
			want := slices.Concat(tc.lift, []string{"key-down 5 (key)", "key-up 5 (key)", "key-down # (key)", "key-up # (key)"}, tc.drop)
			script(t, d, r, "lift 5# replace", liftKeysReplace, want...)
		})
	}
}

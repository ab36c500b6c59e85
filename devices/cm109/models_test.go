package cm109_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"handsetd/devices/cm109"
	"handsetd/devices/cm109/cm109sim"
	"handsetd/devices/models"
	"handsetd/internal/clock"
)

func TestBuiltinModelCoversTheCM109Range(t *testing.T) {
	db, err := models.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for pid := uint16(0x0008); pid <= 0x000f; pid++ {
		m, ok := db.Lookup(0x0d8c, pid)
		if !ok || m.ID != "cm109" {
			t.Fatalf("0d8c:%04x -> %v, %v; want the cm109 entry", pid, m, ok)
		}
	}
	m, _ := db.Lookup(0x0d8c, 0x000e)
	cfg, err := cm109.ModelConfig(m)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Keymap != "kip1000" {
		t.Fatalf("generic CM109 keymap %q, want the kernel default kip1000", cfg.Keymap)
	}
	if _, err := cm109.New(context.Background(), cm109sim.New(clock.NewFake()), cfg); err != nil {
		t.Fatalf("New from the builtin model: %v", err)
	}
}

// The per-product files share 0d8c:000e, so they cannot all be builtin;
// each one, dropped into the user directory, selects its product's keymap.
func TestProductModelsAsUserEntries(t *testing.T) {
	want := map[string]string{
		"komunikate-kip1000.json": "kip1000",
		"genius-gtalk.json":       "gtalk",
		"corega-usbph01.json":     "usbph01",
		"atcom-au100.json":        "atcom",
	}
	files, err := filepath.Glob("models/*.json")
	if err != nil || len(files) != len(want) {
		t.Fatalf("model files %v (%v), want %d", files, err, len(want))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o644); err != nil {
			t.Fatal(err)
		}
		db, err := models.Load(dir)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		m, ok := db.Lookup(0x0d8c, 0x000e)
		if !ok || m.Quirks.CM109Keymap != want[filepath.Base(f)] {
			t.Fatalf("%s: 0d8c:000e -> %+v; want keymap %s", f, m, want[filepath.Base(f)])
		}
		if _, err := cm109.BuildKeymap(m.Quirks.CM109Keymap, m.KeyMap); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if m, _ := db.Lookup(0x0d8c, 0x0008); m.ID != "cm109" {
			t.Fatalf("%s: 0d8c:0008 -> %s, want the builtin cm109 entry", f, m.ID)
		}
	}
}

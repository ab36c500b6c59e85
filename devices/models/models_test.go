package models

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func builtin(t *testing.T) *DB {
	t.Helper()
	db, err := Builtin()
	if err != nil {
		t.Fatalf("Builtin: %v", err)
	}
	return db
}

// TestBuiltinInvariants checks the rules of the database on every file in
// db/, including the ones the vendor drivers add.
func TestBuiltinInvariants(t *testing.T) {
	db := builtin(t)
	all := db.All()
	files, err := builtinFS.ReadDir("db")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(files) {
		t.Fatalf("loaded %d models from %d files", len(all), len(files))
	}
	ids := map[string]bool{}
	for i, m := range all {
		if err := m.Validate(); err != nil {
			t.Errorf("%s: %v", m.ID, err)
		}
		if ids[m.ID] {
			t.Errorf("duplicate id %s", m.ID)
		}
		ids[m.ID] = true
		if want := m.ID + ".json"; !strings.HasSuffix(db.Origin(m.ID), " "+want) {
			t.Errorf("%s comes from %q, want the file %s", m.ID, db.Origin(m.ID), want)
		}
		for _, o := range all[i+1:] {
			if m.overlaps(o) {
				t.Errorf("%s (%s) overlaps %s (%s)", m.ID, idRange(m), o.ID, idRange(o))
			}
		}
	}
}

// TestRealDevicesPresent: every descriptor in testdata/hid has an entry.
func TestRealDevicesPresent(t *testing.T) {
	db := builtin(t)
	want := map[[2]uint16]string{
		{0x0b0e, 0x0307}: "jabra-evolve-link-ms",
		{0x0b0e, 0x2453}: "jabra-biz-2400-ii",
		{0x047f, 0xc053}: "poly-blackwire-c5220",
		{0x047f, 0x02ec}: "poly-voyager-base-cd",
		{0x1395, 0x0082}: "sennheiser-sc-660-anc",
		{0x1395, 0x00a2}: "epos-impact-dw",
		{0x1395, 0x00a9}: "epos-impact-d",
		{0x6993, 0xb02b}: "yealink-wh66",
	}
	for id, name := range want {
		m, ok := db.Lookup(id[0], id[1])
		if !ok {
			t.Errorf("%04x:%04x not found", id[0], id[1])
			continue
		}
		if m.ID != name || m.Driver != "hid-telephony" {
			t.Errorf("%04x:%04x = %s/%s, want %s/hid-telephony", id[0], id[1], m.ID, m.Driver, name)
		}
	}
	if m, ok := db.Lookup(0x0b0e, 0x0308); ok {
		t.Errorf("0b0e:0308 matched %s", m.ID)
	}
}

func TestParseFields(t *testing.T) {
	m, err := Parse([]byte(`{
		"id": "x-phone", "name": "X Phone", "vendor": "X",
		"vendor_id": "0D8C", "product_id": "0x0008", "product_id_max": "000f",
		"driver": "cm109",
		"quirks": {"debounce_ms": 0, "hook_on_ignore_after_answer_ms": 300,
		           "cm109_keymap": "kip1000", "ring_cadence_ms": [1000, 2000],
		           "buzzer_level": 3},
		"keymap": {"0x88": "YES", "0x48": "NO"},
		"audio": {"has_audio": true, "rates": [48000, 16000], "capture_channels": 1, "playback_channels": 2},
		"source": "cm109.c"}`))
	if err != nil {
		t.Fatal(err)
	}
	zero := time.Duration(0)
	want := &Model{
		ID: "x-phone", Name: "X Phone", Vendor: "X",
		VendorID: 0x0d8c, ProductID: 0x0008, ProductIDMax: 0x000f,
		Driver: "cm109",
		Quirks: Quirks{
			Debounce:                &zero,
			HookOnIgnoreAfterAnswer: 300 * time.Millisecond,
			CM109Keymap:             "kip1000",
			RingCadence:             []time.Duration{time.Second, 2 * time.Second},
			Extra:                   map[string]json.RawMessage{"buzzer_level": json.RawMessage("3")},
		},
		KeyMap: map[string]string{"0x88": "YES", "0x48": "NO"},
		Audio:  AudioHints{HasAudio: true, Rates: []int{48000, 16000}, CaptureChannels: 1, PlaybackChannels: 2},
		Source: "cm109.c",
	}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("Parse =\n%+v\nwant\n%+v", m, want)
	}
	var level int
	if ok, err := m.Quirks.Decode("buzzer_level", &level); !ok || err != nil || level != 3 {
		t.Fatalf("Decode(buzzer_level) = %v, %v, %d; want true, nil, 3", ok, err, level)
	}
	if ok, err := m.Quirks.Decode("missing", &level); ok || err != nil {
		t.Fatalf("Decode(missing) = %v, %v; want false, nil", ok, err)
	}
	for pid, match := range map[uint16]bool{0x0007: false, 0x0008: true, 0x000e: true, 0x000f: true, 0x0010: false} {
		if m.Matches(0x0d8c, pid) != match {
			t.Errorf("Matches(0d8c:%04x) = %v, want %v", pid, !match, match)
		}
	}

	// The file format survives a round trip.
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(b)
	if err != nil {
		t.Fatalf("reparse %s: %v", b, err)
	}
	if !reflect.DeepEqual(again, want) {
		t.Fatalf("round trip =\n%+v\nwant\n%+v\njson %s", again, want, b)
	}
}

func TestParseRejects(t *testing.T) {
	const ok = `"id": "a", "name": "A", "vendor_id": "0001", "product_id": "0002", "driver": "hid-telephony", "source": "s"`
	cases := map[string]string{
		"unknown field":   `{` + ok + `, "colour": "red"}`,
		"unknown driver":  `{"id": "a", "name": "A", "vendor_id": "0001", "product_id": "0002", "driver": "evdev", "source": "s"}`,
		"bad key name":    `{` + ok + `, "keymap": {"flash": "FLASH"}}`,
		"empty control":   `{` + ok + `, "keymap": {"": "R"}}`,
		"no source":       `{"id": "a", "name": "A", "vendor_id": "0001", "product_id": "0002", "driver": "cm109"}`,
		"short usb id":    `{"id": "a", "name": "A", "vendor_id": "1", "product_id": "0002", "driver": "cm109", "source": "s"}`,
		"numeric usb id":  `{"id": "a", "name": "A", "vendor_id": 1, "product_id": "0002", "driver": "cm109", "source": "s"}`,
		"reversed range":  `{` + ok + `, "product_id_max": "0001"}`,
		"bad id":          `{"id": "A B", "name": "A", "vendor_id": "0001", "product_id": "0002", "driver": "cm109", "source": "s"}`,
		"negative window": `{` + ok + `, "quirks": {"debounce_ms": -1}}`,
		"bad quirk type":  `{` + ok + `, "quirks": {"mute_needs_off_hook": "yes"}}`,
		"trailing data":   `{` + ok + `} {}`,
		"not json":        `id: a`,
	}
	for name, in := range cases {
		if _, err := Parse([]byte(in)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	if _, err := Parse([]byte(`{` + ok + `}`)); err != nil {
		t.Fatalf("minimal model: %v", err)
	}
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadUserDir(t *testing.T) {
	dir := t.TempDir()
	// Overrides a builtin entry by id.
	writeFile(t, dir, "a.json", `{"id": "jabra-evolve-link-ms", "name": "My Jabra", "vendor_id": "0b0e",
		"product_id": "0307", "driver": "hid-telephony", "keymap": {"flash": "NO"}, "source": "me"}`)
	// A new device.
	writeFile(t, dir, "b.json", `{"id": "new-phone", "name": "New", "vendor_id": "1234",
		"product_id": "5678", "driver": "hid-telephony", "source": "me"}`)
	// Broken: must be reported, must not stop the rest.
	writeFile(t, dir, "c.json", `{"id": "broken", `)
	// Overlaps b.json: rejected, b.json wins by name order.
	writeFile(t, dir, "d.json", `{"id": "other", "name": "O", "vendor_id": "1234",
		"product_id": "5600", "product_id_max": "5700", "driver": "hid-telephony", "source": "me"}`)
	// Shadows a builtin entry's USB id under another id.
	writeFile(t, dir, "e.json", `{"id": "poly-private", "name": "P", "vendor_id": "047f",
		"product_id": "c053", "driver": "hid-telephony", "source": "me"}`)
	writeFile(t, dir, "README.txt", `not a model`)

	db, err := Load(dir)
	if err == nil {
		t.Fatal("Load returned no error for broken files")
	}
	for _, name := range []string{"c.json", "d.json"} {
		if !strings.Contains(err.Error(), filepath.Join(dir, name)) {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
	for _, name := range []string{"a.json", "b.json", "e.json"} {
		if strings.Contains(err.Error(), name) {
			t.Errorf("error names good file %s: %v", name, err)
		}
	}
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("err %v does not wrap ErrInvalid", err)
	}

	m, ok := db.Lookup(0x0b0e, 0x0307)
	if !ok || m.Name != "My Jabra" || m.KeyMap["flash"] != "NO" {
		t.Errorf("override: got %+v", m)
	}
	if got := db.Origin("jabra-evolve-link-ms"); got != filepath.Join(dir, "a.json") {
		t.Errorf("Origin = %q", got)
	}
	if m, ok := db.Lookup(0x1234, 0x5678); !ok || m.ID != "new-phone" {
		t.Errorf("new entry: %v %v", m, ok)
	}
	if m, ok := db.Lookup(0x1234, 0x5600); ok {
		t.Errorf("rejected entry found: %v", m.ID)
	}
	if m, ok := db.Lookup(0x047f, 0xc053); !ok || m.ID != "poly-private" {
		t.Errorf("shadowing entry: %v %v", m, ok)
	}
	if _, ok := db.ByID("jabra-biz-2400-ii"); !ok {
		t.Error("builtin entries lost")
	}
	nBuiltin := len(builtin(t).All())
	if got := len(db.All()); got != nBuiltin+2 {
		t.Errorf("All has %d models, want %d", got, nBuiltin+2)
	}
}

func TestLoadMissingUserDir(t *testing.T) {
	db, err := Load(filepath.Join(t.TempDir(), "nope"))
	if err != nil {
		t.Fatalf("missing user dir: %v", err)
	}
	if len(db.All()) != len(builtin(t).All()) {
		t.Fatal("missing user dir changed the database")
	}
}

func TestUserDir(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"XDG_CONFIG_HOME": "/x", "HOME": "/h"}, "/x/handsetd/models"},
		{map[string]string{"HOME": "/h"}, "/h/.config/handsetd/models"},
		{map[string]string{}, ""},
	}
	for _, c := range cases {
		if got := UserDir(env(c.env)); got != c.want {
			t.Errorf("UserDir(%v) = %q, want %q", c.env, got, c.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	files, _ := builtinFS.ReadDir("db")
	for _, e := range files {
		b, _ := builtinFS.ReadFile("db/" + e.Name())
		f.Add(b)
	}
	f.Add([]byte(`{"quirks": {"x": 1, "debounce_ms": 5}, "vendor_id": "zzzz"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		// A valid model survives a round trip.
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(out); err != nil {
			t.Fatalf("round trip of %s: %v", out, err)
		}
	})
}

package config

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"testing"
	"time"
)

const sample = `
# a comment
mode = access
bus = unix:path=/run/user/1000/bus   # trailing comment

[hid]
debounce = 8ms
hook-on-ignore = 300ms

[keys]
flash = R
redial = #

[keys.jabra-evolve-link-ms]
flash = +

[audio]
route = bridge
tone-plan = united-kingdom
latency = 40ms
host-input = jack:system
progress-tones = on
`

func TestParseSample(t *testing.T) {
	c, err := Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if c.Mode != "access" || c.Bus != "unix:path=/run/user/1000/bus" || c.Host != "phoneapi" {
		t.Fatalf("mode %q bus %q", c.Mode, c.Bus)
	}
	if c.Debounce != 8*time.Millisecond || c.HookOnIgnore != 300*time.Millisecond {
		t.Fatalf("debounce %v hook-on-ignore %v", c.Debounce, c.HookOnIgnore)
	}
	if want := map[string]string{"flash": "+", "redial": "#"}; !maps.Equal(c.KeyMap("jabra-evolve-link-ms"), want) {
		t.Fatalf("KeyMap(jabra) = %v, want %v", c.KeyMap("jabra-evolve-link-ms"), want)
	}
	if want := map[string]string{"flash": "R", "redial": "#"}; !maps.Equal(c.KeyMap("other"), want) {
		t.Fatalf("KeyMap(other) = %v, want %v", c.KeyMap("other"), want)
	}
	want := Audio{Route: "bridge", TonePlan: "united-kingdom", DialTone: "access", HostInput: "jack:system", Latency: 40 * time.Millisecond, ProgressTones: true}
	if c.Audio != want {
		t.Fatalf("audio %+v, want %+v", c.Audio, want)
	}
	if c.LogLevel != "info" || c.LogFormat != "text" {
		t.Fatalf("defaults lost: %q %q", c.LogLevel, c.LogFormat)
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"host = skype", "config: syntax error: line 1: host = \"skype\": want phoneapi or baresip[:ADDRESS]"},
		{"mode = fax", "config: syntax error: line 1: mode = \"fax\": want one of phone, access"},
		{"\n[nope]", "config: syntax error: line 2: unknown section [nope]"},
		{"[hid\n", "config: syntax error: line 1: unterminated section header"},
		{"volume", "config: syntax error: line 1: want key = value"},
		{"[hid]\ndebounce = -1s", "config: syntax error: line 2: debounce = \"-1s\": want a duration between 0 and 10s"},
		{"[keys]\nflash = HANG UP", "config: syntax error: line 2: flash = \"HANG UP\": not a phone-API key name (0-9, A-Z, #, *, +, UP, DOWN, YES, NO, SKYPE)"},
		{"[keys]\nFlash! = R", "config: syntax error: line 2: \"Flash!\": not a control name (flash, redial, ...) or a scancode (0x88)"},
		{"[keys.cm109]\n0x100 = YES", "config: syntax error: line 2: \"0x100\": not a control name (flash, redial, ...) or a scancode (0x88)"},
		{"[audio]\ncolour = red", "config: syntax error: line 2: unknown key \"colour\" in [audio]"},
	} {
		_, err := Parse([]byte(tc.in))
		if err == nil || err.Error() != tc.want || !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) error %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "handsetd.conf")
	c, err := Load(path, false)
	if err != nil || c.Mode != "phone" {
		t.Fatalf("Load(missing, optional) = %+v, %v", c, err)
	}
	if _, err := Load(path, true); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load(missing, required) error %v, want not-exist", err)
	}
}

func TestDefaultPath(t *testing.T) {
	env := map[string]string{"HOME": "/home/u"}
	if got := DefaultPath(func(k string) string { return env[k] }); got != "/home/u/.config/handsetd/handsetd.conf" {
		t.Fatalf("DefaultPath = %q", got)
	}
	env["XDG_CONFIG_HOME"] = "/x"
	if got := DefaultPath(func(k string) string { return env[k] }); got != "/x/handsetd/handsetd.conf" {
		t.Fatalf("DefaultPath = %q", got)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte("[keys.x]\n# = #\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err == nil && c == nil {
			t.Fatal("nil config without error")
		}
	})
}

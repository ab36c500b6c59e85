// Package config reads handsetd's configuration file: a small INI dialect
// (key = value lines, [section] headers, # comments) chosen so that a user
// can edit it by hand without learning a format.
//
//	# ~/.config/handsetd/handsetd.conf
//	mode = phone              # phone | access
//	host = phoneapi           # phoneapi (D-Bus) | baresip[:ADDRESS] (its ctrl_tcp)
//	bus = session             # session | system | a D-Bus address
//	log-level = info          # debug | info | warn | error
//	log-format = text         # text | json
//
//	[hid]
//	debounce = 5ms            # drop a repeated report within this window
//	hook-on-ignore = 0s       # ignore hook-on this soon after an answer
//
//	[keys]                    # every handset: control = phone-API key
//	flash = R
//	redial = +
//
//	[keys.jabra-evolve-link-ms]   # one model (its id in the model database)
//	programmable = SKYPE
//
//	[audio]
//	route = direct            # direct | bridge | off
//	tone-plan = europe        # north-america | europe | united-kingdom
//	dial-tone = access        # access | always | never
//	progress-tones = off      # on: play ringback, busy, congestion locally
//	handset-input =           # PortAudio device names; empty: found from the handset
//	handset-output =
//	host-input =              # bridge mode: the host-facing pair
//	host-output =
//	latency = 20ms            # bridge mode: target latency
//
// Flags given on the command line win over the file.
package config

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"handsetd/devices"
)

// Config is the parsed configuration, with defaults filled in.
type Config struct {
	Mode      string
	Host      string
	Bus       string
	LogLevel  string
	LogFormat string

	Debounce     time.Duration
	HookOnIgnore time.Duration
	// Keys holds key map overrides: "" for every handset, else a model id.
	Keys map[string]map[string]string

	Audio Audio
}

// Audio configures the audio path.
type Audio struct {
	Route    string
	TonePlan string
	DialTone string
	// ProgressTones plays ringback, busy and congestion locally, for
	// hosts that report call progress but play no tones.
	ProgressTones bool
	HandsetInput  string
	HandsetOutput string
	HostInput     string
	HostOutput    string
	Latency       time.Duration
}

// Default returns the configuration used when there is no file.
func Default() *Config {
	return &Config{
		Mode:      "phone",
		Host:      "phoneapi",
		Bus:       "session",
		LogLevel:  "info",
		LogFormat: "text",
		Debounce:  -1, // the model's own
		// HookOnIgnore likewise: -1 is the model's window, 0 turns it off.
		HookOnIgnore: -1,
		Keys:         map[string]map[string]string{},
		Audio: Audio{
			Route:    "direct",
			TonePlan: "europe",
			DialTone: "access",
			Latency:  20 * time.Millisecond,
		},
	}
}

// DefaultPath is $XDG_CONFIG_HOME/handsetd/handsetd.conf (or
// ~/.config/...); "" when neither is known.
func DefaultPath(getenv func(string) string) string {
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home := getenv("HOME")
		if home == "" {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "handsetd", "handsetd.conf")
}

// ErrSyntax is wrapped by every parse error.
var ErrSyntax = errors.New("config: syntax error")

// maxFileSize bounds what Load reads: a configuration is a few lines.
const maxFileSize = 1 << 20

// Load reads a file. A missing file at the default path is not an error
// (the defaults apply); mustExist makes it one, for an explicit --config.
func Load(path string, mustExist bool) (*Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && !mustExist {
		return Default(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("config: %s: larger than %d bytes", path, maxFileSize)
	}
	c, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Parse reads configuration text over the defaults.
func Parse(data []byte) (*Config, error) {
	c := Default()
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxFileSize)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(stripComment(sc.Text()))
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "[") {
			if !strings.HasSuffix(line, "]") {
				return nil, fmt.Errorf("%w: line %d: unterminated section header", ErrSyntax, n)
			}
			section = strings.TrimSpace(line[1 : len(line)-1])
			if !knownSection(section) {
				return nil, fmt.Errorf("%w: line %d: unknown section [%s]", ErrSyntax, n, section)
			}
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%w: line %d: want key = value", ErrSyntax, n)
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if err := c.set(section, key, value); err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrSyntax, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return c, nil
}

// stripComment removes a '#' comment. A '#' right after '=' (a key mapped
// to the '#' key) is a value, not a comment.
func stripComment(line string) string {
	for i := 0; i < len(line); i++ {
		if line[i] != '#' {
			continue
		}
		before := strings.TrimRight(line[:i], " \t")
		if strings.HasSuffix(before, "=") {
			continue
		}
		return line[:i]
	}
	return line
}

func knownSection(s string) bool {
	switch s {
	case "", "hid", "keys", "audio":
		return true
	}
	return strings.HasPrefix(s, "keys.") && len(s) > len("keys.")
}

func oneOf(key, v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return fmt.Errorf("%s = %q: want one of %s", key, v, strings.Join(allowed, ", "))
}

func (c *Config) set(section, key, v string) error {
	switch {
	case section == "":
		switch key {
		case "mode":
			c.Mode = v
			return oneOf(key, v, "phone", "access")
		case "host":
			if v != "phoneapi" && v != "baresip" && !strings.HasPrefix(v, "baresip:") {
				return fmt.Errorf("host = %q: want phoneapi or baresip[:ADDRESS]", v)
			}
			c.Host = v
			return nil
		case "bus":
			if v == "" {
				return errors.New("bus is empty")
			}
			c.Bus = v
			return nil
		case "log-level":
			c.LogLevel = v
			return oneOf(key, v, "debug", "info", "warn", "error")
		case "log-format":
			c.LogFormat = v
			return oneOf(key, v, "text", "json")
		}
	case section == "hid":
		var dst *time.Duration
		switch key {
		case "debounce":
			dst = &c.Debounce
		case "hook-on-ignore":
			dst = &c.HookOnIgnore
		}
		if dst != nil {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 || d > 10*time.Second {
				return fmt.Errorf("%s = %q: want a duration between 0 and 10s", key, v)
			}
			*dst = d
			return nil
		}
	case section == "keys" || strings.HasPrefix(section, "keys."):
		model := strings.TrimPrefix(strings.TrimPrefix(section, "keys"), ".")
		if c.Keys[model] == nil {
			c.Keys[model] = map[string]string{}
		}
		if !devices.ValidKeyName(v) {
			return fmt.Errorf("%s = %q: not a phone-API key name (0-9, A-Z, #, *, +, UP, DOWN, YES, NO, SKYPE)", key, v)
		}
		if !validControl(key) {
			return fmt.Errorf("%q: not a control name (flash, redial, ...) or a scancode (0x88)", key)
		}
		c.Keys[model][key] = v
		return nil
	case section == "audio":
		a := &c.Audio
		switch key {
		case "route":
			a.Route = v
			return oneOf(key, v, "direct", "bridge", "off")
		case "tone-plan":
			a.TonePlan = v
			return oneOf(key, v, "north-america", "europe", "united-kingdom")
		case "dial-tone":
			a.DialTone = v
			return oneOf(key, v, "access", "always", "never")
		case "progress-tones":
			if err := oneOf(key, v, "on", "off"); err != nil {
				return err
			}
			a.ProgressTones = v == "on"
			return nil
		case "handset-input":
			a.HandsetInput = v
			return nil
		case "handset-output":
			a.HandsetOutput = v
			return nil
		case "host-input":
			a.HostInput = v
			return nil
		case "host-output":
			a.HostOutput = v
			return nil
		case "latency":
			d, err := time.ParseDuration(v)
			if err != nil || d < 5*time.Millisecond || d > time.Second {
				return fmt.Errorf("latency = %q: want a duration between 5ms and 1s", v)
			}
			a.Latency = d
			return nil
		}
	}
	if section == "" {
		return fmt.Errorf("unknown key %q", key)
	}
	return fmt.Errorf("unknown key %q in [%s]", key, section)
}

// validControl accepts what a key map may name: a control of the generic
// driver (lower case and underscores: "flash", "volume_up") or a vendor
// scancode ("0x88"). Which controls a device has is the driver's business.
func validControl(k string) bool {
	if hex, ok := strings.CutPrefix(strings.ToLower(k), "0x"); ok {
		return len(hex) >= 1 && len(hex) <= 2 && strings.Trim(hex, "0123456789abcdef") == ""
	}
	return k != "" && strings.Trim(k, "abcdefghijklmnopqrstuvwxyz_") == ""
}

// KeyMap returns the key overrides for a model: the global ones, then the
// model's own over them.
func (c *Config) KeyMap(model string) map[string]string {
	out := map[string]string{}
	for k, v := range c.Keys[""] {
		out[k] = v
	}
	if model != "" {
		for k, v := range c.Keys[model] {
			out[k] = v
		}
	}
	return out
}

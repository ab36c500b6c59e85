package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"handsetd/devices"
	"handsetd/devices/telephony"
	"handsetd/hid/hidtest"
)

func jabraSim(t *testing.T) (*hidtest.Device, *telephony.Handset) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "hid", "0b0e-0307.rdesc"))
	if err != nil {
		t.Fatal(err)
	}
	sim := hidtest.New(raw)
	h, err := telephony.Open(sim, devices.Info{Name: "Jabra", VendorID: 0x0b0e, ProductID: 0x0307, Path: "sim"}, nil, telephony.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return sim, h
}

func fixedNow() time.Time { return time.Date(2020, 1, 2, 3, 4, 5, 6000, time.UTC) }

func runLoop(t *testing.T, m *monitor) string {
	t.Helper()
	var out bytes.Buffer
	m.out = &out
	m.now = fixedNow
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.run(ctx); err != nil {
		t.Fatalf("run: %v", err)
	}
	return out.String()
}

func TestMonitorText(t *testing.T) {
	sim, h := jabraSim(t)
	in := strings.Join([]string{
		"report 02 01 00", // hook off
		"report 02 80 02", // key 5 down (hook on again, LED cleared)
		"report 02 00 00",
		"ring on",
		"mute on",
		"online on",
		"display 12345",
		"bogus",
		"report zz",
		"",
		"indicators",
		"quit",
		"ring off", // never read
	}, "\n")
	got := runLoop(t, &monitor{h: h, in: strings.NewReader(in), sim: sim})
	want := `device: Jabra [0b0e:0307] sim
model: not in the model database, driver hid-telephony
indicators: ring ringer off-hook mute hold microphone
type "help" for commands
03:04:05.000006 hook-off
03:04:05.000006 output 02 01 00
03:04:05.000006 hook-on
03:04:05.000006 key-down 5 (key)
03:04:05.000006 output 02 00 00
03:04:05.000006 key-up 5 (key)
03:04:05.000006 ok: ring on
03:04:05.000006 output 02 04 00
03:04:05.000006 ok: mute on
03:04:05.000006 output 02 06 00
03:04:05.000006 error: telephony: indicator on-line: devices: not supported by this device
03:04:05.000006 error: telephony: display: devices: not supported by this device
03:04:05.000006 error: unknown command "bogus" (try help)
03:04:05.000006 error: report: want hex bytes: "zz"
03:04:05.000006 indicators: ring ringer off-hook mute hold microphone
`
	if got != want {
		t.Fatalf("output:\n%s\nwant:\n%s", got, want)
	}
}

func TestMonitorJSON(t *testing.T) {
	sim, h := jabraSim(t)
	in := "report 02 09 00\nhold on\nquit\n"
	got := runLoop(t, &monitor{h: h, in: strings.NewReader(in), sim: sim, json: true})
	want := `{"device":{"name":"Jabra","driver":"hid-telephony","vendor_id":2830,"product_id":775,"path":"sim"},"indicators":["ring","ringer","off-hook","mute","hold","microphone"],"time":"2020-01-02T03:04:05.000006Z"}
{"event":"hook-off","time":"2020-01-02T03:04:05.000006Z"}
{"button":"flash","event":"key-down","key":"R","time":"2020-01-02T03:04:05.000006Z"}
{"button":"flash","event":"key-up","key":"R","time":"2020-01-02T03:04:05.000006Z"}
{"kind":"output","output":"020100","time":"2020-01-02T03:04:05.000006Z"}
{"command":"hold on","ok":true,"time":"2020-01-02T03:04:05.000006Z"}
{"kind":"output","output":"020900","time":"2020-01-02T03:04:05.000006Z"}
`
	if got != want {
		t.Fatalf("output:\n%s\nwant:\n%s", got, want)
	}
}

// Unplugging mid-press ends monitoring after the release is printed; the
// end of input alone does not.
func TestMonitorUnplug(t *testing.T) {
	sim, h := jabraSim(t)
	sim.Push([]byte{2, 0x80, 0x03}) // key 7 down
	sim.Unplug()
	got := runLoop(t, &monitor{h: h, in: strings.NewReader("")})
	lines := strings.Split(strings.TrimSpace(got), "\n")
	want := []string{
		"03:04:05.000006 key-down 7 (key)",
		"03:04:05.000006 key-up 7 (key)",
		"03:04:05.000006 device gone: telephony: sim: devices: device gone: hidtest: read: hid: device disconnected",
	}
	if len(lines) < 3 || strings.Join(lines[len(lines)-3:], "\n") != strings.Join(want, "\n") {
		t.Fatalf("output:\n%s\nwant it to end with:\n%s", got, strings.Join(want, "\n"))
	}
}

// The command line: --simulate names the device after the file, finds it
// in the model database and prints the driver's output reports.
func TestMonitorCommandSimulate(t *testing.T) {
	var out, errOut bytes.Buffer
	env := &cmdEnv{
		stdin:  strings.NewReader("report 02 01 00\nmute on\nquit\n"),
		stdout: &out, stderr: &errOut,
		getenv: func(k string) string {
			if k == "XDG_CONFIG_HOME" {
				return t.TempDir()
			}
			return ""
		},
	}
	file := filepath.Join("..", "..", "testdata", "hid", "0b0e-0307.rdesc")
	if code := runMain(context.Background(), env, []string{"monitor", "--simulate=" + file}); code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut.String())
	}
	stamp := regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d\.\d{6} `)
	got := stamp.ReplaceAllString(out.String(), "")
	want := `device: Jabra EVOLVE LINK MS [0b0e:0307] simulate:` + file + `
model: jabra-evolve-link-ms, driver hid-telephony
indicators: ring ringer off-hook mute hold microphone
type "help" for commands
hook-off
output 02 01 00
ok: mute on
output 02 03 00
`
	if got != want {
		t.Fatalf("output:\n%s\nwant:\n%s", got, want)
	}
	if errOut.Len() != 0 {
		t.Fatalf("stderr: %s", errOut.String())
	}
}

func TestMonitorUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	env := &cmdEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, getenv: func(string) string { return "" }}
	if code := runMain(context.Background(), env, []string{"monitor", "/dev/hidraw0", "/dev/hidraw1"}); code != 2 {
		t.Fatalf("two devices: exit %d, want 2", code)
	}
	if code := runMain(context.Background(), env, []string{"monitor", "--simulate=x.rdesc", "/dev/hidraw0"}); code != 2 {
		t.Fatalf("--simulate with a device: exit %d, want 2", code)
	}
	if code := runMain(context.Background(), env, []string{"monitor", "--simulate=" + filepath.Join(t.TempDir(), "missing.rdesc")}); code != 1 {
		t.Fatalf("missing file: exit %d, want 1", code)
	}
}

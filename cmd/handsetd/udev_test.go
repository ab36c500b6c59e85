package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func udevCmd(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	env := &cmdEnv{stdin: bytes.NewReader(nil), stdout: &o, stderr: &e, getenv: func(string) string { return "" }}
	code = runMain(context.Background(), env, args)
	return o.String(), e.String(), code
}

// The committed rules are what the package installs; they must be what
// this binary prints with the defaults.
func TestUdevRulesCommittedFile(t *testing.T) {
	want, err := os.ReadFile("../../udev/70-handsetd.rules")
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := udevCmd(t, "udev-rules")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if out != string(want) {
		t.Errorf("handsetd udev-rules differs from udev/70-handsetd.rules; regenerate with: go test ./udev -run TestRulesFileMatchesDatabase -update")
	}
}

func TestUdevRulesBinDir(t *testing.T) {
	out, _, code := udevCmd(t, "udev-rules", "--bindir", "/usr/local/bin")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(out, "\nIMPORT{program}=\"/usr/local/bin/handsetd udev-probe %k\"\n") || strings.Contains(out, "/usr/bin/") {
		t.Errorf("probe path not rewritten:\n%s", out)
	}
	out, errOut, code := udevCmd(t, "udev-rules", "--bindir", "relative/bin")
	if code != 1 || out != "" || !strings.Contains(errOut, "udev: bad bin directory") {
		t.Errorf("relative bindir: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if _, _, code := udevCmd(t, "udev-rules", "extra"); code != 2 {
		t.Errorf("extra argument: exit %d, want 2", code)
	}
}

func TestUdevRulesUserModels(t *testing.T) {
	dir := t.TempDir()
	model := `{"id": "kip1000", "name": "KIP1000", "vendor_id": "0d8c", "product_id": "0008", "product_id_max": "000f",
		"driver": "cm109", "source": "Linux drivers/input/misc/cm109.c"}`
	if err := os.WriteFile(filepath.Join(dir, "kip1000.json"), []byte(model), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := udevCmd(t, "udev-rules", "--models", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"\n# KIP1000 (kip1000, driver cm109)\n" +
			`ATTRS{idVendor}=="0d8c", ATTRS{idProduct}=="000[89a-f]", ENV{HANDSETD_MODEL}="kip1000", GOTO="handsetd_grant"` + "\n",
		"\n" + `ATTR{idVendor}=="0d8c", ATTR{idProduct}=="000[89a-f]", ENV{HANDSETD_MODEL}="kip1000", GOTO="handsetd_grant"` + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q", want)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "broken.json"), []byte(`{"id": "x"`), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = udevCmd(t, "udev-rules", "--models", dir)
	if code != 1 || out != "" || !strings.Contains(errOut, "broken.json") {
		t.Errorf("broken user model: exit %d, stdout %d bytes, stderr %q", code, len(out), errOut)
	}
}

// fakeSyspath lays out what the probe reads of a hidraw device in sysfs.
func fakeSyspath(t *testing.T, desc []byte) string {
	t.Helper()
	sys := t.TempDir()
	if err := os.MkdirAll(filepath.Join(sys, "device"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sys, "device", "report_descriptor"), desc, 0o644); err != nil {
		t.Fatal(err)
	}
	return sys
}

func TestUdevProbeSysfs(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/hid/*.rdesc")
	if len(files) < 8 {
		t.Fatalf("found %d real descriptors", len(files))
	}
	cases := map[string]string{}
	for _, f := range files {
		cases[f] = "HANDSETD_TELEPHONY=1\n"
	}
	for _, f := range []string{"boot-keyboard", "boot-mouse", "telephony-keyboard", "consumer-volume", "truncated-0b0e-0307", "empty", "oversize", "text"} {
		cases["../../udev/testdata/"+f+".rdesc"] = ""
	}
	cases["../../udev/testdata/telephony-minimal.rdesc"] = "HANDSETD_TELEPHONY=1\n"
	for f, want := range cases {
		desc, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out, errOut, code := udevCmd(t, "udev-probe", "--sysfs", fakeSyspath(t, desc))
		if code != 0 || out != want {
			t.Errorf("%s: exit %d, stdout %q, want %q (stderr %q)", f, code, out, want, errOut)
		}
	}
}

func TestUdevProbeErrors(t *testing.T) {
	for _, c := range []struct {
		args       []string
		code       int
		stderrHas  string
		stdoutWant string
	}{
		{[]string{"sda"}, 0, "udev: not a hidraw device name", ""},
		{[]string{"hidraw1/../../../etc"}, 0, "udev: not a hidraw device name", ""},
		{[]string{"hidraw987654"}, 0, "/sys/class/hidraw/hidraw987654/device/report_descriptor", ""},
		{[]string{"--sysfs", "/nonexistent"}, 0, "no such file", ""},
		{[]string{}, 2, "usage: handsetd udev-probe hidrawN | --sysfs SYSPATH", ""},
		{[]string{"hidraw0", "hidraw1"}, 2, "usage:", ""},
		{[]string{"--sysfs", "/sys/x", "hidraw0"}, 2, "usage:", ""},
	} {
		out, errOut, code := udevCmd(t, append([]string{"udev-probe"}, c.args...)...)
		if code != c.code || out != c.stdoutWant || !strings.Contains(errOut, c.stderrHas) {
			t.Errorf("udev-probe %q: exit %d, stdout %q, stderr %q; want exit %d, stderr with %q", c.args, code, out, errOut, c.code, c.stderrHas)
		}
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite the describe golden files in testdata/hid")

func describeCmd(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	env := &cmdEnv{stdin: bytes.NewReader(nil), stdout: &o, stderr: &e, getenv: func(string) string { return "" }}
	code = runMain(context.Background(), env, append([]string{"describe"}, args...))
	return o.String(), e.String(), code
}

const hidTestdata = "../../testdata/hid"

// TestDescribeGolden decodes every real descriptor; the golden files were
// checked by hand against the descriptors (and against SOURCES.md). Run
// with -update after a deliberate change and read the diff.
func TestDescribeGolden(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(hidTestdata, "*.rdesc"))
	if len(files) < 8 {
		t.Fatalf("found %d descriptors, want 8", len(files))
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".rdesc")
		for _, form := range []struct {
			ext  string
			args []string
		}{{".describe.txt", nil}, {".describe.json", []string{"--json"}}} {
			t.Run(name+form.ext, func(t *testing.T) {
				out, errOut, code := describeCmd(t, append(form.args, file)...)
				if code != 0 {
					t.Fatalf("exit %d: %s", code, errOut)
				}
				golden := filepath.Join(hidTestdata, name+form.ext)
				if *updateGolden {
					if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if out != string(want) {
					t.Errorf("output differs from %s (go test -update rewrites it):\n%s", golden, firstDiff(out, string(want)))
				}
			})
		}
	}
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got  %q\n want %q", i+1, gl, wl)
		}
	}
	return "no difference"
}

func TestDescribeTextJabra(t *testing.T) {
	out, _, code := describeCmd(t, filepath.Join(hidTestdata, "0b0e-0307.rdesc"))
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{
		"report descriptor: 332 bytes, 163 items, report ids\n",
		"    0  05 0b           Usage Page (Telephony)\n",
		"    6  85 02             Report ID (2)\n",
		"   54  19 b0               Usage Minimum (Phone Key 0)\n",
		"  Input report 2: 16 bits, 3 bytes on the wire\n",
		"      usages: Telephony.Hook Switch, Telephony.Line Busy Tone\n",
		"      selects: Telephony.Phone Key 0 .. Phone Key Pound\n",
		"      usages: LED.Off-Hook, LED.Mute, LED.Ring, LED.Hold, LED.Microphone\n",
		"telephony: Telephony.Headset@4\n",
		"  hook_switch          Input  report 2   bit 0    size 1  absolute variable  Telephony.Hook Switch  app Telephony.Headset@4\n",
		"  phone_mute           Input  report 2   bit 2    size 1  relative variable  Telephony.Phone Mute  app Telephony.Headset@4\n",
		"  keypad               Input  report 2   bit 7    size 4  absolute array x1  Telephony.Phone Key 0  app Telephony.Headset@4\n",
		"  ringer               Output report 2   bit 5    size 1  absolute variable  Telephony.Ringer  app Telephony.Headset@4\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

func TestDescribeJSONJabra(t *testing.T) {
	out, _, code := describeCmd(t, "--json", filepath.Join(hidTestdata, "0b0e-0307.rdesc"))
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var doc struct {
		Length       int  `json:"length"`
		Numbered     bool `json:"numbered"`
		HasTelephony bool `json:"has_telephony"`
		Items        []struct {
			Offset int    `json:"offset"`
			Raw    string `json:"raw"`
			Text   string `json:"text"`
		} `json:"items"`
		Reports []struct {
			Type     string `json:"type"`
			ReportID int    `json:"report_id"`
			ByteLen  int    `json:"byte_len"`
			Fields   []struct {
				BitOffset  int  `json:"bit_offset"`
				BitSize    int  `json:"bit_size"`
				Count      int  `json:"count"`
				Flags      int  `json:"flags"`
				Relative   bool `json:"relative"`
				Array      bool `json:"array"`
				LogicalMax int  `json:"logical_max"`
				Usages     []struct {
					UsagePage int    `json:"usage_page"`
					Usage     int    `json:"usage"`
					UsageName string `json:"usage_name"`
				} `json:"usages"`
			} `json:"fields"`
		} `json:"reports"`
		Telephony []struct {
			Control     string `json:"control"`
			ReportType  string `json:"report_type"`
			ReportID    int    `json:"report_id"`
			BitOffset   int    `json:"bit_offset"`
			BitSize     int    `json:"bit_size"`
			Count       int    `json:"count"`
			Relative    bool   `json:"relative"`
			UsagePage   int    `json:"usage_page"`
			Usage       int    `json:"usage"`
			Application struct {
				Offset    int    `json:"offset"`
				UsageName string `json:"usage_name"`
			} `json:"application"`
		} `json:"telephony"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Length != 332 || !doc.Numbered || !doc.HasTelephony || len(doc.Items) != 163 || doc.Items[2].Text != "Collection (Application)" || doc.Items[2].Raw != "a1 01" {
		t.Errorf("header: %d bytes numbered %v telephony %v, %d items, item 2 %+v", doc.Length, doc.Numbered, doc.HasTelephony, len(doc.Items), doc.Items[2])
	}
	in2 := doc.Reports[1]
	if in2.Type != "input" || in2.ReportID != 2 || in2.ByteLen != 3 || len(in2.Fields) != 5 {
		t.Fatalf("reports[1] = %+v", in2)
	}
	mute := in2.Fields[1]
	if mute.BitOffset != 2 || mute.BitSize != 1 || mute.Count != 4 || mute.Flags != 6 || !mute.Relative || mute.Usages[0].UsagePage != 0x0b || mute.Usages[0].Usage != 0x2f || mute.Usages[0].UsageName != "Phone Mute" {
		t.Errorf("mute field %+v", mute)
	}
	keypad := in2.Fields[3]
	if !keypad.Array || keypad.BitSize != 4 || keypad.LogicalMax != 11 || len(keypad.Usages) != 12 {
		t.Errorf("keypad field %+v", keypad)
	}
	hook := doc.Telephony[0]
	if hook.Control != "hook_switch" || hook.ReportType != "input" || hook.ReportID != 2 || hook.BitOffset != 0 || hook.BitSize != 1 || hook.Count != 1 ||
		hook.Relative || hook.UsagePage != 0x0b || hook.Usage != 0x20 || hook.Application.Offset != 4 || hook.Application.UsageName != "Headset" {
		t.Errorf("telephony[0] = %+v", hook)
	}
	if last := doc.Telephony[len(doc.Telephony)-1]; last.Control != "ringer" || last.ReportType != "output" || last.BitOffset != 5 {
		t.Errorf("last control %+v", last)
	}
}

// Hex dumps in the common formats describe the same descriptor as the
// raw bytes.
func TestDescribeHexInput(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(hidTestdata, "0b0e-0307.rdesc"))
	if err != nil {
		t.Fatal(err)
	}
	want, _, _ := describeCmd(t, filepath.Join(hidTestdata, "0b0e-0307.rdesc"))
	hexOf := func(b []byte, sep string, perLine int) string {
		var s strings.Builder
		for i, c := range b {
			fmt.Fprintf(&s, "%02x", c)
			if (i+1)%perLine == 0 {
				s.WriteString("\n")
			} else {
				s.WriteString(sep)
			}
		}
		return s.String()
	}
	forms := map[string]string{
		"plain":        hexOf(raw, " ", 16),
		"usbhid-dump":  "001:004:003:DESCRIPTOR         1700000000.000000\n " + strings.ToUpper(hexOf(raw, " ", 32)) + "\n",
		"hid-recorder": "# Jabra\nN: Jabra EVOLVE LINK MS\nR: 332 " + hexOf(raw, " ", len(raw)) + "\nI: 3 0b0e 0307\n",
		"c-array":      "0x" + strings.ReplaceAll(hexOf(raw, ", 0x", 8), "\n", ", // line\n0x") + "\n",
	}
	dir := t.TempDir()
	for name, text := range forms {
		t.Run(name, func(t *testing.T) {
			text = strings.TrimSuffix(text, "0x\n")
			path := filepath.Join(dir, name+".txt")
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			got, errOut, code := describeCmd(t, path)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if got != want {
				t.Errorf("differs from the binary form:\n%s", firstDiff(got, want))
			}
		})
	}
	if b, ok := parseHexDump([]byte("05 0b zz")); ok {
		t.Errorf("parseHexDump accepted a bad token: % x", b)
	}
	if b, ok := parseHexDump([]byte{0x05, 0x0b, 0x09, 0x05}); ok {
		t.Errorf("parseHexDump accepted binary: % x", b)
	}
}

func TestDescribeErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.rdesc")
	if err := os.WriteFile(bad, []byte{0x05, 0x0b, 0xb4}, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args    []string
		code    int
		wantErr string
	}{
		{nil, 2, "usage: handsetd describe [--json] FILE|/dev/hidrawN\n"},
		{[]string{"a", "b"}, 2, "usage: handsetd describe [--json] FILE|/dev/hidrawN\n"},
		{[]string{bad}, 1, "handsetd describe: hid: offset 2: pop without push\n"},
		{[]string{"/nonexistent.rdesc"}, 1, "handsetd describe: open /nonexistent.rdesc: no such file or directory\n"},
		{[]string{"/dev/hidraw-none"}, 1, "handsetd describe: open /dev/hidraw-none: no such file or directory\n"},
	} {
		out, errOut, code := describeCmd(t, tc.args...)
		if code != tc.code || errOut != tc.wantErr || out != "" {
			t.Errorf("describe %q: exit %d, stderr %q, stdout %q; want exit %d, stderr %q", tc.args, code, errOut, out, tc.code, tc.wantErr)
		}
	}
}

// The ioctl path on something that is not a hidraw node fails with the
// ioctl's error; describe then has no sysfs entry to fall back on.
func TestDescribeHidrawIoctlError(t *testing.T) {
	_, err := hidrawDescriptor("/dev/null")
	if err == nil || err.Error() != "HIDIOCGRDESCSIZE on /dev/null: inappropriate ioctl for device" {
		t.Errorf("hidrawDescriptor(/dev/null) = %v", err)
	}
}

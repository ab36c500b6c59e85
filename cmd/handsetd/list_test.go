package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"

	"handsetd/hid/hidraw"
)

// fakeHID replaces the hidraw calls for one test.
func fakeHID(t *testing.T, infos []hidraw.DeviceInfo, descs map[string][]byte) {
	t.Helper()
	oldEnum, oldDesc := enumerateHID, hidDescriptor
	t.Cleanup(func() { enumerateHID, hidDescriptor = oldEnum, oldDesc })
	enumerateHID = func() ([]hidraw.DeviceInfo, error) { return infos, nil }
	hidDescriptor = func(in hidraw.DeviceInfo) ([]byte, error) {
		if d, ok := descs[in.Path]; ok {
			return d, nil
		}
		return nil, errors.New("hidraw: permission denied")
	}
}

func runCmd(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	env := &cmdEnv{stdin: bytes.NewReader(nil), stdout: &o, stderr: &e, getenv: func(string) string { return "" }}
	code = runMain(context.Background(), env, args)
	return o.String(), e.String(), code
}

func jabraInfos() []hidraw.DeviceInfo {
	base := hidraw.DeviceInfo{Path: "/dev/hidraw0", VendorID: 0x0b0e, ProductID: 0x0307, Serial: "0123456789AB",
		Manufacturer: "GN Netcom A/S", Product: "Jabra EVOLVE LINK MS", Release: 0x0211, Interface: 3, Bus: "usb",
		SysfsPath: "/sys/devices/x/0003:0B0E:0307.0001/hidraw/hidraw0"}
	var l []hidraw.DeviceInfo
	for _, u := range [][2]uint16{{0x000c, 0x0001}, {0x000b, 0x0005}, {0xff00, 0x0005}} {
		d := base
		d.UsagePage, d.Usage = u[0], u[1]
		l = append(l, d)
	}
	return append(l, hidraw.DeviceInfo{Path: "/dev/hidraw1", VendorID: 0x046d, ProductID: 0xc52b,
		Manufacturer: "Logitech", Product: "USB Receiver", Interface: 2, UsagePage: 0xff00, Usage: 0x0001, Bus: "usb",
		SysfsPath: "/sys/devices/y/hidraw/hidraw1"})
}

func TestListText(t *testing.T) {
	desc, err := os.ReadFile("../../testdata/hid/0b0e-0307.rdesc")
	if err != nil {
		t.Fatal(err)
	}
	fakeHID(t, jabraInfos(), map[string][]byte{"/dev/hidraw0": desc})
	out, errOut, code := runCmd(t, "list")
	want := "" +
		"PATH          ID         INTERFACE  USAGE      TELEPHONY  PRODUCT               MANUFACTURER   SERIAL\n" +
		"/dev/hidraw0  0b0e:0307  3          000b:0005  yes        Jabra EVOLVE LINK MS  GN Netcom A/S  0123456789AB\n" +
		"/dev/hidraw1  046d:c52b  2          ff00:0001  -          USB Receiver          Logitech       -\n"
	if code != 0 || out != want || errOut != "" {
		t.Errorf("list = %d, stdout:\n%s\nstderr: %q\nwant stdout:\n%s", code, out, errOut, want)
	}
}

func TestListJSON(t *testing.T) {
	// No descriptor readable: the usage page decides.
	fakeHID(t, jabraInfos(), nil)
	out, errOut, code := runCmd(t, "list", "--json")
	want := `[
  {
    "path": "/dev/hidraw0",
    "vendor_id": 2830,
    "product_id": 775,
    "product": "Jabra EVOLVE LINK MS",
    "manufacturer": "GN Netcom A/S",
    "serial": "0123456789AB",
    "interface": 3,
    "usage_page": 11,
    "usage": 5,
    "telephony": true,
    "sysfs_path": "/sys/devices/x/0003:0B0E:0307.0001/hidraw/hidraw0"
  },
  {
    "path": "/dev/hidraw1",
    "vendor_id": 1133,
    "product_id": 50475,
    "product": "USB Receiver",
    "manufacturer": "Logitech",
    "serial": "",
    "interface": 2,
    "usage_page": 65280,
    "usage": 1,
    "telephony": false,
    "sysfs_path": "/sys/devices/y/hidraw/hidraw1"
  }
]
`
	if code != 0 || out != want || errOut != "" {
		t.Errorf("list --json = %d, stdout:\n%s\nstderr: %q\nwant stdout:\n%s", code, out, errOut, want)
	}
}

// A descriptor that parses decides over the enumerated usage page: here
// enumeration listed only the Consumer collection of a Jabra.
func TestListDescriptorDecides(t *testing.T) {
	desc, err := os.ReadFile("../../testdata/hid/0b0e-0307.rdesc")
	if err != nil {
		t.Fatal(err)
	}
	infos := []hidraw.DeviceInfo{{Path: "/dev/hidraw3", VendorID: 0x0b0e, ProductID: 0x0307, Interface: 3,
		UsagePage: 0x000c, Usage: 0x0001}}
	fakeHID(t, infos, map[string][]byte{"/dev/hidraw3": desc})
	out, _, code := runCmd(t, "list", "--json")
	if code != 0 || !bytes.Contains([]byte(out), []byte(`"telephony": true`)) {
		t.Errorf("list --json = %d, %s; want telephony true from the descriptor", code, out)
	}
}

func TestListEmpty(t *testing.T) {
	fakeHID(t, nil, nil)
	out, errOut, code := runCmd(t, "list")
	if code != 0 || out != "" || errOut != noDevicesHint+"\n" {
		t.Errorf("list = %d, %q, %q; want 0, \"\", the hint", code, out, errOut)
	}
	out, errOut, code = runCmd(t, "list", "--json")
	if code != 0 || out != "[]\n" || errOut != noDevicesHint+"\n" {
		t.Errorf("list --json = %d, %q, %q; want 0, \"[]\\n\", the hint", code, out, errOut)
	}
}

func TestListUsage(t *testing.T) {
	fakeHID(t, nil, nil)
	if _, errOut, code := runCmd(t, "list", "extra"); code != 2 || errOut != "usage: handsetd list [--json]\n" {
		t.Errorf("list extra = %d, %q; want 2 and the usage line", code, errOut)
	}
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func readAttr(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestGadgetCreate(t *testing.T) {
	root := t.TempDir()
	g := &Gadget{
		Name: "cm", VendorID: 0x0d8c, ProductID: 0x000e,
		Manufacturer: "C-Media Electronics Inc.", Product: "USB Phone", Serial: "S1",
		Descriptor: cm109Descriptor, ReportLength: 4, NoOutEndpoint: true, Fillers: 3,
	}
	if err := g.Create(root); err != nil {
		t.Fatal(err)
	}
	d := filepath.Join(root, "cm")
	for path, want := range map[string]string{
		"idVendor":                                "0x0d8c",
		"idProduct":                               "0x000e",
		"strings/0x409/product":                   "USB Phone",
		"strings/0x409/manufacturer":              "C-Media Electronics Inc.",
		"strings/0x409/serialnumber":              "S1",
		"functions/hid.usb0/report_length":        "4",
		"functions/hid.usb0/no_out_endpoint":      "1",
		"configs/c.1/strings/0x409/configuration": "handset",
	} {
		if got := readAttr(t, filepath.Join(d, path)); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	if got := readAttr(t, filepath.Join(d, "functions/hid.usb0/report_desc")); !bytes.Equal([]byte(got), cm109Descriptor) {
		t.Errorf("report_desc = % x, want % x", got, cm109Descriptor)
	}
	// Linked in order: the fillers take interfaces 0-2, HID takes 3.
	ents, err := os.ReadDir(filepath.Join(d, "configs/c.1"))
	if err != nil {
		t.Fatal(err)
	}
	var links []string
	for _, e := range ents {
		if e.Type()&os.ModeSymlink != 0 {
			target, err := os.Readlink(filepath.Join(d, "configs/c.1", e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if target != filepath.Join(d, "functions", e.Name()) {
				t.Errorf("%s links to %s", e.Name(), target)
			}
			links = append(links, e.Name())
		}
	}
	if want := []string{"Loopback.fill0", "Loopback.fill1", "Loopback.fill2", "hid.usb0"}; !slices.Equal(links, want) {
		t.Errorf("config links %q, want %q", links, want)
	}

	if err := g.Bind(root, "dummy_udc.2"); err != nil {
		t.Fatal(err)
	}
	if got := readAttr(t, filepath.Join(d, "UDC")); got != "dummy_udc.2" {
		t.Errorf("UDC after Bind = %q", got)
	}
	if err := g.Unbind(root); err != nil {
		t.Fatal(err)
	}
	if got := readAttr(t, filepath.Join(d, "UDC")); got != "\n" {
		t.Errorf("UDC after Unbind = %q, want a lone newline", got)
	}
}

func TestGadgetWithOutEndpoint(t *testing.T) {
	root := t.TempDir()
	g := &Gadget{Name: "j", VendorID: 0x0b0e, ProductID: 0x0307, Descriptor: []byte{0xc0}, ReportLength: 33}
	if err := g.Create(root); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "j/functions/hid.usb0/no_out_endpoint")); !os.IsNotExist(err) {
		t.Errorf("no_out_endpoint written for a function with an OUT endpoint: %v", err)
	}
	if err := g.Create(root); err == nil {
		t.Error("creating the same gadget twice succeeded")
	}
}

func TestHidgPath(t *testing.T) {
	root, sys := t.TempDir(), t.TempDir()
	g := &Gadget{Name: "j"}
	fn := filepath.Join(root, "j/functions/hid.usb0")
	if err := os.MkdirAll(fn, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := g.HidgPath(root, sys); err == nil {
		t.Error("HidgPath without a dev attribute succeeded")
	}
	os.WriteFile(filepath.Join(fn, "dev"), []byte("240:2\n"), 0o644)
	os.MkdirAll(filepath.Join(sys, "240:2"), 0o755)
	os.WriteFile(filepath.Join(sys, "240:2/uevent"), []byte("MAJOR=240\nMINOR=2\nDEVNAME=hidg2\n"), 0o644)
	got, err := g.HidgPath(root, sys)
	if err != nil || got != "/dev/hidg2" {
		t.Errorf("HidgPath = %q, %v; want /dev/hidg2", got, err)
	}
}

func TestUDCs(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"dummy_udc.2", "dummy_udc.0", "dummy_udc.1"} {
		os.Mkdir(filepath.Join(dir, n), 0o755)
	}
	got, err := UDCs(dir)
	if want := []string{"dummy_udc.0", "dummy_udc.1", "dummy_udc.2"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("UDCs = %q, %v; want %q", got, err, want)
	}
	if _, err := UDCs(filepath.Join(dir, "missing")); err == nil {
		t.Error("UDCs of a missing directory succeeded")
	}
}

package udev_test

import (
	"os"
	"path/filepath"
	"testing"

	"handsetd/hid"
	"handsetd/udev"
)

// FuzzProbe: the probe never panics, and grants only what parses and has a
// Telephony application; any error grants nothing.
func FuzzProbe(f *testing.F) {
	for _, glob := range []string{"../testdata/hid/*.rdesc", "testdata/*.rdesc"} {
		files, _ := filepath.Glob(glob)
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := udev.Probe(b)
		if err != nil {
			if v != (udev.Verdict{}) || v.Properties() != "" {
				t.Fatalf("error %v with verdict %+v", err, v)
			}
			return
		}
		if !v.Grant() {
			if v.Properties() != "" {
				t.Fatalf("no grant but properties %q", v.Properties())
			}
			return
		}
		d, perr := hid.ParseReportDescriptor(b)
		if perr != nil || !d.HasTelephony() || len(b) == 0 || len(b) > udev.MaxDescriptorSize {
			t.Fatalf("granted %d bytes: parse error %v", len(b), perr)
		}
	})
}

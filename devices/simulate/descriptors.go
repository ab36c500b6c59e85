package simulate

import (
	"embed"
	"fmt"
	"sort"
	"strings"
)

// The report descriptors of the real devices in the model database, so
// that any of them can be simulated from the installed binary. They are
// byte-for-byte copies of testdata/hid (a test checks it).
//
//go:embed descriptors/*.rdesc
var descriptorFS embed.FS

// Descriptor returns the embedded report descriptor of a device.
func Descriptor(vid, pid uint16) ([]byte, bool) {
	b, err := descriptorFS.ReadFile(fmt.Sprintf("descriptors/%04x-%04x.rdesc", vid, pid))
	return b, err == nil
}

// Descriptors lists the embedded descriptors as "vvvv-pppp".
func Descriptors() []string {
	entries, _ := descriptorFS.ReadDir("descriptors")
	var out []string
	for _, e := range entries {
		out = append(out, strings.TrimSuffix(e.Name(), ".rdesc"))
	}
	sort.Strings(out)
	return out
}

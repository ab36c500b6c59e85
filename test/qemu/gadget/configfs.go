package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Gadget is one USB device built in configfs: one configuration holding a HID
// function, optionally after filler interfaces so that the HID interface has
// the number it has on real hardware (3 on a CM109 phone, after its audio
// control and two audio streaming interfaces).
type Gadget struct {
	// Name is the gadget's directory under the configfs usb_gadget root.
	Name                          string
	VendorID, ProductID           uint16
	Manufacturer, Product, Serial string
	// Descriptor is the HID report descriptor the function presents.
	Descriptor []byte
	// ReportLength is the largest report in either direction, ID byte
	// included: f_hid sizes its endpoints and truncates writes to it.
	ReportLength int
	// NoOutEndpoint makes output reports arrive as SET_REPORT control
	// transfers instead of on an interrupt OUT endpoint.
	NoOutEndpoint bool
	// Fillers is how many interfaces come before the HID one. They are
	// loopback functions (usb_f_ss_lb), which no host driver of the guest
	// claims: audio functions would be truer, but dummy_hcd has no
	// isochronous endpoints, so f_uac1 cannot bind to it.
	Fillers int
}

// ErrNoUDC means the kernel offers fewer device controllers than needed.
var ErrNoUDC = errors.New("qemutest: no free USB device controller")

func (g *Gadget) dir(root string) string { return filepath.Join(root, g.Name) }

// write sets one configfs attribute.
func write(path, value string) error {
	if err := os.WriteFile(path, []byte(value), 0o644); err != nil {
		return fmt.Errorf("qemutest: configfs: %w", err)
	}
	return nil
}

// Create builds the gadget under root (/sys/kernel/config/usb_gadget). It
// does not bind it: see Bind.
func (g *Gadget) Create(root string) error {
	d := g.dir(root)
	strs := filepath.Join(d, "strings", "0x409")
	cfg := filepath.Join(d, "configs", "c.1")
	hidf := filepath.Join(d, "functions", "hid.usb0")
	for _, p := range []string{d, strs, filepath.Join(cfg, "strings", "0x409"), hidf} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			return fmt.Errorf("qemutest: configfs: %w", err)
		}
	}
	attrs := []struct{ path, value string }{
		{filepath.Join(d, "idVendor"), fmt.Sprintf("0x%04x", g.VendorID)},
		{filepath.Join(d, "idProduct"), fmt.Sprintf("0x%04x", g.ProductID)},
		{filepath.Join(d, "bcdDevice"), "0x0100"},
		{filepath.Join(d, "bcdUSB"), "0x0200"},
		{filepath.Join(strs, "manufacturer"), g.Manufacturer},
		{filepath.Join(strs, "product"), g.Product},
		{filepath.Join(strs, "serialnumber"), g.Serial},
		{filepath.Join(cfg, "strings", "0x409", "configuration"), "handset"},
		{filepath.Join(cfg, "MaxPower"), "100"},
		{filepath.Join(hidf, "protocol"), "0"},
		{filepath.Join(hidf, "subclass"), "0"},
		{filepath.Join(hidf, "report_length"), strconv.Itoa(g.ReportLength)},
		{filepath.Join(hidf, "report_desc"), string(g.Descriptor)},
	}
	if g.NoOutEndpoint {
		attrs = append(attrs, struct{ path, value string }{filepath.Join(hidf, "no_out_endpoint"), "1"})
	}
	for _, a := range attrs {
		if err := write(a.path, a.value); err != nil {
			return err
		}
	}
	// Functions take interface numbers in the order they are linked.
	for i := 0; i < g.Fillers; i++ {
		name := fmt.Sprintf("Loopback.fill%d", i)
		f := filepath.Join(d, "functions", name)
		if err := os.MkdirAll(f, 0o755); err != nil {
			return fmt.Errorf("qemutest: configfs: %w", err)
		}
		if err := os.Symlink(f, filepath.Join(cfg, name)); err != nil {
			return fmt.Errorf("qemutest: configfs: %w", err)
		}
	}
	if err := os.Symlink(hidf, filepath.Join(cfg, "hid.usb0")); err != nil {
		return fmt.Errorf("qemutest: configfs: %w", err)
	}
	return nil
}

// Bind attaches the gadget to a device controller: the host side sees a
// device plugged in.
func (g *Gadget) Bind(root, udc string) error {
	return write(filepath.Join(g.dir(root), "UDC"), udc)
}

// Unbind detaches the gadget: the host side sees it unplugged.
func (g *Gadget) Unbind(root string) error {
	// configfs wants a newline-only write to unbind.
	return write(filepath.Join(g.dir(root), "UDC"), "\n")
}

// HidgPath returns the gadget-side device node of the HID function, from
// the major:minor that f_hid publishes in its "dev" attribute.
func (g *Gadget) HidgPath(root, sysDevChar string) (string, error) {
	b, err := os.ReadFile(filepath.Join(g.dir(root), "functions", "hid.usb0", "dev"))
	if err != nil {
		return "", fmt.Errorf("qemutest: hidg dev: %w", err)
	}
	mm := strings.TrimSpace(string(b))
	ue, err := os.ReadFile(filepath.Join(sysDevChar, mm, "uevent"))
	if err != nil {
		return "", fmt.Errorf("qemutest: hidg %s: %w", mm, err)
	}
	for _, l := range strings.Split(string(ue), "\n") {
		if name, ok := strings.CutPrefix(l, "DEVNAME="); ok {
			return "/dev/" + name, nil
		}
	}
	return "", fmt.Errorf("qemutest: hidg %s: no DEVNAME in uevent", mm)
}

// UDCs lists the device controllers the kernel offers (/sys/class/udc),
// sorted: dummy_udc.0, dummy_udc.1, ...
func UDCs(classDir string) ([]string, error) {
	ents, err := os.ReadDir(classDir)
	if err != nil {
		return nil, fmt.Errorf("qemutest: %w", err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names, nil
}

package udev

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"handsetd/hid"
)

// MaxDescriptorSize is the largest report descriptor the probe reads: the
// kernel's HID_MAX_DESCRIPTOR_SIZE, so no real device is larger.
const MaxDescriptorSize = 4096

// Sentinel errors of the probe. Every one of them means "no access".
var (
	// ErrDeviceName means the name given is not a hidraw node's.
	ErrDeviceName = errors.New("udev: not a hidraw device name")
	// ErrTooLarge means the descriptor is over MaxDescriptorSize.
	ErrTooLarge = errors.New("udev: report descriptor too large")
	// ErrEmpty means the descriptor has no bytes.
	ErrEmpty = errors.New("udev: empty report descriptor")
	// ErrNotRegular means the descriptor path is not a regular file (a
	// FIFO or a device would make the probe block or read forever).
	ErrNotRegular = errors.New("udev: report descriptor is not a regular file")
)

// Verdict is what the probe found in one report descriptor.
type Verdict struct {
	// Telephony: an Application collection on the Telephony page.
	Telephony bool
	// Keyboard: a Generic Desktop Keyboard, Keypad, Mouse or Pointer
	// application, or an input on the Keyboard/Keypad page. Whoever can
	// read the node would see what is typed, so it forbids access.
	Keyboard bool
}

// Grant reports whether the device may be given to the user.
func (v Verdict) Grant() bool { return v.Telephony && !v.Keyboard }

// Properties returns what the probe prints for udev's IMPORT{program}:
// "HANDSETD_TELEPHONY=1\n" when access is granted, nothing otherwise.
func (v Verdict) Properties() string {
	if !v.Grant() {
		return ""
	}
	return PropTelephony + "=1\n"
}

// Generic Desktop usages that make a hidraw node sensitive.
var keyboardApps = []hid.Usage{
	hid.NewUsage(hid.PageGenericDesktop, 0x01), // Pointer
	hid.NewUsage(hid.PageGenericDesktop, 0x02), // Mouse
	hid.NewUsage(hid.PageGenericDesktop, 0x06), // Keyboard
	hid.NewUsage(hid.PageGenericDesktop, 0x07), // Keypad
}

// Probe parses a report descriptor and returns its verdict. On a parse
// error (wrapping hid.ErrInvalidDescriptor) or an empty or oversized
// descriptor the verdict is the zero Verdict, which grants nothing.
func Probe(desc []byte) (Verdict, error) {
	switch {
	case len(desc) == 0:
		return Verdict{}, ErrEmpty
	case len(desc) > MaxDescriptorSize:
		return Verdict{}, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(desc), MaxDescriptorSize)
	}
	d, err := hid.ParseReportDescriptor(desc)
	if err != nil {
		return Verdict{}, fmt.Errorf("udev: %w", err)
	}
	v := Verdict{Telephony: d.HasTelephony()}
	for _, a := range d.Applications() {
		for _, k := range keyboardApps {
			if a.Usage == k {
				v.Keyboard = true
			}
		}
	}
	for _, r := range d.Reports {
		if r.Type != hid.Input {
			continue
		}
		for _, f := range r.Fields {
			if f.Flags.IsConstant() {
				continue
			}
			for _, u := range f.Usages {
				if u.Page() == hid.PageKeyboard {
					v.Keyboard = true
				}
			}
		}
	}
	return v, nil
}

// ReadDescriptor reads at most MaxDescriptorSize bytes from r, and fails
// with ErrTooLarge when there are more.
func ReadDescriptor(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxDescriptorSize+1))
	if err != nil {
		return nil, fmt.Errorf("udev: reading report descriptor: %w", err)
	}
	if len(b) > MaxDescriptorSize {
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, MaxDescriptorSize)
	}
	return b, nil
}

// ProbeFile probes the descriptor in the regular file at path (a sysfs
// report_descriptor attribute, or a dump of one).
func ProbeFile(path string) (Verdict, error) {
	// O_NONBLOCK: opening a FIFO must not wait for a writer; it is then
	// refused below as not regular.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return Verdict{}, fmt.Errorf("udev: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Verdict{}, fmt.Errorf("udev: %w", err)
	}
	if !st.Mode().IsRegular() {
		return Verdict{}, fmt.Errorf("%w: %s", ErrNotRegular, path)
	}
	b, err := ReadDescriptor(f)
	if err != nil {
		return Verdict{}, err
	}
	return Probe(b)
}

// DescriptorPath returns the sysfs attribute holding the report descriptor
// of the hidraw node name ("hidraw3" as udev's %k, or "/dev/hidraw3"),
// under the sysfs mount sysRoot ("/sys"). The name is checked so that it
// cannot lead anywhere else.
func DescriptorPath(sysRoot, name string) (string, error) {
	base := strings.TrimPrefix(name, "/dev/")
	digits := strings.TrimPrefix(base, "hidraw")
	if digits == base || digits == "" || strings.Trim(digits, "0123456789") != "" || len(digits) > 10 {
		return "", fmt.Errorf("%w: %q", ErrDeviceName, name)
	}
	return filepath.Join(sysRoot, "class", "hidraw", base, "device", "report_descriptor"), nil
}

// SyspathDescriptor returns the report descriptor attribute of the hidraw
// device at syspath (udev's "%S%p": /sys/devices/.../hidraw/hidraw3). The
// attribute belongs to the HID device, the parent the "device" link names.
func SyspathDescriptor(syspath string) string {
	return filepath.Join(syspath, "device", "report_descriptor")
}

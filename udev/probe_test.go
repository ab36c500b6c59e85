package udev_test

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"handsetd/hid"
	"handsetd/udev"
)

// Every real handset descriptor of the project is granted.
func TestProbeRealDescriptors(t *testing.T) {
	files, err := filepath.Glob("../testdata/hid/*.rdesc")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 8 {
		t.Fatalf("found %d descriptors in testdata/hid, want at least 8", len(files))
	}
	for _, f := range files {
		v, err := udev.ProbeFile(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if v != (udev.Verdict{Telephony: true}) {
			t.Errorf("%s: verdict %+v, want Telephony only", f, v)
		}
		if got := v.Properties(); got != "HANDSETD_TELEPHONY=1\n" {
			t.Errorf("%s: properties %q", f, got)
		}
	}
}

func TestProbeTestdata(t *testing.T) {
	tele, kbd := udev.Verdict{Telephony: true}, udev.Verdict{Keyboard: true}
	for _, c := range []struct {
		file    string
		want    udev.Verdict
		wantErr error
	}{
		{"telephony-minimal.rdesc", tele, nil},
		{"boot-keyboard.rdesc", kbd, nil},
		{"boot-mouse.rdesc", kbd, nil},
		{"consumer-volume.rdesc", udev.Verdict{}, nil},
		{"telephony-keyboard.rdesc", udev.Verdict{Telephony: true, Keyboard: true}, nil},
		{"telephony-keycodes.rdesc", udev.Verdict{Telephony: true, Keyboard: true}, nil},
		{"telephony-not-application.rdesc", udev.Verdict{}, nil},
		{"truncated-0b0e-0307.rdesc", udev.Verdict{}, hid.ErrInvalidDescriptor},
		{"unclosed-collection.rdesc", udev.Verdict{}, hid.ErrInvalidDescriptor},
		{"long-item-overflow.rdesc", udev.Verdict{}, hid.ErrInvalidDescriptor},
		{"text.rdesc", udev.Verdict{}, hid.ErrInvalidDescriptor},
		{"empty.rdesc", udev.Verdict{}, udev.ErrEmpty},
		{"oversize.rdesc", udev.Verdict{}, udev.ErrTooLarge},
	} {
		v, err := udev.ProbeFile(filepath.Join("testdata", c.file))
		if !errors.Is(err, c.wantErr) || (c.wantErr == nil) != (err == nil) {
			t.Errorf("%s: err %v, want %v", c.file, err, c.wantErr)
		}
		if v != c.want {
			t.Errorf("%s: verdict %+v, want %+v", c.file, v, c.want)
		}
		wantProps := ""
		if c.want.Telephony && !c.want.Keyboard {
			wantProps = "HANDSETD_TELEPHONY=1\n"
		}
		if v.Grant() != (wantProps != "") || v.Properties() != wantProps {
			t.Errorf("%s: grant %v properties %q, want %q", c.file, v.Grant(), v.Properties(), wantProps)
		}
	}
}

// The oversized file would be granted if the limit did not stop it: the
// limit, not the parser, is what refuses it.
func TestProbeOversizeWouldParse(t *testing.T) {
	b, err := os.ReadFile("testdata/oversize.rdesc")
	if err != nil {
		t.Fatal(err)
	}
	if len(b) <= udev.MaxDescriptorSize {
		t.Fatalf("oversize.rdesc is %d bytes", len(b))
	}
	d, err := hid.ParseReportDescriptor(b)
	if err != nil || !d.HasTelephony() {
		t.Fatalf("oversize.rdesc: parse %v, telephony %v", err, err == nil && d.HasTelephony())
	}
}

func TestProbeFileNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// Without O_NONBLOCK the open would wait for a writer forever.
	for _, p := range []string{fifo, dir} {
		if v, err := udev.ProbeFile(p); !errors.Is(err, udev.ErrNotRegular) || v.Grant() {
			t.Errorf("%s: verdict %+v err %v, want ErrNotRegular", p, v, err)
		}
	}
	if _, err := udev.ProbeFile(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: err %v, want ErrNotExist", err)
	}
}

// countingReader yields zeros forever and counts what it gave.
type countingReader struct{ n int }

func (r *countingReader) Read(p []byte) (int, error) {
	clear(p)
	r.n += len(p)
	return len(p), nil
}

func TestReadDescriptorBounded(t *testing.T) {
	r := &countingReader{}
	if _, err := udev.ReadDescriptor(r); !errors.Is(err, udev.ErrTooLarge) {
		t.Fatalf("endless reader: err %v, want ErrTooLarge", err)
	}
	if r.n != udev.MaxDescriptorSize+1 {
		t.Errorf("read %d bytes from an endless reader, want %d", r.n, udev.MaxDescriptorSize+1)
	}
	b, err := udev.ReadDescriptor(io.LimitReader(&countingReader{}, udev.MaxDescriptorSize))
	if err != nil || len(b) != udev.MaxDescriptorSize {
		t.Errorf("exactly the limit: %d bytes, err %v", len(b), err)
	}
	if _, err := udev.ReadDescriptor(errReader{}); err == nil || !strings.HasPrefix(err.Error(), "udev: ") {
		t.Errorf("failing reader: err %v", err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, syscall.EIO }

func TestDescriptorPath(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"hidraw0", "/sys/class/hidraw/hidraw0/device/report_descriptor"},
		{"/dev/hidraw17", "/sys/class/hidraw/hidraw17/device/report_descriptor"},
	} {
		got, err := udev.DescriptorPath("/sys", c.name)
		if err != nil || got != c.want {
			t.Errorf("DescriptorPath(%q) = %q, %v; want %q", c.name, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "hidraw", "hidraw1/../../x", "../hidraw1", "hidraw-1", "sda", "/dev/input/event3", "hidraw1 ", "/tmp/hidraw1", "hidraw12345678901"} {
		if got, err := udev.DescriptorPath("/sys", bad); !errors.Is(err, udev.ErrDeviceName) {
			t.Errorf("DescriptorPath(%q) = %q, %v; want ErrDeviceName", bad, got, err)
		}
	}
	if got := udev.SyspathDescriptor("/sys/devices/pci0000:00/usb1/1-1/1-1:1.3/0003:0B0E:0307.0004/hidraw/hidraw3"); got != "/sys/devices/pci0000:00/usb1/1-1/1-1:1.3/0003:0B0E:0307.0004/hidraw/hidraw3/device/report_descriptor" {
		t.Errorf("SyspathDescriptor = %q", got)
	}
}

func BenchmarkProbe(b *testing.B) {
	desc, err := os.ReadFile("../testdata/hid/047f-02ec.rdesc")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(desc)))
	for b.Loop() {
		if v, err := udev.Probe(desc); err != nil || !v.Grant() {
			b.Fatal(v, err)
		}
	}
}

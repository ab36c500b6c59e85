//go:build umockdev

package hidraw_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"reflect"
	"testing"
	"time"

	"handsetd/hid"
	"handsetd/hid/hidraw"
	"handsetd/hid/umockdev"
)

// jabra is the Jabra EVOLVE LINK MS: Telephony collection with report 2 (3
// bytes in, 3 bytes out), a vendor collection, and Consumer report 1.
const jabra = "../../testdata/hid/0b0e-0307.rdesc"

func newTestbed(t *testing.T) *umockdev.Testbed {
	t.Helper()
	tb, err := umockdev.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tb.Close() })
	return tb
}

func addJabra(t *testing.T, tb *umockdev.Testbed) *umockdev.Handset {
	t.Helper()
	spec, err := umockdev.SpecFromFile(jabra)
	if err != nil {
		t.Fatal(err)
	}
	spec.Manufacturer = "GN Netcom A/S"
	spec.Product = "Jabra EVOLVE LINK MS"
	spec.Serial = "0123456789AB"
	spec.Release = 0x0211
	spec.Features = map[byte][]byte{8: {8, 0x01}}
	h, err := tb.AddHandset(spec)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func openJabra(t *testing.T) (*umockdev.Handset, *hidraw.Device) {
	t.Helper()
	tb := newTestbed(t)
	h := addJabra(t, tb)
	d, err := hidraw.Open(h.DevNode)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return h, d
}

func TestEnumerate(t *testing.T) {
	tb := newTestbed(t)
	h := addJabra(t, tb)
	got, err := hidraw.Enumerate()
	if err != nil {
		t.Fatal(err)
	}
	base := hidraw.DeviceInfo{
		Path:         "/dev/hidraw0",
		VendorID:     0x0b0e,
		ProductID:    0x0307,
		Serial:       "0123456789AB",
		Manufacturer: "GN Netcom A/S",
		Product:      "Jabra EVOLVE LINK MS",
		Release:      0x0211,
		Interface:    3,
		Bus:          "usb",
		SysfsPath:    "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.3/0003:0B0E:0307.0001/hidraw/hidraw0",
	}
	var want []hidraw.DeviceInfo
	for _, u := range [][2]uint16{{0x000b, 0x0005}, {0x000c, 0x0001}, {0xff00, 0x0005}} {
		d := base
		d.UsagePage, d.Usage = u[0], u[1]
		want = append(want, d)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Enumerate() =\n%+v\nwant\n%+v", got, want)
	}
	if h.SysfsPath != base.SysfsPath {
		t.Errorf("handset sysfs path %q, want %q", h.SysfsPath, base.SysfsPath)
	}
	if !got[0].IsTelephony() || got[1].IsTelephony() || got[2].IsTelephony() {
		t.Errorf("IsTelephony = %v %v %v, want true false false", got[0].IsTelephony(), got[1].IsTelephony(), got[2].IsTelephony())
	}
	sp, err := hidraw.SysfsPath("/dev/hidraw0")
	if err != nil || sp != base.SysfsPath {
		t.Errorf("SysfsPath = %q, %v; want %q", sp, err, base.SysfsPath)
	}
}

func TestEnumerateEmpty(t *testing.T) {
	newTestbed(t)
	got, err := hidraw.Enumerate()
	if err != nil || len(got) != 0 {
		t.Fatalf("Enumerate() = %v, %v; want none", got, err)
	}
}

func TestReportDescriptor(t *testing.T) {
	_, d := openJabra(t)
	want, err := os.ReadFile(jabra)
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.ReportDescriptor()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("ReportDescriptor() = % x\nwant % x", got, want)
	}
	infos, err := hidraw.Enumerate()
	if err != nil || len(infos) == 0 {
		t.Fatalf("Enumerate() = %v, %v", infos, err)
	}
	got, err = hidraw.ReadDescriptor(infos[0])
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("ReadDescriptor() = % x, %v\nwant % x", got, err, want)
	}
	// Without a sysfs path it opens the node.
	got, err = hidraw.ReadDescriptor(hidraw.DeviceInfo{Path: infos[0].Path})
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("ReadDescriptor(path only) = % x, %v\nwant % x", got, err, want)
	}
}

func TestReadReport(t *testing.T) {
	h, d := openJabra(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, r := range [][]byte{{2, 0x01, 0x00}, {2, 0x05, 0x00}, {2, 0x01, 0x00}, {1, 0x01, 0x00}} {
		if err := h.Inject(ctx, r); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 64)
		n, err := d.ReadReport(ctx, buf)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf[:n], r) {
			t.Errorf("ReadReport() = % x, want % x", buf[:n], r)
		}
	}
}

func TestWriteOutput(t *testing.T) {
	tb := newTestbed(t)
	h := addJabra(t, tb)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, tc := range []struct {
		opts []hidraw.Option
		kind umockdev.TransferKind
	}{
		{nil, umockdev.OutputWrite},
		{[]hidraw.Option{hidraw.OutputViaIoctl()}, umockdev.OutputIoctl},
	} {
		d, err := hidraw.Open(h.DevNode, tc.opts...)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.WriteOutput([]byte{2, 0x01, 0x00}); err != nil {
			t.Fatal(err)
		}
		got, err := h.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := umockdev.Transfer{Kind: tc.kind, Data: []byte{2, 0x01, 0x00}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("device got %v, want %v", got, want)
		}
		d.Close()
	}
}

func TestFeature(t *testing.T) {
	h, d := openJabra(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	buf := []byte{8, 0xee, 0xee}
	n, err := d.GetFeature(buf)
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{8, 0x01}; n != 2 || !bytes.Equal(buf[:n], want) {
		t.Errorf("GetFeature = % x (n=%d), want % x", buf[:n], n, want)
	}
	if err := d.SetFeature([]byte{8, 0x00}); err != nil {
		t.Fatal(err)
	}
	got, err := h.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (umockdev.Transfer{Kind: umockdev.FeatureSet, Data: []byte{8, 0x00}}); !reflect.DeepEqual(got, want) {
		t.Errorf("device got %v, want %v", got, want)
	}
	buf = []byte{8, 0xee}
	if n, err := d.GetFeature(buf); err != nil || n != 2 || buf[1] != 0x00 {
		t.Errorf("GetFeature after set = % x, %v; want 08 00", buf[:n], err)
	}
	buf = []byte{9, 0}
	if _, err := d.GetFeature(buf); err == nil {
		t.Errorf("GetFeature(unknown report 9) succeeded, want an error")
	}
}

// readAsync starts a read and returns where its result arrives.
type readResult struct {
	n   int
	err error
	at  time.Time
}

func readAsync(ctx context.Context, d *hidraw.Device) <-chan readResult {
	ch := make(chan readResult, 1)
	go func() {
		n, err := d.ReadReport(ctx, make([]byte, 64))
		ch <- readResult{n, err, time.Now()}
	}()
	return ch
}

// settle gives a reader goroutine time to reach poll(). The assertions hold
// whether or not it got there; only what is exercised depends on it.
func settle() { time.Sleep(50 * time.Millisecond) }

func TestUnplugDuringRead(t *testing.T) {
	h, d := openJabra(t)
	ch := readAsync(context.Background(), d)
	settle()
	start := time.Now()
	if err := h.Unplug(); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-ch:
		if !errors.Is(r.err, hid.ErrDisconnected) {
			t.Fatalf("ReadReport after unplug = %d, %v; want hid.ErrDisconnected", r.n, r.err)
		}
		t.Logf("read returned %v after unplug", r.at.Sub(start))
	case <-time.After(5 * time.Second):
		t.Fatal("ReadReport still blocked 5s after unplug")
	}
	if _, err := d.ReadReport(context.Background(), make([]byte, 8)); !errors.Is(err, hid.ErrDisconnected) {
		t.Errorf("second ReadReport = %v, want hid.ErrDisconnected", err)
	}
	if err := d.WriteOutput([]byte{2, 0, 0}); !errors.Is(err, hid.ErrDisconnected) {
		t.Errorf("WriteOutput after unplug = %v, want hid.ErrDisconnected", err)
	}
}

func TestReadCancel(t *testing.T) {
	h, d := openJabra(t)
	ctx, cancel := context.WithCancel(context.Background())
	ch := readAsync(ctx, d)
	settle()
	cancel()
	select {
	case r := <-ch:
		if !errors.Is(r.err, context.Canceled) {
			t.Fatalf("ReadReport after cancel = %v, want context.Canceled", r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ReadReport still blocked 5s after cancel")
	}
	// The device stays usable after a cancelled read.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	if err := h.Inject(ctx2, []byte{2, 0x01, 0x00}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	n, err := d.ReadReport(ctx2, buf)
	if err != nil || !bytes.Equal(buf[:n], []byte{2, 0x01, 0x00}) {
		t.Errorf("ReadReport after a cancelled read = % x, %v; want 02 01 00", buf[:n], err)
	}
}

func TestCloseDuringRead(t *testing.T) {
	_, d := openJabra(t)
	ch := readAsync(context.Background(), d)
	settle()
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-ch:
		if !errors.Is(r.err, hidraw.ErrClosed) {
			t.Fatalf("ReadReport after Close = %v, want ErrClosed", r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ReadReport still blocked 5s after Close")
	}
	if err := d.WriteOutput([]byte{2, 0, 0}); !errors.Is(err, hidraw.ErrClosed) {
		t.Errorf("WriteOutput after Close = %v, want ErrClosed", err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

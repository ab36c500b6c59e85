//go:build umockdev

package umockdev_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	gohid "github.com/sstallion/go-hid"

	"handsetd/hid"
	"handsetd/hid/hidraw"
	"handsetd/hid/umockdev"
)

// jabra has report 2 (hook, mute, ... in 2 bytes) and report 1 (Consumer).
const jabra = "../../testdata/hid/0b0e-0307.rdesc"

func addHandset(t *testing.T) (*umockdev.Testbed, *umockdev.Handset) {
	t.Helper()
	tb, err := umockdev.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tb.Close() })
	spec, err := umockdev.SpecFromFile(jabra)
	if err != nil {
		t.Fatal(err)
	}
	h, err := tb.AddHandset(spec)
	if err != nil {
		t.Fatal(err)
	}
	return tb, h
}

func open(t *testing.T, h *umockdev.Handset) *hidraw.Device {
	t.Helper()
	d, err := hidraw.Open(h.DevNode)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func read(t *testing.T, ctx context.Context, d *hidraw.Device, size int) []byte {
	t.Helper()
	buf := make([]byte, size)
	n, err := d.ReadReport(ctx, buf)
	if err != nil {
		t.Fatal(err)
	}
	return buf[:n]
}

func pending(t *testing.T, h *umockdev.Handset) int {
	t.Helper()
	n, err := h.Pending()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Reports injected back to back, with nothing read in between, come out
// of the node one per read, as from the kernel's hidraw.
func TestInjectBackToBackReadsOneEach(t *testing.T) {
	ctx := testContext(t)
	_, h := addHandset(t)
	d := open(t, h)
	reps := [][]byte{{2, 0x01, 0x00}, {2, 0x00, 0x00}, {2, 0x05, 0x00}, {1, 0x01, 0x00}, {2, 0x00, 0x01}, {1, 0x00, 0x00}}
	for _, r := range reps {
		if err := h.Inject(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if n := pending(t, h); n != 18 {
		t.Errorf("Pending() after 6 reports of 3 bytes = %d, want 18", n)
	}
	for i, want := range reps {
		if got := read(t, ctx, d, 64); !bytes.Equal(got, want) {
			t.Fatalf("read %d = % x, want % x", i, got, want)
		}
		if n, want := pending(t, h), 3*(len(reps)-i-1); n != want {
			t.Errorf("Pending() after read %d = %d, want %d", i, n, want)
		}
	}
	if err := h.WaitRead(ctx); err != nil {
		t.Fatal(err)
	}
}

// A buffer shorter than the report gets its start; the rest is dropped
// with it, and the next read gets the next report.
func TestReadShortBuffer(t *testing.T) {
	ctx := testContext(t)
	_, h := addHandset(t)
	d := open(t, h)
	for _, r := range [][]byte{{2, 0x01, 0x02}, {1, 0x01, 0x00}} {
		if err := h.Inject(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := read(t, ctx, d, 2), []byte{2, 0x01}; !bytes.Equal(got, want) {
		t.Errorf("read into 2 bytes = % x, want % x", got, want)
	}
	if got, want := read(t, ctx, d, 64), []byte{1, 0x01, 0x00}; !bytes.Equal(got, want) {
		t.Errorf("next read = % x, want % x", got, want)
	}
	if n := pending(t, h); n != 0 {
		t.Errorf("Pending() = %d, want 0", n)
	}
}

// A read that does not poll first (hidapi's blocking hid_read) finds
// nothing while nothing is queued, and one report once one is.
func TestReadWithoutPoll(t *testing.T) {
	ctx := testContext(t)
	_, h := addHandset(t)
	if err := gohid.Init(); err != nil {
		t.Fatal(err)
	}
	dev, err := gohid.OpenPath(h.DevNode)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	buf := make([]byte, 64)
	if n, err := dev.Read(buf); n != 0 || !errors.Is(err, gohid.ErrTimeout) {
		t.Errorf("Read() with nothing queued = %d, %v; want 0, %v", n, err, gohid.ErrTimeout)
	}
	for _, r := range [][]byte{{2, 0x01, 0x00}, {2, 0x00, 0x00}} {
		if err := h.Inject(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range [][]byte{{2, 0x01, 0x00}, {2, 0x00, 0x00}} {
		n, err := dev.Read(buf)
		if err != nil || !bytes.Equal(buf[:n], want) {
			t.Errorf("Read() = % x, %v; want % x", buf[:n], err, want)
		}
	}
	if n, err := dev.Read(buf); n != 0 || !errors.Is(err, gohid.ErrTimeout) {
		t.Errorf("Read() after both = %d, %v; want 0, %v", n, err, gohid.ErrTimeout)
	}
}

// Output reports still reach the device while input reports wait unread:
// the read handler holds nothing up.
func TestWriteWhileReportsQueued(t *testing.T) {
	ctx := testContext(t)
	_, h := addHandset(t)
	d := open(t, h)
	if err := h.Inject(ctx, []byte{2, 0x01, 0x00}); err != nil {
		t.Fatal(err)
	}
	if err := d.WriteOutput([]byte{2, 0x01, 0x00}); err != nil {
		t.Fatal(err)
	}
	tr, err := h.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tr.String(), "output-write 02 01 00"; got != want {
		t.Errorf("Next() = %s, want %s", got, want)
	}
	if got, want := read(t, ctx, d, 64), []byte{2, 0x01, 0x00}; !bytes.Equal(got, want) {
		t.Errorf("read = % x, want % x", got, want)
	}
}

// With MaxQueued reports unread, Inject waits for the reader instead of
// dropping the report.
func TestInjectWaitsForRoom(t *testing.T) {
	ctx := testContext(t)
	_, h := addHandset(t)
	d := open(t, h)
	for i := range umockdev.MaxQueued {
		if err := h.Inject(ctx, []byte{1, byte(i), 0}); err != nil {
			t.Fatal(err)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := h.Inject(cancelled, []byte{2, 0x01, 0x00}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Inject() into a full queue with a cancelled context = %v, want context.Canceled", err)
	}
	if n, want := pending(t, h), 3*umockdev.MaxQueued; n != want {
		t.Errorf("Pending() = %d, want %d", n, want)
	}
	done := make(chan error, 1)
	go func() { done <- h.Inject(ctx, []byte{2, 0x01, 0x00}) }()
	if got, want := read(t, ctx, d, 64), []byte{1, 0, 0}; !bytes.Equal(got, want) {
		t.Fatalf("first read = % x, want % x", got, want)
	}
	if err := <-done; err != nil {
		t.Fatalf("Inject() once there was room = %v", err)
	}
	for i := 1; i < umockdev.MaxQueued; i++ {
		if got, want := read(t, ctx, d, 64), []byte{1, byte(i), 0}; !bytes.Equal(got, want) {
			t.Fatalf("read %d = % x, want % x", i, got, want)
		}
	}
	if got, want := read(t, ctx, d, 64), []byte{2, 0x01, 0x00}; !bytes.Equal(got, want) {
		t.Errorf("last read = % x, want % x", got, want)
	}
}

// WaitRead returns once the reader took every report, and not before.
func TestWaitRead(t *testing.T) {
	ctx := testContext(t)
	_, h := addHandset(t)
	d := open(t, h)
	for _, r := range [][]byte{{2, 0x01, 0x00}, {2, 0x00, 0x00}} {
		if err := h.Inject(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	err := h.WaitRead(cancelled)
	if want := fmt.Sprintf("umockdev: %s: 2 injected reports unread: context canceled", h.DevNode); err == nil || err.Error() != want || !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitRead() with 2 reports unread = %v, want %s", err, want)
	}
	done := make(chan error, 1)
	go func() { done <- h.WaitRead(ctx) }()
	read(t, ctx, d, 64)
	read(t, ctx, d, 64)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// Unplug drops what was not read: the reader sees the hangup, and the
// handset refuses further reports.
func TestUnplugDropsUnread(t *testing.T) {
	ctx := testContext(t)
	_, h := addHandset(t)
	d := open(t, h)
	if err := h.Inject(ctx, []byte{2, 0x01, 0x00}); err != nil {
		t.Fatal(err)
	}
	if err := h.Unplug(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.ReadReport(ctx, make([]byte, 64)); !errors.Is(err, hid.ErrDisconnected) {
		t.Errorf("ReadReport() after unplug = %v, want hid.ErrDisconnected", err)
	}
	if err := h.Inject(ctx, []byte{2, 0x00, 0x00}); !errors.Is(err, umockdev.ErrUnplugged) {
		t.Errorf("Inject() after unplug = %v, want ErrUnplugged", err)
	}
	if err := h.WaitRead(ctx); !errors.Is(err, umockdev.ErrUnplugged) {
		t.Errorf("WaitRead() after unplug = %v, want ErrUnplugged", err)
	}
	if _, err := h.Pending(); !errors.Is(err, umockdev.ErrUnplugged) {
		t.Errorf("Pending() after unplug = %v, want ErrUnplugged", err)
	}
}

// The replugged handset's node starts empty and reads one report each.
func TestReplugReadsOneEach(t *testing.T) {
	ctx := testContext(t)
	tb, h := addHandset(t)
	if err := h.Inject(ctx, []byte{2, 0x01, 0x00}); err != nil {
		t.Fatal(err)
	}
	if err := h.Unplug(); err != nil {
		t.Fatal(err)
	}
	h2, err := tb.Replug(h)
	if err != nil {
		t.Fatal(err)
	}
	d := open(t, h2)
	if n := pending(t, h2); n != 0 {
		t.Errorf("Pending() after replug = %d, want 0", n)
	}
	for _, r := range [][]byte{{2, 0x05, 0x00}, {1, 0x01, 0x00}} {
		if err := h2.Inject(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range [][]byte{{2, 0x05, 0x00}, {1, 0x01, 0x00}} {
		if got := read(t, ctx, d, 64); !bytes.Equal(got, want) {
			t.Errorf("read = % x, want % x", got, want)
		}
	}
}

// BenchmarkInjectRead measures one report from Inject to the reader's
// ReadReport through the simulated node.
func BenchmarkInjectRead(b *testing.B) {
	ctx := context.Background()
	tb, err := umockdev.New()
	if err != nil {
		b.Fatal(err)
	}
	defer tb.Close()
	spec, err := umockdev.SpecFromFile(jabra)
	if err != nil {
		b.Fatal(err)
	}
	h, err := tb.AddHandset(spec)
	if err != nil {
		b.Fatal(err)
	}
	d, err := hidraw.Open(h.DevNode)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	rep := []byte{2, 0x01, 0x00}
	buf := make([]byte, 64)
	for b.Loop() {
		if err := h.Inject(ctx, rep); err != nil {
			b.Fatal(err)
		}
		if n, err := d.ReadReport(ctx, buf); err != nil || n != len(rep) {
			b.Fatalf("ReadReport() = %d, %v", n, err)
		}
	}
}

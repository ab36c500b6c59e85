package telephony

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"handsetd/devices"
	"handsetd/hid"
	"handsetd/internal/clock"
)

// nopDevice is a hid.Device that only has a descriptor: writes vanish,
// reads block. The fuzzer and the benchmarks feed reports to the driver
// directly.
type nopDevice struct{ desc []byte }

func (d nopDevice) ReadReport(ctx context.Context, _ []byte) (int, error) {
	<-ctx.Done()
	return 0, ctx.Err()
}
func (nopDevice) WriteOutput([]byte) error            { return nil }
func (nopDevice) GetFeature([]byte) (int, error)      { return 0, nil }
func (nopDevice) SetFeature([]byte) error             { return nil }
func (d nopDevice) ReportDescriptor() ([]byte, error) { return d.desc, nil }
func (nopDevice) Close() error                        { return nil }

var _ hid.Device = nopDevice{}

// balance checks that keys go down and up in pairs.
type balance struct {
	t    *testing.T
	down map[devices.Event]bool
}

func (b *balance) emit(e devices.Event) {
	k := devices.Event{Key: e.Key, Button: e.Button}
	switch e.Kind {
	case devices.KeyDown:
		if b.down[k] {
			b.t.Fatalf("second KeyDown %v without KeyUp", e)
		}
		b.down[k] = true
	case devices.KeyUp:
		if !b.down[k] {
			b.t.Fatalf("KeyUp %v without KeyDown", e)
		}
		delete(b.down, k)
	}
	if (e.Kind == devices.KeyDown || e.Kind == devices.KeyUp) && !devices.ValidKeyName(e.Key) {
		b.t.Fatalf("invalid key name in %v", e)
	}
}

// FuzzDriver feeds a descriptor and a stream of reports to the driver. The
// stream is split into reports by a length byte; the byte after a report
// says how far to move the clock. Nothing may panic, and keys must pair.
func FuzzDriver(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "hid", "*.rdesc"))
	for _, name := range files {
		desc, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(desc, []byte{3, 2, 0x01, 0, 10, 3, 2, 0x81, 0x02, 1, 3, 2, 0x05, 0, 0, 3, 2, 0, 0, 200})
		f.Add(desc, []byte{2, 8, 0x02, 1, 2, 8, 0x06, 0, 2, 8, 0x03, 1, 2, 1, 0x05, 2, 2, 2, 0x24, 0})
	}
	f.Add(synthetic, []byte{1, 1, 0, 1, 0, 0, 1, 2, 0})
	f.Fuzz(func(t *testing.T, desc, stream []byte) {
		clk := clock.NewFake()
		h, err := Open(nopDevice{desc}, devices.Info{}, nil, Options{Clock: clk, HookOnIgnoreAfterAnswer: 50 * time.Millisecond})
		if err != nil {
			return
		}
		b := &balance{t: t, down: map[devices.Event]bool{}}
		vals := make([]hid.Value, 0, h.dec.MaxValues())
		for len(stream) > 0 {
			n := min(int(stream[0]), len(stream)-1)
			report := stream[1 : 1+n]
			stream = stream[1+n:]
			vals, _ = h.handle(report, vals, b.emit)
			if len(stream) > 0 {
				clk.Advance(time.Duration(stream[0]) * time.Millisecond)
				if stream[0] > 100 {
					h.hookWindowClosed(b.emit)
				}
				stream = stream[1:]
			}
		}
		for _, ind := range h.Indicators() {
			if err := h.SetIndicator(ind, true); err != nil {
				t.Fatalf("SetIndicator(%v): %v", ind, err)
			}
		}
		h.releaseAll(b.emit)
		if len(b.down) != 0 {
			t.Fatalf("keys left down: %v", b.down)
		}
		if err := h.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

// BenchmarkReport measures one input report turned into events: a Jabra
// flash press and release (relative: KeyDown and KeyUp at once), with no
// output written.
func BenchmarkReport(b *testing.B) {
	desc, err := os.ReadFile(filepath.Join("..", "..", "testdata", "hid", "0b0e-0307.rdesc"))
	if err != nil {
		b.Fatal(err)
	}
	h, err := Open(nopDevice{desc}, devices.Info{}, nil, Options{Debounce: -1})
	if err != nil {
		b.Fatal(err)
	}
	reports := [][]byte{{2, 0x09, 0}, {2, 0x01, 0}}
	vals := make([]hid.Value, 0, h.dec.MaxValues())
	events := 0
	emit := func(devices.Event) { events++ }
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		vals, _ = h.handle(reports[i&1], vals, emit)
	}
	if events == 0 {
		b.Fatal("no events")
	}
}

// BenchmarkHookAck measures a hook change with its LED acknowledgement
// (encode and write of the shared output report).
func BenchmarkHookAck(b *testing.B) {
	desc, err := os.ReadFile(filepath.Join("..", "..", "testdata", "hid", "0b0e-0307.rdesc"))
	if err != nil {
		b.Fatal(err)
	}
	h, err := Open(nopDevice{desc}, devices.Info{}, nil, Options{Debounce: -1})
	if err != nil {
		b.Fatal(err)
	}
	reports := [][]byte{{2, 0x01, 0}, {2, 0, 0}}
	vals := make([]hid.Value, 0, h.dec.MaxValues())
	emit := func(devices.Event) {}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		vals, _ = h.handle(reports[i&1], vals, emit)
	}
}

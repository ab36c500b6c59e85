package hidtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"handsetd/hid"
)

// Sentinel errors.
var (
	// ErrClosed is returned by every call after Close.
	ErrClosed = errors.New("hidtest: device closed")
	// ErrUnexpected is returned by a write that strict mode did not expect.
	ErrUnexpected = errors.New("hidtest: unexpected write")
	// ErrNoFeature is returned by GetFeature for a report id that was not
	// set with SetFeatureReport.
	ErrNoFeature = errors.New("hidtest: no such feature report")
)

// Kind says how a report was written.
type Kind uint8

// Kinds of writes.
const (
	Output  Kind = iota + 1 // WriteOutput: an output report
	Feature                 // SetFeature: a feature report
)

func (k Kind) String() string {
	switch k {
	case Output:
		return "output"
	case Feature:
		return "feature"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Write is one report the driver sent. Data starts with the report id (0
// when the device uses none), as passed to WriteOutput or SetFeature.
type Write struct {
	Kind Kind
	Data []byte
}

// Out and Feat build expected writes for Expect.
func Out(data ...byte) Write  { return Write{Output, data} }
func Feat(data ...byte) Write { return Write{Feature, data} }

func (w Write) String() string { return fmt.Sprintf("%s % x", w.Kind, w.Data) }

// Equal reports whether two writes are the same.
func (w Write) Equal(o Write) bool { return w.Kind == o.Kind && bytes.Equal(w.Data, o.Data) }

// Device is a fake hid.Device. It is safe for concurrent use: a driver
// goroutine reads and writes while the test pushes and inspects.
type Device struct {
	desc []byte
	t    testing.TB // for strict mode; nil otherwise

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced on every state change
	queue     [][]byte
	waiting   int // readers blocked on an empty queue
	reads     int // reports handed out
	unplugged bool
	closed    bool
	writes    []Write
	expected  []Write // strict mode: writes still to come, in order
	failN     int     // writes left to fail; -1 fails all
	failErr   error
	features  map[byte][]byte
}

var _ hid.Device = (*Device)(nil)

// New returns a fake device with the given report descriptor. Writes are
// recorded and never checked.
func New(desc []byte) *Device {
	return &Device{desc: slices.Clone(desc), changed: make(chan struct{}), features: map[byte][]byte{}}
}

// NewStrict returns a fake device that checks writes against Expect: an
// unexpected write fails t and returns ErrUnexpected to the driver. Call
// Verify at the end of the test to check that no expected write is
// missing.
func NewStrict(t testing.TB, desc []byte) *Device {
	d := New(desc)
	d.t = t
	return d
}

// broadcast wakes every waiter; d.mu must be held.
func (d *Device) broadcast() {
	close(d.changed)
	d.changed = make(chan struct{})
}

// Push queues one input report for ReadReport. When the descriptor uses
// report ids, report[0] is the id. Reports are delivered in order, one per
// read, even after Unplug.
func (d *Device) Push(report []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.queue = append(d.queue, slices.Clone(report))
	d.broadcast()
}

// Unplug disconnects the device: once the reports already pushed have been
// read, reads return hid.ErrDisconnected, and so do writes at once.
func (d *Device) Unplug() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.unplugged = true
	d.broadcast()
}

// FailWrites makes the next n writes (all of them when n < 0) fail with
// err instead of being recorded. FailWrites(0, nil) stops failing.
func (d *Device) FailWrites(n int, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.failN, d.failErr = n, err
}

// SetFeatureReport sets what GetFeature returns for report id report[0].
func (d *Device) SetFeatureReport(report []byte) {
	if len(report) == 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.features[report[0]] = slices.Clone(report)
}

// Expect appends writes that strict mode expects, in order.
func (d *Device) Expect(w ...Write) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, x := range w {
		d.expected = append(d.expected, Write{x.Kind, slices.Clone(x.Data)})
	}
}

// Verify fails t if an expected write has not happened.
func (d *Device) Verify(t testing.TB) {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, w := range d.expected {
		t.Errorf("hidtest: expected write never happened: %v", w)
	}
}

// Writes returns a copy of every write recorded so far, in order.
func (d *Device) Writes() []Write {
	d.mu.Lock()
	defer d.mu.Unlock()
	return cloneWrites(d.writes)
}

// ResetWrites forgets the writes recorded so far.
func (d *Device) ResetWrites() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.writes = nil
}

// Reads returns how many input reports the driver has read.
func (d *Device) Reads() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.reads
}

// Closed reports whether Close was called.
func (d *Device) Closed() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.closed
}

func cloneWrites(ws []Write) []Write {
	out := make([]Write, len(ws))
	for i, w := range ws {
		out[i] = Write{w.Kind, slices.Clone(w.Data)}
	}
	return out
}

// WaitWrites blocks until at least n writes have been recorded, and
// returns them all; or returns ctx's error.
func (d *Device) WaitWrites(ctx context.Context, n int) ([]Write, error) {
	return d.wait(ctx, func() bool { return len(d.writes) >= n }, func() []Write { return cloneWrites(d.writes) })
}

// WaitIdle blocks until every pushed report has been read and a reader is
// blocked waiting for the next one, or ctx ends. For a driver that reads
// from one goroutine, it means the driver has finished handling what was
// pushed.
func (d *Device) WaitIdle(ctx context.Context) error {
	_, err := d.wait(ctx, func() bool { return len(d.queue) == 0 && d.waiting > 0 }, func() []Write { return nil })
	return err
}

func (d *Device) wait(ctx context.Context, cond func() bool, result func() []Write) ([]Write, error) {
	for {
		d.mu.Lock()
		if cond() {
			r := result()
			d.mu.Unlock()
			return r, nil
		}
		ch := d.changed
		d.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, fmt.Errorf("hidtest: wait: %w", ctx.Err())
		}
	}
}

// ReadReport implements hid.Device. Like a hidraw read, a report longer
// than p is truncated to len(p).
func (d *Device) ReadReport(ctx context.Context, p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	counted := false
	defer func() {
		if counted {
			d.waiting--
		}
	}()
	for {
		switch {
		case d.closed:
			return 0, ErrClosed
		case len(d.queue) > 0:
			r := d.queue[0]
			d.queue = d.queue[1:]
			d.reads++
			d.broadcast()
			return copy(p, r), nil
		case d.unplugged:
			return 0, fmt.Errorf("hidtest: read: %w", hid.ErrDisconnected)
		}
		if !counted {
			counted = true
			d.waiting++
			d.broadcast()
		}
		ch := d.changed
		d.mu.Unlock()
		select {
		case <-ch:
			d.mu.Lock()
		case <-ctx.Done():
			d.mu.Lock()
			return 0, ctx.Err()
		}
	}
}

// WriteOutput implements hid.Device.
func (d *Device) WriteOutput(p []byte) error { return d.write(Output, p) }

// SetFeature implements hid.Device.
func (d *Device) SetFeature(p []byte) error { return d.write(Feature, p) }

func (d *Device) write(k Kind, p []byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	w := Write{k, slices.Clone(p)}
	switch {
	case d.closed:
		return ErrClosed
	case d.unplugged:
		return fmt.Errorf("hidtest: write: %w", hid.ErrDisconnected)
	case len(p) == 0:
		return fmt.Errorf("hidtest: empty %s report", k)
	case d.failN != 0:
		if d.failN > 0 {
			d.failN--
		}
		return d.failErr
	}
	if d.t != nil {
		if len(d.expected) == 0 || !d.expected[0].Equal(w) {
			want := "nothing"
			if len(d.expected) > 0 {
				want = d.expected[0].String()
			}
			d.t.Errorf("hidtest: unexpected write %v, want %s", w, want)
			return fmt.Errorf("%w: %v", ErrUnexpected, w)
		}
		d.expected = d.expected[1:]
	}
	d.writes = append(d.writes, w)
	d.broadcast()
	return nil
}

// GetFeature implements hid.Device: it returns the report set with
// SetFeatureReport for id p[0].
func (d *Device) GetFeature(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.closed:
		return 0, ErrClosed
	case d.unplugged:
		return 0, fmt.Errorf("hidtest: get feature: %w", hid.ErrDisconnected)
	case len(p) == 0:
		return 0, errors.New("hidtest: get feature: empty buffer")
	}
	r, ok := d.features[p[0]]
	if !ok {
		return 0, fmt.Errorf("%w: id %d", ErrNoFeature, p[0])
	}
	return copy(p, r), nil
}

// ReportDescriptor implements hid.Device.
func (d *Device) ReportDescriptor() ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, ErrClosed
	}
	return slices.Clone(d.desc), nil
}

// Close implements hid.Device. Blocked reads return ErrClosed. Closing
// again is allowed and returns nil, so that a test can close a device its
// driver has already closed.
func (d *Device) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	d.broadcast()
	return nil
}

package telephony

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"handsetd/devices"
	"handsetd/devices/models"
	"handsetd/hid/hidtest"
	"handsetd/internal/clock"
)

// readDesc reads a real descriptor from the project's testdata.
func readDesc(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "hid", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rig runs a Handset on a hidtest.Device with a fake clock and collects
// its events.
type rig struct {
	t      *testing.T
	dev    *hidtest.Device
	h      *Handset
	clk    *clock.Fake
	events chan devices.Event
	cancel context.CancelFunc
	done   chan error
	logs   *logBuffer
}

func modelFor(t testing.TB, vid, pid uint16) *models.Model {
	t.Helper()
	db, err := models.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	m, ok := db.Lookup(vid, pid)
	if !ok {
		t.Fatalf("%04x:%04x not in the model database", vid, pid)
	}
	return m
}

func newRig(t *testing.T, desc []byte, model *models.Model, opts Options) *rig {
	t.Helper()
	r := &rig{t: t, dev: hidtest.New(desc), clk: clock.NewFake(), events: make(chan devices.Event, 1000), logs: &logBuffer{}}
	opts.Clock = r.clk
	opts.Logger = slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h, err := Open(r.dev, devices.Info{Path: "/dev/hidraw-test"}, model, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	r.h = h
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.done = make(chan error, 1)
	go func() { r.done <- h.Run(ctx, func(e devices.Event) { r.events <- e }) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after cancel")
		}
		_ = h.Close()
	})
	r.idle()
	return r
}

func (r *rig) idle() {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.dev.WaitIdle(ctx); err != nil {
		r.t.Fatalf("driver did not go idle: %v", err)
	}
}

// push advances the clock by 100 ms (well past any debounce), plays the
// reports and waits until the driver has handled them.
func (r *rig) push(reports ...[]byte) {
	r.t.Helper()
	r.pushAfter(100*time.Millisecond, reports...)
}

func (r *rig) pushAfter(d time.Duration, reports ...[]byte) {
	r.t.Helper()
	for _, rep := range reports {
		r.clk.Advance(d)
		r.dev.Push(rep)
		r.idle()
	}
}

// got returns the events emitted so far, as strings.
func (r *rig) got() []string {
	var out []string
	for {
		select {
		case e := <-r.events:
			out = append(out, e.String())
		default:
			return out
		}
	}
}

func (r *rig) expect(want ...string) {
	r.t.Helper()
	got := r.got()
	if strings.Join(got, "|") != strings.Join(want, "|") {
		r.t.Fatalf("events\n got %q\nwant %q", got, want)
	}
}

// waitEvent waits for one event emitted asynchronously (a timer).
func (r *rig) waitEvent() string {
	r.t.Helper()
	select {
	case e := <-r.events:
		return e.String()
	case <-time.After(10 * time.Second):
		r.t.Fatal("no event")
		return ""
	}
}

// writes returns the writes since the last call, as hex strings.
func (r *rig) writes() []string {
	ws := r.dev.Writes()
	r.dev.ResetWrites()
	var out []string
	for _, w := range ws {
		if w.Kind != hidtest.Output {
			r.t.Fatalf("unexpected %v", w)
		}
		out = append(out, fmt.Sprintf("% x", w.Data))
	}
	return out
}

func (r *rig) expectWrites(want ...string) {
	r.t.Helper()
	got := r.writes()
	if strings.Join(got, "|") != strings.Join(want, "|") {
		r.t.Fatalf("writes\n got %q\nwant %q", got, want)
	}
}

// stop unplugs or cancels and returns Run's error.
func (r *rig) wait() error {
	r.t.Helper()
	select {
	case err := <-r.done:
		r.done <- err // for the cleanup
		return err
	case <-time.After(10 * time.Second):
		r.t.Fatal("Run did not return")
		return nil
	}
}

// logBuffer is a concurrency-safe log sink.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) count(substr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.buf.String(), substr)
}

var errBoom = errors.New("boom")

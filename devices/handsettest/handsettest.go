package handsettest

import (
	"bytes"
	"context"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"

	"handsetd/devices"
)

// Timeout bounds every wait. It only keeps a broken driver from hanging
// the test run; a correct one is far quicker.
const Timeout = 5 * time.Second

// Runner is a running Handset.Run.
type Runner struct {
	t      testing.TB
	cancel context.CancelFunc
	done   chan struct{} // closed when Run returned; err is set then

	mu      sync.Mutex
	events  []devices.Event
	changed chan struct{} // closed and replaced when an event comes
	err     error
}

// Start calls h.Run in a new goroutine. At the end of the test the
// goroutine is cancelled and waited for.
func Start(t testing.TB, h devices.Handset) *Runner {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &Runner{t: t, cancel: cancel, done: make(chan struct{}), changed: make(chan struct{})}
	go func() {
		err := h.Run(ctx, r.emit)
		r.mu.Lock()
		r.err = err
		r.mu.Unlock()
		close(r.done)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(Timeout):
			t.Errorf("Run did not return within %v of the end of the test", Timeout)
		}
	})
	return r
}

func (r *Runner) emit(e devices.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	close(r.changed)
	r.changed = make(chan struct{})
}

// TryNext returns the next event if Run has emitted one.
func (r *Runner) TryNext() (devices.Event, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.events) == 0 {
		return devices.Event{}, false
	}
	e := r.events[0]
	r.events = r.events[1:]
	return e, true
}

// Next waits for the next event. Run returning with no event left fails
// the test.
func (r *Runner) Next() devices.Event {
	r.t.Helper()
	deadline := time.After(Timeout)
	for {
		r.mu.Lock()
		var e devices.Event
		ok := len(r.events) > 0
		if ok {
			e, r.events = r.events[0], r.events[1:]
		}
		wait := r.changed // taken with the check: no event slips in between
		r.mu.Unlock()
		if ok {
			return e
		}
		select {
		case <-wait:
		case <-r.done:
			if e, ok := r.TryNext(); ok {
				return e
			}
			r.t.Fatalf("Run returned %v while an event was expected", r.err)
		case <-deadline:
			r.t.Fatalf("no event within %v", Timeout)
		}
	}
}

// Expect checks that the next events are want, in order.
func (r *Runner) Expect(want ...devices.Event) {
	r.t.Helper()
	for _, w := range want {
		if got := r.Next(); got != w {
			r.t.Fatalf("event %v, want %v", got, w)
		}
	}
}

// Cancel cancels Run's context.
func (r *Runner) Cancel() { r.cancel() }

// Wait returns Run's result once it returned.
func (r *Runner) Wait() error {
	r.t.Helper()
	select {
	case <-r.done:
	case <-time.After(Timeout):
		r.t.Fatalf("Run did not return within %v", Timeout)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Down and Up build the events of a key.
func Down(key string, b devices.Button) devices.Event {
	return devices.Event{Kind: devices.KeyDown, Key: key, Button: b}
}

// Up is the KeyUp of a key; see Down.
func Up(key string, b devices.Button) devices.Event {
	return devices.Event{Kind: devices.KeyUp, Key: key, Button: b}
}

// Log collects a driver's log for a test to read; drivers log from
// several goroutines.
type Log struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Logger returns a text logger writing to l.
func (l *Log) Logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

func (l *Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *Log) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// GoroutinesSettle waits until no more than base goroutines run, and
// fails the test with their stacks if that does not happen.
func GoroutinesSettle(t testing.TB, base int) {
	t.Helper()
	deadline := time.Now().Add(Timeout)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines left, want %d:\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(time.Millisecond)
	}
}

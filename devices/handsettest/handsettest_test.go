package handsettest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"handsetd/devices"
)

// scripted emits its events, then waits for its context or returns err.
type scripted struct {
	devices.Handset
	events []devices.Event
	err    error
}

func (s *scripted) Run(ctx context.Context, emit func(devices.Event)) error {
	for _, e := range s.events {
		emit(e)
	}
	if s.err != nil {
		return s.err
	}
	<-ctx.Done()
	emit(Up("5", devices.ButtonKey)) // released on the way out
	return ctx.Err()
}

func TestEventsBeforeResult(t *testing.T) {
	gone := errors.New("test: gone")
	r := Start(t, &scripted{events: []devices.Event{{Kind: devices.HookOff}, Down("1", devices.ButtonKey)}, err: gone})
	if err := r.Wait(); err != gone {
		t.Fatalf("Wait = %v, want %v", err, gone)
	}
	// Run has returned, and its events still come first.
	r.Expect(devices.Event{Kind: devices.HookOff}, Down("1", devices.ButtonKey))
	if e, ok := r.TryNext(); ok {
		t.Fatalf("extra event %v", e)
	}
}

func TestCancelReleases(t *testing.T) {
	r := Start(t, &scripted{events: []devices.Event{Down("5", devices.ButtonKey)}})
	r.Expect(Down("5", devices.ButtonKey))
	r.Cancel()
	r.Expect(Up("5", devices.ButtonKey))
	if err := r.Wait(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want context.Canceled", err)
	}
}

func TestLog(t *testing.T) {
	var l Log
	l.Logger().Warn("dropped", "n", 3)
	if got := l.String(); !strings.Contains(got, `level=WARN msg=dropped n=3`) {
		t.Fatalf("log %q", got)
	}
}

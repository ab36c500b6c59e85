package usbiotest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"handsetd/devices"
	"handsetd/devices/usbio"
)

// Link is the shared half of a simulated phone. The phone keeps its state
// in its own fields and touches them only inside the functions it passes
// to Link, which run with the Link's lock held.
type Link struct {
	name string
	intf uint16

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change
	gone    bool
	closed  bool
	bad     []string
}

// New returns the link of a phone whose errors start with name and whose
// HID interface, the wIndex of its SET_REPORT requests, is intf.
func New(name string, intf uint16) *Link {
	return &Link{name: name, intf: intf, changed: make(chan struct{})}
}

func (l *Link) notifyLocked() {
	close(l.changed)
	l.changed = make(chan struct{})
}

func (l *Link) usableLocked() error {
	switch {
	case l.closed:
		return usbio.ErrClosed
	case l.gone:
		return fmt.Errorf("%s: %w", l.name, devices.ErrGone)
	}
	return nil
}

// Update runs f with the lock held, then wakes every blocked read and
// wait to look again.
func (l *Link) Update(f func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f()
	l.notifyLocked()
}

// View returns f's result, computed with l's lock held.
func View[T any](l *Link, f func() T) T {
	l.mu.Lock()
	defer l.mu.Unlock()
	return f()
}

// Control is usbio.Transport.Control for a phone that takes only
// SET_REPORT: it refuses any other request and passes the report to
// handle, with the lock held. handle refuses what the phone would stall
// on with Refuse. Every accepted report wakes the waiters.
func (l *Link) Control(ctx context.Context, reqType, req uint8, val, idx uint16, data []byte, handle func(report []byte) error) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.usableLocked(); err != nil {
		return 0, err
	}
	if reqType != usbio.RequestTypeClassInterfaceOut || req != usbio.RequestSetReport ||
		val != usbio.ValueOutputReport0 || idx != l.intf {
		return 0, l.Refuse("request %#02x/%#02x value %#04x index %d", reqType, req, val, idx)
	}
	if err := handle(data); err != nil {
		return 0, err
	}
	l.notifyLocked()
	return len(data), nil
}

// Refuse records what the phone refused and returns the stall the host
// sees. Call it only with the lock held: from Control's handle.
func (l *Link) Refuse(format string, a ...any) error {
	msg := fmt.Sprintf(format, a...)
	l.bad = append(l.bad, msg)
	return fmt.Errorf("%s: stall: %s", l.name, msg)
}

// Read is usbio.Transport.ReadInterrupt: it blocks until next, called
// with the lock held whenever the state changed, has a transfer, or ctx
// ends, or the phone is unplugged or closed.
func (l *Link) Read(ctx context.Context, p []byte, next func() ([]byte, bool)) (int, error) {
	for {
		l.mu.Lock()
		if err := l.usableLocked(); err != nil {
			l.mu.Unlock()
			return 0, err
		}
		if b, ok := next(); ok {
			n := copy(p, b)
			l.mu.Unlock()
			return n, nil
		}
		wait := l.changed
		l.mu.Unlock()
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-wait:
		}
	}
}

// Wait blocks until cond, called with the lock held whenever the state
// changed, holds, or ctx ends (it then returns ctx.Err()). Tests wait on
// the phone's state instead of sleeping.
func (l *Link) Wait(ctx context.Context, cond func() bool) error {
	for {
		l.mu.Lock()
		ok, wait := cond(), l.changed
		l.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wait:
		}
	}
}

// Unplug makes every pending and later call fail with devices.ErrGone.
func (l *Link) Unplug() { l.Update(func() { l.gone = true }) }

// Close is usbio.Transport.Close: every later call fails with
// usbio.ErrClosed. It is safe to call more than once.
func (l *Link) Close() error {
	l.Update(func() { l.closed = true })
	return nil
}

// Closed reports whether the host closed the transport.
func (l *Link) Closed() bool { return View(l, func() bool { return l.closed }) }

// Bad lists what the phone refused; a correct host makes it refuse
// nothing.
func (l *Link) Bad() []string { return View(l, func() []string { return slices.Clone(l.bad) }) }

// Toggle is one change of an on/off output.
type Toggle struct {
	At time.Time
	On bool
}

// Switch is an on/off output of a phone and the log of its changes. Its
// owner guards it (with a Link's lock).
type Switch struct {
	On  bool
	Log []Toggle
}

// Set switches to on at time at, logging only a change.
func (s *Switch) Set(at time.Time, on bool) {
	if on != s.On {
		s.On = on
		s.Log = append(s.Log, Toggle{At: at, On: on})
	}
}

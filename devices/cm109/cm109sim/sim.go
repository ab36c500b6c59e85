// Package cm109sim is a simulated CM109 phone: the device side of the
// protocol that package cm109 drives, behind the same usbio.Transport as
// the real device, so that tests run the driver end to end without
// hardware.
//
// It models what cm109.c relies on: a keypad matrix whose rows read back in
// IR1's high nibble for the columns the host drives (OR1 value and OR2
// direction), the driven columns echoed in IR1's low nibble, the IR0
// buttons, and the buzzer bit of OR0. Like the chip, it sends an input
// report only when its inputs differ from the last one it sent, so a read
// blocks while nothing changes. Every output report is recorded with the
// time of the simulation's clock.
package cm109sim

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"handsetd/devices"
	"handsetd/devices/cm109"
	"handsetd/devices/usbio"
	"handsetd/internal/clock"
)

// Output is one output report the host sent.
type Output struct {
	At     time.Time
	Report [cm109.ReportLen]byte
}

// Toggle is one change of the buzzer.
type Toggle struct {
	At time.Time
	On bool
}

// Sim is a simulated CM109 phone. It implements usbio.Transport.
type Sim struct {
	clk  clock.Clock
	intf uint16

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced on every state change
	pressed   map[uint8]bool
	special   uint8
	out       cm109.Output
	outputs   []Output
	buzz      []Toggle
	delivered *[cm109.ReportLen]byte
	answered  bool // an output report followed the last input report
	raw       [][]byte
	gone      bool
	closed    bool
	bad       []string
}

var _ usbio.Transport = (*Sim)(nil)

// New returns a phone with no key pressed and all columns undriven, on
// HID interface cm109.DefaultInterface. clk stamps the recorded outputs.
func New(clk clock.Clock) *Sim {
	return &Sim{clk: clk, intf: cm109.DefaultInterface, changed: make(chan struct{}), pressed: map[uint8]bool{}}
}

func (s *Sim) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Press holds down the key at scancode sc (row bit in the high nibble,
// column bit in the low nibble, as in the kernel's key maps).
func (s *Sim) Press(sc uint8) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pressed[sc] = true
	s.notifyLocked()
}

// Release lets go of the key at scancode sc.
func (s *Sim) Release(sc uint8) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.pressed, sc)
	s.notifyLocked()
}

// SetSpecial sets the IR0 buttons held down (cm109.RecordMute, ...).
func (s *Sim) SetSpecial(bits uint8) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.special = bits & 0x0f
	s.notifyLocked()
}

// InjectRaw queues p to be delivered as the next input transfer, as is:
// a malformed report.
func (s *Sim) InjectRaw(p []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.raw = append(s.raw, slices.Clone(p))
	s.notifyLocked()
}

// Unplug makes every pending and later call fail with devices.ErrGone.
func (s *Sim) Unplug() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gone = true
	s.notifyLocked()
}

// inputLocked is what the chip would report now.
func (s *Sim) inputLocked() [cm109.ReportLen]byte {
	cols := s.out.Columns
	rows := uint8(0)
	for sc := range s.pressed {
		if sc&0x0f&cols != 0 {
			rows |= sc & 0xf0
		}
	}
	return [cm109.ReportLen]byte{s.special, rows | cols, 0, 0}
}

// Control implements usbio.Transport: it accepts only the SET_REPORT that
// cm109.c sends and records the bad requests otherwise (see Bad).
func (s *Sim) Control(ctx context.Context, reqType, req uint8, val, idx uint16, data []byte) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usableLocked(); err != nil {
		return 0, err
	}
	if reqType != usbio.RequestTypeClassInterfaceOut || req != usbio.RequestSetReport ||
		val != usbio.ValueOutputReport0 || idx != s.intf {
		s.bad = append(s.bad, fmt.Sprintf("request %#02x/%#02x value %#04x index %d", reqType, req, val, idx))
		return 0, fmt.Errorf("cm109sim: stall: unexpected request %#02x/%#02x", reqType, req)
	}
	o, err := cm109.ParseOutput(data)
	if err != nil {
		s.bad = append(s.bad, err.Error())
		return 0, fmt.Errorf("cm109sim: stall: %w", err)
	}
	now := s.clk.Now()
	s.outputs = append(s.outputs, Output{At: now, Report: [cm109.ReportLen]byte(data)})
	if o.Buzzer != s.out.Buzzer {
		s.buzz = append(s.buzz, Toggle{At: now, On: o.Buzzer})
	}
	s.out = o
	s.answered = true
	s.notifyLocked()
	return len(data), nil
}

func (s *Sim) usableLocked() error {
	switch {
	case s.closed:
		return usbio.ErrClosed
	case s.gone:
		return fmt.Errorf("cm109sim: %w", devices.ErrGone)
	}
	return nil
}

// ReadInterrupt implements usbio.Transport: it returns an injected
// transfer, or the input report once it differs from the last one sent.
func (s *Sim) ReadInterrupt(ctx context.Context, p []byte) (int, error) {
	for {
		s.mu.Lock()
		if err := s.usableLocked(); err != nil {
			s.mu.Unlock()
			return 0, err
		}
		if len(s.raw) > 0 {
			n := copy(p, s.raw[0])
			s.raw = s.raw[1:]
			s.mu.Unlock()
			return n, nil
		}
		in := s.inputLocked()
		if s.delivered == nil || *s.delivered != in {
			s.delivered = &in
			s.answered = false
			s.mu.Unlock()
			return copy(p, in[:]), nil
		}
		wait := s.changed
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-wait:
		}
	}
}

// WaitQuiet blocks until the host has read the current input state and
// answered it with an output report: from then on nothing happens until
// the phone's state changes. Tests use it instead of sleeping.
func (s *Sim) WaitQuiet(ctx context.Context) error {
	for {
		s.mu.Lock()
		in := s.inputLocked()
		quiet := s.delivered != nil && *s.delivered == in && s.answered && len(s.raw) == 0
		wait := s.changed
		s.mu.Unlock()
		if quiet {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cm109sim: host did not settle: %w", ctx.Err())
		case <-wait:
		}
	}
}

// Close implements usbio.Transport.
func (s *Sim) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.notifyLocked()
	return nil
}

// Closed reports whether the host closed the transport.
func (s *Sim) Closed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Buzzer reports whether the buzzer is sounding.
func (s *Sim) Buzzer() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.Buzzer
}

// BuzzerLog returns every buzzer change, with the clock's time.
func (s *Sim) BuzzerLog() []Toggle {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.buzz)
}

// Outputs returns every output report received.
func (s *Sim) Outputs() []Output {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.outputs)
}

// Columns is the keypad column mask the host drives now.
func (s *Sim) Columns() uint8 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.Columns
}

// Bad lists requests the device refused; a correct host makes none.
func (s *Sim) Bad() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.bad)
}

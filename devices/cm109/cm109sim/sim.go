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
	"time"

	"handsetd/devices/cm109"
	"handsetd/devices/usbio"
	"handsetd/devices/usbio/usbiotest"
	"handsetd/internal/clock"
)

// Output is one output report the host sent.
type Output struct {
	At     time.Time
	Report [cm109.ReportLen]byte
}

// Toggle is one change of the buzzer.
type Toggle = usbiotest.Toggle

// Sim is a simulated CM109 phone. It implements usbio.Transport.
type Sim struct {
	clk  clock.Clock
	link *usbiotest.Link

	// The phone's state, guarded by link.
	pressed   map[uint8]bool
	special   uint8
	out       cm109.Output
	outputs   []Output
	buzzer    usbiotest.Switch
	delivered *[cm109.ReportLen]byte
	answered  bool // an output report followed the last input report
	raw       [][]byte
}

var _ usbio.Transport = (*Sim)(nil)

// New returns a phone with no key pressed and all columns undriven, on
// HID interface cm109.DefaultInterface. clk stamps the recorded outputs.
func New(clk clock.Clock) *Sim {
	return &Sim{clk: clk, link: usbiotest.New("cm109sim", cm109.DefaultInterface), pressed: map[uint8]bool{}}
}

// Press holds down the key at scancode sc (row bit in the high nibble,
// column bit in the low nibble, as in the kernel's key maps).
func (s *Sim) Press(sc uint8) { s.link.Update(func() { s.pressed[sc] = true }) }

// Release lets go of the key at scancode sc.
func (s *Sim) Release(sc uint8) { s.link.Update(func() { delete(s.pressed, sc) }) }

// SetSpecial sets the IR0 buttons held down (cm109.RecordMute, ...).
func (s *Sim) SetSpecial(bits uint8) { s.link.Update(func() { s.special = bits & 0x0f }) }

// InjectRaw queues p to be delivered as the next input transfer, as is:
// a malformed report.
func (s *Sim) InjectRaw(p []byte) {
	s.link.Update(func() { s.raw = append(s.raw, slices.Clone(p)) })
}

// Unplug makes every pending and later call fail with devices.ErrGone.
func (s *Sim) Unplug() { s.link.Unplug() }

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
	return s.link.Control(ctx, reqType, req, val, idx, data, func(report []byte) error {
		o, err := cm109.ParseOutput(report)
		if err != nil {
			return s.link.Refuse("%v", err)
		}
		now := s.clk.Now()
		s.outputs = append(s.outputs, Output{At: now, Report: [cm109.ReportLen]byte(report)})
		s.buzzer.Set(now, o.Buzzer)
		s.out = o
		s.answered = true
		return nil
	})
}

// ReadInterrupt implements usbio.Transport: it returns an injected
// transfer, or the input report once it differs from the last one sent.
func (s *Sim) ReadInterrupt(ctx context.Context, p []byte) (int, error) {
	return s.link.Read(ctx, p, func() ([]byte, bool) {
		if len(s.raw) > 0 {
			b := s.raw[0]
			s.raw = s.raw[1:]
			return b, true
		}
		in := s.inputLocked()
		if s.delivered != nil && *s.delivered == in {
			return nil, false
		}
		s.delivered = &in
		s.answered = false
		return in[:], true
	})
}

// WaitQuiet blocks until the host has read the current input state and
// answered it with an output report: from then on nothing happens until
// the phone's state changes. Tests use it instead of sleeping.
func (s *Sim) WaitQuiet(ctx context.Context) error {
	err := s.link.Wait(ctx, func() bool {
		in := s.inputLocked()
		return s.delivered != nil && *s.delivered == in && s.answered && len(s.raw) == 0
	})
	if err != nil {
		return fmt.Errorf("cm109sim: host did not settle: %w", err)
	}
	return nil
}

// Close implements usbio.Transport.
func (s *Sim) Close() error { return s.link.Close() }

// Closed reports whether the host closed the transport.
func (s *Sim) Closed() bool { return s.link.Closed() }

// Buzzer reports whether the buzzer is sounding.
func (s *Sim) Buzzer() bool { return usbiotest.View(s.link, func() bool { return s.out.Buzzer }) }

// BuzzerLog returns every buzzer change, with the clock's time.
func (s *Sim) BuzzerLog() []Toggle {
	return usbiotest.View(s.link, func() []Toggle { return slices.Clone(s.buzzer.Log) })
}

// Outputs returns every output report received.
func (s *Sim) Outputs() []Output {
	return usbiotest.View(s.link, func() []Output { return slices.Clone(s.outputs) })
}

// Columns is the keypad column mask the host drives now.
func (s *Sim) Columns() uint8 { return usbiotest.View(s.link, func() uint8 { return s.out.Columns }) }

// Bad lists requests the device refused; a correct host makes none.
func (s *Sim) Bad() []string { return s.link.Bad() }

// Package yealinksim is a simulated Yealink USB-P1K: the device side of
// the packet protocol that package yealink drives, behind the same
// usbio.Transport as the real phone, so that tests run the driver end to
// end without hardware.
//
// It checks every packet the host sends (request fields, length,
// checksum, size and offset, INIT before use), answers KEYPRESS with the
// number of the key held down (0 for none) and SCANCODE with that key's
// scancode, keeps the display's segment bytes, the LED, dial tone, ring
// tone, ring volume and melody, and can queue malformed packets on the
// interrupt endpoint. Key numbers are the position of the scancode in
// Scancodes, counting from 1; the real phone's numbering is not known, and
// the driver only ever asks the phone to translate them.
package yealinksim

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"handsetd/devices"
	"handsetd/devices/usbio"
	"handsetd/devices/yealink"
	"handsetd/internal/clock"
)

// Scancodes lists the P1K's keys (docs/hid-telephony.md): 1 2 3 pickup
// OUT, 4 5 6 hangup C, 7 8 9 IN down, * 0 # up.
var Scancodes = []uint8{
	0x00, 0x01, 0x02, 0x03, 0x04,
	0x10, 0x11, 0x12, 0x13, 0x14,
	0x20, 0x21, 0x22, 0x23, 0x24,
	0x30, 0x31, 0x32, 0x33,
}

// NoKey is the scancode answered for a key number that has no key (the
// driver asks for key 0x1f+1 when no key is down).
const NoKey = 0xff

// Toggle is one change of a switch.
type Toggle struct {
	At time.Time
	On bool
}

// Sim is a simulated P1K. It implements usbio.Transport.
type Sim struct {
	clk clock.Clock

	mu       sync.Mutex
	changed  chan struct{}
	queue    [][]byte // interrupt IN transfers
	inited   bool
	keynum   uint8
	polls    int
	lcd      [yealink.LCDLen]byte
	led      bool
	dialtone bool
	ringtone bool
	ringLog  []Toggle
	ledLog   []Toggle
	volume   uint8
	notes    []byte
	received []yealink.Packet
	bad      []string
	deaf     bool
	gone     bool
	closed   bool
}

var _ usbio.Transport = (*Sim)(nil)

// New returns a phone with no key down, before INIT. clk stamps the
// recorded switch changes.
func New(clk clock.Clock) *Sim {
	return &Sim{clk: clk, changed: make(chan struct{})}
}

func (s *Sim) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Press holds down the key with scancode sc (one of Scancodes).
func (s *Sim) Press(sc uint8) {
	i := slices.Index(Scancodes, sc)
	if i < 0 {
		panic(fmt.Sprintf("yealinksim: no key with scancode %#02x", sc))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keynum = uint8(i + 1)
}

// Release lets go of the key.
func (s *Sim) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keynum = 0
}

// InjectRaw queues p on the interrupt endpoint, ahead of the replies to
// later commands.
func (s *Sim) InjectRaw(p []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, slices.Clone(p))
	s.notifyLocked()
}

// SetDeaf makes the phone ignore polls (no reply) while on.
func (s *Sim) SetDeaf(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deaf = on
}

// Unplug makes every pending and later call fail with devices.ErrGone.
func (s *Sim) Unplug() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gone = true
	s.notifyLocked()
}

func (s *Sim) usableLocked() error {
	switch {
	case s.closed:
		return usbio.ErrClosed
	case s.gone:
		return fmt.Errorf("yealinksim: %w", devices.ErrGone)
	}
	return nil
}

func (s *Sim) refuseLocked(format string, a ...any) error {
	msg := fmt.Sprintf(format, a...)
	s.bad = append(s.bad, msg)
	return fmt.Errorf("yealinksim: stall: %s", msg)
}

func (s *Sim) replyLocked(cmd uint8, offset uint16, val uint8) {
	r := yealink.Packet{Cmd: cmd, Size: 1, Offset: offset}
	r.Data[0] = val
	b := r.Bytes()
	s.queue = append(s.queue, b[:])
	s.notifyLocked()
}

// Control implements usbio.Transport: SET_REPORT of one packet to
// interface 3.
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
		val != usbio.ValueOutputReport0 || idx != yealink.Interface {
		return 0, s.refuseLocked("request %#02x/%#02x value %#04x index %d", reqType, req, val, idx)
	}
	p, err := yealink.ParsePacket(data)
	if err != nil {
		return 0, s.refuseLocked("%v", err)
	}
	s.received = append(s.received, p)
	if !s.inited && p.Cmd != yealink.CmdInit && p.Cmd != yealink.CmdRingVolume && p.Cmd != yealink.CmdRingNote {
		return 0, s.refuseLocked("%v before INIT", p)
	}
	now := s.clk.Now()
	switch p.Cmd {
	case yealink.CmdInit:
		s.inited = true
	case yealink.CmdKeypress:
		s.polls++
		if !s.deaf {
			s.replyLocked(yealink.CmdKeypress, 0, s.keynum)
		}
		s.notifyLocked()
	case yealink.CmdScancode:
		sc := uint8(NoKey)
		if int(p.Offset) < len(Scancodes) {
			sc = Scancodes[p.Offset]
		}
		if !s.deaf {
			s.replyLocked(yealink.CmdScancode, p.Offset, sc)
		}
	case yealink.CmdLCD:
		if p.Size == 0 || int(p.Offset)+int(p.Size) > yealink.LCDLen {
			return 0, s.refuseLocked("LCD write of %d bytes at %d", p.Size, p.Offset)
		}
		copy(s.lcd[p.Offset:], p.Data[:p.Size])
	case yealink.CmdLED:
		if on := p.Data[0] == yealink.LEDOn; on != s.led {
			s.led = on
			s.ledLog = append(s.ledLog, Toggle{now, on})
		}
	case yealink.CmdRingtone:
		if on := p.Data[0] == yealink.RingtoneOn; on != s.ringtone {
			s.ringtone = on
			s.ringLog = append(s.ringLog, Toggle{now, on})
		}
	case yealink.CmdDialtone:
		s.dialtone = p.Data[0] == yealink.DialtoneOn
	case yealink.CmdRingVolume:
		s.volume = p.Data[0]
	case yealink.CmdRingNote:
		end := int(p.Offset) + int(p.Size)
		if p.Size == 0 || end > 0x1000 {
			return 0, s.refuseLocked("ring notes of %d bytes at %d", p.Size, p.Offset)
		}
		if len(s.notes) < end {
			s.notes = append(s.notes, make([]byte, end-len(s.notes))...)
		}
		copy(s.notes[p.Offset:], p.Data[:p.Size])
	default:
		return 0, s.refuseLocked("unknown command %v", p)
	}
	return len(data), nil
}

// ReadInterrupt implements usbio.Transport: it returns the next queued
// packet.
func (s *Sim) ReadInterrupt(ctx context.Context, p []byte) (int, error) {
	for {
		s.mu.Lock()
		if err := s.usableLocked(); err != nil {
			s.mu.Unlock()
			return 0, err
		}
		if len(s.queue) > 0 {
			n := copy(p, s.queue[0])
			s.queue = s.queue[1:]
			s.mu.Unlock()
			return n, nil
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

// Close implements usbio.Transport.
func (s *Sim) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.notifyLocked()
	return nil
}

// WaitPolls blocks until the phone has received n key polls in all.
func (s *Sim) WaitPolls(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		got, wait := s.polls, s.changed
		s.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("yealinksim: %d polls, waited for %d: %w", got, n, ctx.Err())
		case <-wait:
		}
	}
}

func locked[T any](s *Sim, f func() T) T {
	s.mu.Lock()
	defer s.mu.Unlock()
	return f()
}

// Polls is the number of key polls received.
func (s *Sim) Polls() int { return locked(s, func() int { return s.polls }) }

// Inited reports whether INIT was received.
func (s *Sim) Inited() bool { return locked(s, func() bool { return s.inited }) }

// LCD returns the display's segment bytes.
func (s *Sim) LCD() [yealink.LCDLen]byte {
	return locked(s, func() [yealink.LCDLen]byte { return s.lcd })
}

// Line3 reads the twelve digits of line 3.
func (s *Sim) Line3() string { return yealink.ReadLine3(s.LCD()) }

// LED, Ringtone and Dialtone report the switches.
func (s *Sim) LED() bool      { return locked(s, func() bool { return s.led }) }
func (s *Sim) Ringtone() bool { return locked(s, func() bool { return s.ringtone }) }
func (s *Sim) Dialtone() bool { return locked(s, func() bool { return s.dialtone }) }

// RingtoneLog and LEDLog return every change with the clock's time.
func (s *Sim) RingtoneLog() []Toggle {
	return locked(s, func() []Toggle { return slices.Clone(s.ringLog) })
}
func (s *Sim) LEDLog() []Toggle { return locked(s, func() []Toggle { return slices.Clone(s.ledLog) }) }

// Ring returns the uploaded ring volume and melody.
func (s *Sim) Ring() (volume uint8, notes []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.volume, slices.Clone(s.notes)
}

// Received returns every valid packet received.
func (s *Sim) Received() []yealink.Packet {
	return locked(s, func() []yealink.Packet { return slices.Clone(s.received) })
}

// Bad lists what the phone refused; a correct host sends nothing bad.
func (s *Sim) Bad() []string { return locked(s, func() []string { return slices.Clone(s.bad) }) }

// Closed reports whether the host closed the transport.
func (s *Sim) Closed() bool { return locked(s, func() bool { return s.closed }) }

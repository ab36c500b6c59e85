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

	"handsetd/devices/usbio"
	"handsetd/devices/usbio/usbiotest"
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
type Toggle = usbiotest.Toggle

// Sim is a simulated P1K. It implements usbio.Transport.
type Sim struct {
	clk  clock.Clock
	link *usbiotest.Link

	// The phone's state, guarded by link.
	queue    [][]byte // interrupt IN transfers
	inited   bool
	keynum   uint8
	polls    int
	lcd      [yealink.LCDLen]byte
	led      usbiotest.Switch
	dialtone bool
	ringtone usbiotest.Switch
	volume   uint8
	notes    []byte
	received []yealink.Packet
	deaf     bool
}

var _ usbio.Transport = (*Sim)(nil)

// New returns a phone with no key down, before INIT. clk stamps the
// recorded switch changes.
func New(clk clock.Clock) *Sim {
	return &Sim{clk: clk, link: usbiotest.New("yealinksim", yealink.Interface)}
}

// Press holds down the key with scancode sc (one of Scancodes).
func (s *Sim) Press(sc uint8) {
	i := slices.Index(Scancodes, sc)
	if i < 0 {
		panic(fmt.Sprintf("yealinksim: no key with scancode %#02x", sc))
	}
	s.link.Update(func() { s.keynum = uint8(i + 1) })
}

// Release lets go of the key.
func (s *Sim) Release() { s.link.Update(func() { s.keynum = 0 }) }

// InjectRaw queues p on the interrupt endpoint, ahead of the replies to
// later commands.
func (s *Sim) InjectRaw(p []byte) {
	s.link.Update(func() { s.queue = append(s.queue, slices.Clone(p)) })
}

// SetDeaf makes the phone ignore polls (no reply) while on.
func (s *Sim) SetDeaf(on bool) { s.link.Update(func() { s.deaf = on }) }

// Unplug makes every pending and later call fail with devices.ErrGone.
func (s *Sim) Unplug() { s.link.Unplug() }

func (s *Sim) replyLocked(cmd uint8, offset uint16, val uint8) {
	r := yealink.Packet{Cmd: cmd, Size: 1, Offset: offset}
	r.Data[0] = val
	b := r.Bytes()
	s.queue = append(s.queue, b[:])
}

// Control implements usbio.Transport: SET_REPORT of one packet to
// interface 3.
func (s *Sim) Control(ctx context.Context, reqType, req uint8, val, idx uint16, data []byte) (int, error) {
	return s.link.Control(ctx, reqType, req, val, idx, data, s.handleLocked)
}

// handleLocked carries out one packet.
func (s *Sim) handleLocked(data []byte) error {
	p, err := yealink.ParsePacket(data)
	if err != nil {
		return s.link.Refuse("%v", err)
	}
	s.received = append(s.received, p)
	if !s.inited && p.Cmd != yealink.CmdInit && p.Cmd != yealink.CmdRingVolume && p.Cmd != yealink.CmdRingNote {
		return s.link.Refuse("%v before INIT", p)
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
			return s.link.Refuse("LCD write of %d bytes at %d", p.Size, p.Offset)
		}
		copy(s.lcd[p.Offset:], p.Data[:p.Size])
	case yealink.CmdLED:
		s.led.Set(now, p.Data[0] == yealink.LEDOn)
	case yealink.CmdRingtone:
		s.ringtone.Set(now, p.Data[0] == yealink.RingtoneOn)
	case yealink.CmdDialtone:
		s.dialtone = p.Data[0] == yealink.DialtoneOn
	case yealink.CmdRingVolume:
		s.volume = p.Data[0]
	case yealink.CmdRingNote:
		end := int(p.Offset) + int(p.Size)
		if p.Size == 0 || end > 0x1000 {
			return s.link.Refuse("ring notes of %d bytes at %d", p.Size, p.Offset)
		}
		if len(s.notes) < end {
			s.notes = append(s.notes, make([]byte, end-len(s.notes))...)
		}
		copy(s.notes[p.Offset:], p.Data[:p.Size])
	default:
		return s.link.Refuse("unknown command %v", p)
	}
	return nil
}

// ReadInterrupt implements usbio.Transport: it returns the next queued
// packet.
func (s *Sim) ReadInterrupt(ctx context.Context, p []byte) (int, error) {
	return s.link.Read(ctx, p, func() ([]byte, bool) {
		if len(s.queue) == 0 {
			return nil, false
		}
		b := s.queue[0]
		s.queue = s.queue[1:]
		return b, true
	})
}

// Close implements usbio.Transport.
func (s *Sim) Close() error { return s.link.Close() }

// WaitPolls blocks until the phone has received n key polls in all.
func (s *Sim) WaitPolls(ctx context.Context, n int) error {
	if err := s.link.Wait(ctx, func() bool { return s.polls >= n }); err != nil {
		return fmt.Errorf("yealinksim: %d polls, waited for %d: %w", s.Polls(), n, err)
	}
	return nil
}

func locked[T any](s *Sim, f func() T) T { return usbiotest.View(s.link, f) }

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
func (s *Sim) LED() bool      { return locked(s, func() bool { return s.led.On }) }
func (s *Sim) Ringtone() bool { return locked(s, func() bool { return s.ringtone.On }) }
func (s *Sim) Dialtone() bool { return locked(s, func() bool { return s.dialtone }) }

// RingtoneLog and LEDLog return every change with the clock's time.
func (s *Sim) RingtoneLog() []Toggle {
	return locked(s, func() []Toggle { return slices.Clone(s.ringtone.Log) })
}
func (s *Sim) LEDLog() []Toggle { return locked(s, func() []Toggle { return slices.Clone(s.led.Log) }) }

// Ring returns the uploaded ring volume and melody.
func (s *Sim) Ring() (volume uint8, notes []byte) {
	type ring struct {
		volume uint8
		notes  []byte
	}
	r := locked(s, func() ring { return ring{s.volume, slices.Clone(s.notes)} })
	return r.volume, r.notes
}

// Received returns every valid packet received.
func (s *Sim) Received() []yealink.Packet {
	return locked(s, func() []yealink.Packet { return slices.Clone(s.received) })
}

// Bad lists what the phone refused; a correct host sends nothing bad.
func (s *Sim) Bad() []string { return s.link.Bad() }

// Closed reports whether the host closed the transport.
func (s *Sim) Closed() bool { return s.link.Closed() }

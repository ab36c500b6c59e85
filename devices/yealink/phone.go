package yealink

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"handsetd/devices"
	"handsetd/devices/keymap"
	"handsetd/devices/models"
	"handsetd/devices/usbio"
	"handsetd/internal/clock"
)

// Sentinel errors callers branch on.
var (
	// ErrConfig means the configuration (or its model) is invalid.
	ErrConfig = errors.New("yealink: invalid configuration")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("yealink: phone closed")
	// ErrBusy means Run was called while another Run is active.
	ErrBusy = errors.New("yealink: Run already active")
	// ErrNoReply means the phone did not answer a poll in time.
	ErrNoReply = errors.New("yealink: no reply")
)

// Interface is the P1K's HID interface; yealink.c addresses its
// SET_REPORT requests to it (wIndex 3).
const Interface = 3

// Defaults of Config.
const (
	// DefaultPollInterval is YEALINK_POLLING_FREQUENCY (10 Hz) of
	// yealink.c, which the kernel driver defines but, lacking a way to
	// wait, does not apply: it polls back to back.
	DefaultPollInterval = 100 * time.Millisecond
	// DefaultReplyTimeout bounds the wait for a poll's reply.
	DefaultReplyTimeout = 500 * time.Millisecond
)

// writeTimeout bounds a command sent outside Run.
const writeTimeout = time.Second

// Config configures a Phone. The zero value polls at 10 Hz, uploads the
// kernel's default ring melody and uses the wall clock.
type Config struct {
	// Info is returned by Info; Driver defaults to "yealink-p1k".
	Info devices.Info
	// KeyMap overrides scancodes: "0x23" -> "SKYPE".
	KeyMap map[string]string
	// PollInterval is the key poll period; 0 means DefaultPollInterval.
	PollInterval time.Duration
	// ReplyTimeout bounds the wait for a reply; 0 means
	// DefaultReplyTimeout.
	ReplyTimeout time.Duration
	// Ringtone is uploaded when the phone is opened: a volume byte, then
	// notes (see DefaultRingtone, which nil means).
	Ringtone []byte
	// Clock times the key poll; nil means the wall clock.
	Clock clock.Clock
	// Logger receives dropped packets and failed polls; nil discards.
	Logger *slog.Logger
}

// ModelConfig derives a Config from a model database entry.
func ModelConfig(m *models.Model) (Config, error) {
	if m.Driver != "yealink-p1k" {
		return Config{}, fmt.Errorf("%w: model %s uses driver %q", ErrConfig, m.ID, m.Driver)
	}
	return Config{
		Info:   devices.Info{Name: m.Name, Model: m.ID, Driver: "yealink-p1k", VendorID: m.VendorID, ProductID: m.ProductID},
		KeyMap: m.KeyMap,
	}, nil
}

// Phone is an open Yealink USB-P1K. It implements devices.Handset.
type Phone struct {
	tr           usbio.Transport
	info         devices.Info
	keymap       Keymap
	interval     time.Duration
	replyTimeout time.Duration
	clk          clock.Clock
	log          *slog.Logger
	guard        *devices.RunGuard

	// mu serialises every exchange with the phone (a command and, for
	// polls, its reply, as yealink.c never overlaps them) and guards the
	// shadow of what the phone shows.
	mu     sync.Mutex
	shadow status
	ring   [2]bool // Ring, Ringer
	closed bool
	gone   bool

	// Run's key state.
	keynum uint8
	held   keymap.Held
}

var _ devices.Handset = (*Phone)(nil)

// New opens the phone behind tr as yealink.c's input_open does: it uploads
// the ring melody (RING_VOLUME, RING_NOTE), sends INIT, then blanks the
// display and switches the LED, dial tone and ring tone off. The Phone owns
// tr and closes it in Close.
func New(ctx context.Context, tr usbio.Transport, cfg Config) (*Phone, error) {
	km, err := BuildKeymap(cfg.KeyMap)
	if err != nil {
		return nil, err
	}
	tone := cfg.Ringtone
	if tone == nil {
		tone = DefaultRingtone
	}
	ringPkts, err := RingtonePackets(tone)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	p := &Phone{
		tr: tr, info: cfg.Info, keymap: km, interval: cfg.PollInterval,
		replyTimeout: cfg.ReplyTimeout, clk: cfg.Clock, log: cfg.Logger,
	}
	if p.info.Driver == "" {
		p.info.Driver = "yealink-p1k"
	}
	if p.interval <= 0 {
		p.interval = DefaultPollInterval
	}
	if p.replyTimeout <= 0 {
		p.replyTimeout = DefaultReplyTimeout
	}
	if p.clk == nil {
		p.clk = clock.Real
	}
	if p.log == nil {
		p.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pk := range append(ringPkts, InitPacket()) {
		if err := p.sendLocked(ctx, pk); err != nil {
			return nil, fmt.Errorf("yealink: open: %w", err)
		}
	}
	// Force every byte out, as input_open does with copy = ~master.
	var forced status
	for i := range forced {
		forced[i] = ^p.shadow[i]
	}
	p.shadow = forced
	if err := p.applyLocked(ctx, status{}); err != nil {
		return nil, fmt.Errorf("yealink: open: %w", err)
	}
	p.guard = devices.NewRunGuard(ErrClosed, ErrBusy)
	return p, nil
}

func (p *Phone) sendLocked(ctx context.Context, pk Packet) error {
	b := pk.Bytes()
	err := usbio.SetReport(ctx, p.tr, Interface, b[:])
	if errors.Is(err, devices.ErrGone) {
		p.gone = true
	}
	return err
}

// applyLocked sends what differs between the shadow and want, updating
// the shadow packet by packet so that it always says what the phone got.
func (p *Phone) applyLocked(ctx context.Context, want status) error {
	for _, pk := range lcdPackets(&p.shadow, &want) {
		if err := p.sendLocked(ctx, pk); err != nil {
			return err
		}
		copy(p.shadow[pk.Offset:], pk.Data[:pk.Size])
	}
	for _, sw := range []struct {
		ix  int
		cmd uint8
	}{{statusLED, CmdLED}, {statusDialtone, CmdDialtone}, {statusRingtone, CmdRingtone}} {
		if p.shadow[sw.ix] == want[sw.ix] {
			continue
		}
		if err := p.sendLocked(ctx, switchPacket(sw.cmd, want[sw.ix])); err != nil {
			return err
		}
		p.shadow[sw.ix] = want[sw.ix]
	}
	return nil
}

// update changes the shadow with f and sends the difference.
func (p *Phone) update(what string, f func(*status)) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if p.gone {
		return fmt.Errorf("yealink: %s: %w", what, devices.ErrGone)
	}
	want := p.shadow
	f(&want)
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	if err := p.applyLocked(ctx, want); err != nil {
		return fmt.Errorf("yealink: %s: %w", what, err)
	}
	return nil
}

// Info implements devices.Handset.
func (p *Phone) Info() devices.Info { return p.info }

// Indicators implements devices.Handset.
func (p *Phone) Indicators() []devices.Indicator {
	return []devices.Indicator{devices.Ring, devices.Ringer}
}

// SetIndicator implements devices.Handset. Ring lights the LED and plays
// the ring tone; Ringer plays the ring tone alone. The phone plays the
// uploaded melody with its own cadence.
func (p *Phone) SetIndicator(ind devices.Indicator, on bool) error {
	var i int
	switch ind {
	case devices.Ring:
		i = 0
	case devices.Ringer:
		i = 1
	default:
		return fmt.Errorf("yealink: indicator %s: %w", ind, devices.ErrUnsupported)
	}
	return p.update("indicator "+ind.String(), func(s *status) {
		p.ring[i] = on
		s[statusLED] = 0
		if p.ring[0] {
			s[statusLED] = LEDOn
		}
		s[statusRingtone] = 0
		if p.ring[0] || p.ring[1] {
			s[statusRingtone] = RingtoneOn
		}
	})
}

// SetDisplay implements devices.Handset: text goes to the twelve digits of
// line 3 (DisplayText: the last twelve characters).
func (p *Phone) SetDisplay(text string) error {
	return p.update("display", func(s *status) {
		s.setLine(Line3Offset, Line3Size, DisplayText(text))
	})
}

// SetDialTone plays (or stops) the phone's dial tone in the earpiece, for
// a daemon that collects digits itself.
func (p *Phone) SetDialTone(on bool) error {
	return p.update("dial tone", func(s *status) {
		s[statusDialtone] = 0
		if on {
			s[statusDialtone] = DialtoneOn
		}
	})
}

// transact sends a command and waits for the reply with the same command
// code; other packets, and packets with a bad checksum, are logged and
// dropped.
func (p *Phone) transact(ctx context.Context, pk Packet) (Packet, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gone {
		return Packet{}, fmt.Errorf("yealink: %w", devices.ErrGone)
	}
	if err := p.sendLocked(ctx, pk); err != nil {
		return Packet{}, fmt.Errorf("yealink: send: %w", err)
	}
	rctx, cancel := context.WithTimeout(ctx, p.replyTimeout)
	defer cancel()
	buf := make([]byte, 64)
	for {
		n, err := p.tr.ReadInterrupt(rctx, buf)
		if err != nil {
			if ctx.Err() == nil && rctx.Err() != nil {
				return Packet{}, fmt.Errorf("%w to cmd %#02x within %v", ErrNoReply, pk.Cmd, p.replyTimeout)
			}
			if errors.Is(err, devices.ErrGone) {
				p.gone = true
			}
			return Packet{}, fmt.Errorf("yealink: read: %w", err)
		}
		reply, err := ParsePacket(buf[:n])
		if err != nil {
			p.log.Warn("yealink: dropped packet", "err", err, "packet", fmt.Sprintf("% x", buf[:n]))
			continue
		}
		if reply.Cmd != pk.Cmd {
			p.log.Warn("yealink: dropped unexpected packet", "want_cmd", fmt.Sprintf("%#02x", pk.Cmd), "packet", reply.String())
			continue
		}
		return reply, nil
	}
}

// Run implements devices.Handset. It polls the keys every PollInterval:
// KEYPRESS, and when the key number changed, SCANCODE for it, as
// yealink.c's state machine does.
func (p *Phone) Run(ctx context.Context, emit func(devices.Event)) error {
	ctx, end, err := p.guard.Start(ctx)
	if err != nil {
		return err
	}
	defer end()
	defer p.held.Release(emit)

	var timer clock.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		if err := p.poll(ctx, emit); err != nil {
			if why := p.guard.Stopped(ctx); why != nil {
				return why
			}
			if !errors.Is(err, ErrNoReply) {
				return err
			}
			p.log.Warn("yealink: key poll", "err", err)
		}
		if timer == nil {
			timer = p.clk.NewTimer(p.interval)
		} else {
			timer.Reset(p.interval)
		}
		select {
		case <-ctx.Done():
			return p.guard.Stopped(ctx)
		case <-timer.C():
		}
	}
}

func (p *Phone) poll(ctx context.Context, emit func(devices.Event)) error {
	reply, err := p.transact(ctx, KeypressPacket())
	if err != nil {
		return err
	}
	kn := reply.Data[0]
	if kn == p.keynum {
		return nil
	}
	reply, err = p.transact(ctx, ScancodePacket(kn))
	if err != nil {
		return err // keynum unchanged: the next poll asks again
	}
	p.keynum = kn
	sc := reply.Data[0]
	k, ok := p.keymap[sc]
	if !ok {
		if kn != 0 {
			p.log.Debug("yealink: key without a phone-API name", "scancode", fmt.Sprintf("%#02x", sc))
		}
		p.held.Release(emit)
		return nil
	}
	p.held.Press(k, emit)
	return nil
}

// Close implements devices.Handset: it stops Run, silences the ring and
// dial tones, switches the LED off, blanks the display and releases the
// device. Do not call it from emit.
func (p *Phone) Close() error {
	return p.guard.Close(func() error {
		p.mu.Lock()
		p.closed = true
		var err error
		if !p.gone {
			ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
			err = p.applyLocked(ctx, status{})
			cancel()
			if errors.Is(err, devices.ErrGone) {
				err = nil
			}
			if err != nil {
				err = fmt.Errorf("yealink: switching off: %w", err)
			}
		}
		p.mu.Unlock()
		return errors.Join(err, p.tr.Close())
	})
}

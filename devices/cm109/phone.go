package cm109

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
	// ErrShortReport means a report was too short to decode.
	ErrShortReport = errors.New("cm109: short report")
	// ErrConfig means the configuration (or the model it came from) is
	// invalid.
	ErrConfig = errors.New("cm109: invalid configuration")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("cm109: phone closed")
	// ErrBusy means Run was called while another Run is active.
	ErrBusy = errors.New("cm109: Run already active")
)

// DefaultCadence is the ring pattern used when none is configured: 1 s
// buzzing, 2 s silent.
var DefaultCadence = []time.Duration{time.Second, 2 * time.Second}

// DefaultInterface is the HID interface of a CM109 (after the three audio
// interfaces); it is the wIndex of the output reports.
const DefaultInterface = 3

// writeTimeout bounds an output report sent outside Run.
const writeTimeout = time.Second

// Config configures a Phone. The zero value is a KIP1000 on interface 3
// with the default cadence and the wall clock.
type Config struct {
	// Info is returned by Info; Driver defaults to "cm109".
	Info devices.Info
	// Keymap names the kernel scancode table (Keymaps); "" is kip1000.
	Keymap string
	// KeyMap overrides scancodes: "0x88" -> "YES".
	KeyMap map[string]string
	// HookKeys makes pickup report HookOff and hangup HookOn instead of
	// key events.
	HookKeys bool
	// Cadence alternates buzzer-on and buzzer-off durations, starting
	// with on. Empty means DefaultCadence.
	Cadence []time.Duration
	// Interface is the wIndex of output reports; 0 means
	// DefaultInterface (interface 0 is always audio control on a CM109).
	Interface uint16
	// Clock times the ring cadence; nil means the wall clock.
	Clock clock.Clock
	// Logger receives dropped reports and failed writes; nil discards.
	Logger *slog.Logger
}

// ModelConfig derives a Config from a model database entry: the keymap
// from quirk cm109_keymap, overrides from the model's keymap, the cadence
// from ring_cadence_ms and HookKeys from quirk cm109_hook_keys.
func ModelConfig(m *models.Model) (Config, error) {
	if m.Driver != "cm109" {
		return Config{}, fmt.Errorf("%w: model %s uses driver %q", ErrConfig, m.ID, m.Driver)
	}
	cfg := Config{
		Info:    devices.Info{Name: m.Name, Model: m.ID, Driver: "cm109", VendorID: m.VendorID, ProductID: m.ProductID},
		Keymap:  m.Quirks.CM109Keymap,
		KeyMap:  m.KeyMap,
		Cadence: m.Quirks.RingCadence,
	}
	if _, err := m.Quirks.Decode("cm109_hook_keys", &cfg.HookKeys); err != nil {
		return Config{}, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return cfg, nil
}

// Phone is an open CM109 phone. It implements devices.Handset.
type Phone struct {
	tr      usbio.Transport
	info    devices.Info
	keymap  Keymap
	cadence []time.Duration
	intf    uint16
	clk     clock.Clock
	log     *slog.Logger
	guard   *devices.RunGuard

	// mu guards the output shadow and the ring state, and serialises
	// output reports so that the device sees them in shadow order.
	mu      sync.Mutex
	out     Output
	ring    [2]bool // Ring, Ringer
	ringing bool
	phase   int
	timer   clock.Timer
	gen     int
	gone    bool
	closed  bool
	ticks   sync.WaitGroup // cadence callbacks armed or running

	// Run's scan state; only Run touches it.
	gpi     uint8
	special uint8
	held    keymap.Held
	scanHit bool
	volHeld [2]bool
}

var _ devices.Handset = (*Phone)(nil)

// New sets up the phone behind tr: it sends cm109.c's INIT report (GPO
// mode, buzzer off, all columns driven). The Phone owns tr and closes it in
// Close.
func New(ctx context.Context, tr usbio.Transport, cfg Config) (*Phone, error) {
	km, err := BuildKeymap(cfg.Keymap, cfg.KeyMap)
	if err != nil {
		return nil, err
	}
	cadence := cfg.Cadence
	if len(cadence) == 0 {
		cadence = DefaultCadence
	}
	if len(cadence)%2 != 0 {
		return nil, fmt.Errorf("%w: cadence needs on/off pairs, got %d durations", ErrConfig, len(cadence))
	}
	for _, d := range cadence {
		if d <= 0 {
			return nil, fmt.Errorf("%w: cadence durations must be positive, got %v", ErrConfig, d)
		}
	}
	p := &Phone{
		tr: tr, info: cfg.Info, keymap: km, held: keymap.Held{HookKeys: cfg.HookKeys},
		cadence: append([]time.Duration(nil), cadence...),
		intf:    cfg.Interface, clk: cfg.Clock, log: cfg.Logger,
		out: Output{Columns: AllColumns},
	}
	if p.info.Driver == "" {
		p.info.Driver = "cm109"
	}
	if p.intf == 0 {
		p.intf = DefaultInterface
	}
	if p.clk == nil {
		p.clk = clock.Real
	}
	if p.log == nil {
		p.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	p.mu.Lock()
	err = p.writeLocked(ctx)
	p.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("cm109: init: %w", err)
	}
	p.guard = devices.NewRunGuard(ErrClosed, ErrBusy)
	return p, nil
}

// Info implements devices.Handset.
func (p *Phone) Info() devices.Info { return p.info }

// Indicators implements devices.Handset: the buzzer answers to both Ring
// and Ringer.
func (p *Phone) Indicators() []devices.Indicator {
	return []devices.Indicator{devices.Ring, devices.Ringer}
}

// SetDisplay implements devices.Handset; CM109 phones have no display the
// chip can reach.
func (p *Phone) SetDisplay(string) error {
	return fmt.Errorf("cm109: display: %w", devices.ErrUnsupported)
}

// SetIndicator implements devices.Handset. The buzzer sounds, with the
// cadence, while Ring or Ringer is on.
func (p *Phone) SetIndicator(ind devices.Indicator, on bool) error {
	var i int
	switch ind {
	case devices.Ring:
		i = 0
	case devices.Ringer:
		i = 1
	default:
		return fmt.Errorf("cm109: indicator %s: %w", ind, devices.ErrUnsupported)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if p.gone {
		return fmt.Errorf("cm109: indicator %s: %w", ind, devices.ErrGone)
	}
	p.ring[i] = on
	want := p.ring[0] || p.ring[1]
	if want == p.ringing {
		return nil
	}
	p.ringing = want
	p.stopCadenceLocked()
	p.out.Buzzer = want
	if want {
		p.phase = 0
		p.armLocked(p.cadence[0])
	}
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	if err := p.writeLocked(ctx); err != nil {
		return fmt.Errorf("cm109: indicator %s: %w", ind, err)
	}
	return nil
}

// armLocked starts the timer for the next cadence step.
func (p *Phone) armLocked(d time.Duration) {
	p.gen++
	gen := p.gen
	p.ticks.Add(1)
	p.timer = p.clk.AfterFunc(d, func() { p.tick(gen) })
}

// stopCadenceLocked disarms the cadence timer; a callback already running
// sees the generation change and does nothing.
func (p *Phone) stopCadenceLocked() {
	p.gen++
	if p.timer != nil {
		if p.timer.Stop() {
			p.ticks.Done()
		}
		p.timer = nil
	}
}

// tick toggles the buzzer at a cadence step.
func (p *Phone) tick(gen int) {
	defer p.ticks.Done()
	p.mu.Lock()
	defer p.mu.Unlock()
	if gen != p.gen || !p.ringing || p.closed || p.gone {
		return
	}
	p.timer = nil
	p.phase = (p.phase + 1) % len(p.cadence)
	p.out.Buzzer = p.phase%2 == 0
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	err := p.writeLocked(ctx)
	cancel()
	if errors.Is(err, devices.ErrGone) {
		p.gone = true
		p.log.Warn("cm109: phone gone while ringing", "err", err)
		return
	}
	if err != nil {
		p.log.Warn("cm109: buzzer toggle failed", "err", err)
	}
	p.armLocked(p.cadence[p.phase])
}

// writeLocked sends the output shadow.
func (p *Phone) writeLocked(ctx context.Context) error {
	b := p.out.Bytes()
	return usbio.SetReport(ctx, p.tr, p.intf, b[:])
}

// Run implements devices.Handset. It reads input reports, scans the keypad
// as cm109.c does and calls emit for every user event.
func (p *Phone) Run(ctx context.Context, emit func(devices.Event)) error {
	ctx, end, err := p.guard.Start(ctx)
	if err != nil {
		return err
	}
	defer end()
	defer p.releaseAll(emit)

	buf := make([]byte, 64)
	for {
		n, err := p.tr.ReadInterrupt(ctx, buf)
		if err != nil {
			if why := p.guard.Stopped(ctx); why != nil {
				return why
			}
			if errors.Is(err, devices.ErrGone) {
				p.markGone()
			}
			return fmt.Errorf("cm109: read: %w", err)
		}
		in, err := ParseInput(buf[:n])
		if err != nil {
			p.log.Warn("cm109: dropped input report", "err", err, "report", fmt.Sprintf("% x", buf[:n]))
		} else {
			p.handle(in, emit)
		}
		// Like cm109.c, answer every input report with an output report
		// carrying the columns to drive next and the buzzer state.
		p.mu.Lock()
		err = p.writeLocked(ctx)
		p.mu.Unlock()
		if err != nil {
			if ctx.Err() != nil {
				continue // the read reports why
			}
			if errors.Is(err, devices.ErrGone) {
				p.markGone()
			}
			return fmt.Errorf("cm109: write: %w", err)
		}
	}
}

func (p *Phone) markGone() {
	p.mu.Lock()
	p.gone = true
	p.stopCadenceLocked()
	p.mu.Unlock()
}

// volumeKeys are the keys of IR0's volume bits 0 and 1.
var volumeKeys = [2]Key{{Name: "UP", Button: devices.ButtonVolumeUp}, {Name: "DOWN", Button: devices.ButtonVolumeDown}}

// handle turns one input report into events and picks the next columns.
func (p *Phone) handle(in Input, emit func(devices.Event)) {
	changed := in.Special ^ p.special
	p.special = in.Special
	for i, k := range volumeKeys {
		bit := uint8(1) << i
		if changed&bit == 0 {
			continue
		}
		p.volHeld[i] = in.Special&bit != 0
		kind := devices.KeyUp
		if p.volHeld[i] {
			kind = devices.KeyDown
		}
		emit(devices.Event{Kind: kind, Key: k.Name, Button: k.Button})
	}
	if rising := changed & in.Special; rising&(RecordMute|PlaybackMute) != 0 {
		emit(devices.Event{Kind: devices.MuteToggle})
	}

	p.mu.Lock()
	cols := p.out.Columns
	p.mu.Unlock()
	if cols == AllColumns {
		if in.Rows() == p.gpi {
			return
		}
		p.gpi = in.Rows()
		p.scanHit = false
		cols = 0x1
	} else {
		if k, ok := p.keymap[in.GPI]; ok {
			p.scanHit = true
			p.held.Press(k, emit)
		}
		cols <<= 1
		if cols > 0x8 {
			cols = AllColumns
			if !p.scanHit {
				p.held.Release(emit)
			}
		}
	}
	p.mu.Lock()
	p.out.Columns = cols
	p.mu.Unlock()
}

// releaseAll sends the KeyUp of every key still down when Run ends.
func (p *Phone) releaseAll(emit func(devices.Event)) {
	p.held.Release(emit)
	for i, k := range volumeKeys {
		if p.volHeld[i] {
			p.volHeld[i] = false
			emit(devices.Event{Kind: devices.KeyUp, Key: k.Name, Button: k.Button})
		}
	}
	p.special &^= VolumeUp | VolumeDown
}

// Close implements devices.Handset: it stops Run and the cadence, switches
// the buzzer off and releases the device. Do not call it from emit.
func (p *Phone) Close() error {
	return p.guard.Close(func() error {
		p.mu.Lock()
		p.closed = true
		p.stopCadenceLocked()
		wasGone := p.gone
		p.ringing, p.ring = false, [2]bool{}
		p.out = Output{Columns: AllColumns}
		var werr error
		if !wasGone {
			ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
			werr = p.writeLocked(ctx)
			cancel()
		}
		p.mu.Unlock()
		p.ticks.Wait()

		if errors.Is(werr, devices.ErrGone) {
			werr = nil // nothing left to switch off
		}
		if werr != nil {
			werr = fmt.Errorf("cm109: buzzer off: %w", werr)
		}
		return errors.Join(werr, p.tr.Close())
	})
}

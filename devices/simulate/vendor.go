package simulate

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"handsetd/devices"
	"handsetd/devices/cm109"
	"handsetd/devices/cm109/cm109sim"
	"handsetd/devices/keymap"
	"handsetd/devices/models"
	"handsetd/devices/usbio"
	"handsetd/devices/yealink"
	"handsetd/devices/yealink/yealinksim"
	"handsetd/internal/clock"
)

// Model database driver names of the vendor phones.
const (
	cm109Driver   = "cm109"
	yealinkDriver = "yealink-p1k"
)

// vendorPhone is the simulator of a vendor phone's protocol, seen from
// the words: keys by scancode, the mute button, and a way to wait until
// the driver has seen what changed.
type vendorPhone interface {
	transport() usbio.Transport
	press(sc uint8) error
	release(sc uint8)
	// setMute holds the mute button down or lets go of it.
	setMute(on bool) error
	// settle waits until the driver has read the phone's present state
	// and acted on it.
	settle(ctx context.Context) error
	// open opens the real driver on tr and returns the key map it uses.
	open(ctx context.Context, tr usbio.Transport, m *models.Model, info devices.Info, opts Options) (devices.Handset, keymap.Map, error)
}

// vendorDevice is a simulated CM109 or Yealink phone: the protocol's
// simulator behind usbio.Transport, and the real driver on it.
type vendorDevice struct {
	info  devices.Info
	model *models.Model
	phone vendorPhone

	doMu sync.Mutex // one line at a time

	mu   sync.Mutex
	keys keymap.Map // the key map the driver was last opened with
	off  bool
}

var _ Device = (*vendorDevice)(nil)

func newVendor(m *models.Model, phone vendorPhone, keys keymap.Map) *vendorDevice {
	return &vendorDevice{info: modelInfo(m), model: m, phone: phone, keys: keys}
}

func (d *vendorDevice) Info() devices.Info   { return d.info }
func (d *vendorDevice) Model() *models.Model { return d.model }

// Open implements Device. The driver gets a link of its own to the
// simulator: closing it ends that opening, not the phone, so the daemon
// can open the phone again (after a reload) as it would a real one.
func (d *vendorDevice) Open(ctx context.Context, opts Options) (devices.Handset, error) {
	h, keys, err := d.phone.open(ctx, &link{Transport: d.phone.transport()}, d.model, d.info, opts)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.keys = keys
	d.mu.Unlock()
	return h, nil
}

// Do implements Device.
func (d *vendorDevice) Do(ctx context.Context, line string) ([]string, error) {
	d.doMu.Lock()
	defer d.doMu.Unlock()
	return do(ctx, d, line)
}

// find returns the scancode of the key called name or, failing that, of
// the first key of class b (0: none). The pickup key of a model that
// renamed it is still its answer key.
func (d *vendorDevice) find(name string, b devices.Button) (uint8, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	codes := slices.Sorted(maps.Keys(d.keys))
	for _, sc := range codes {
		if d.keys[sc].Name == name {
			return sc, true
		}
	}
	for _, sc := range codes {
		if b != 0 && d.keys[sc].Button == b {
			return sc, true
		}
	}
	return 0, false
}

// tap presses the key at sc until the driver has seen it, then releases
// it until the driver has seen that.
func (d *vendorDevice) tap(ctx context.Context, sc uint8) error {
	if err := d.phone.press(sc); err != nil {
		return err
	}
	err := d.phone.settle(ctx)
	d.phone.release(sc)
	if err != nil {
		return err
	}
	return d.phone.settle(ctx)
}

func (d *vendorDevice) offHook() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.off
}

func (d *vendorDevice) setOff(off bool) {
	d.mu.Lock()
	d.off = off
	d.mu.Unlock()
}

// lift presses the pickup key: these phones have no hook switch, and a
// model with hook keys reports the pickup key as going off hook.
func (d *vendorDevice) lift(ctx context.Context) error {
	sc, ok := d.find("YES", devices.ButtonAnswer)
	if !ok {
		return fmt.Errorf("%w: pickup key", ErrNoControl)
	}
	if err := d.tap(ctx, sc); err != nil {
		return err
	}
	d.setOff(true)
	return nil
}

// replace presses the hangup key.
func (d *vendorDevice) replace(ctx context.Context) error {
	sc, ok := d.find("NO", devices.ButtonDrop)
	if !ok {
		return fmt.Errorf("%w: hangup key", ErrNoControl)
	}
	if err := d.tap(ctx, sc); err != nil {
		return err
	}
	d.setOff(false)
	return nil
}

func (d *vendorDevice) press(ctx context.Context, key byte) error {
	sc, ok := d.find(string(key), 0)
	if !ok {
		return fmt.Errorf("%w: keypad key %c", ErrNoControl, key)
	}
	return d.tap(ctx, sc)
}

func (d *vendorDevice) mute(ctx context.Context) error {
	if err := d.phone.setMute(true); err != nil {
		return err
	}
	err := d.phone.settle(ctx)
	d.phone.setMute(false)
	if err != nil {
		return err
	}
	return d.phone.settle(ctx)
}

// button presses the key a flash, redial or drop button is on these
// phones: one the key map names "R" or "+", and the hangup key, which
// drops the call as replace does.
func (d *vendorDevice) button(ctx context.Context, b devices.Button) error {
	var name string
	switch b {
	case devices.ButtonDrop:
		return d.replace(ctx)
	case devices.ButtonFlash:
		name = "R"
	case devices.ButtonRedial:
		name = "+"
	}
	sc, ok := d.find(name, b)
	if !ok || name == "" {
		return fmt.Errorf("%w: %s key", ErrNoControl, b)
	}
	return d.tap(ctx, sc)
}

// link is one opening of a simulated phone; see vendorDevice.Open. The
// driver stops Run before it closes the link, so no call is under way
// then.
type link struct {
	usbio.Transport
	closed atomic.Bool
}

func (l *link) Control(ctx context.Context, reqType, req uint8, val, idx uint16, data []byte) (int, error) {
	if l.closed.Load() {
		return 0, usbio.ErrClosed
	}
	return l.Transport.Control(ctx, reqType, req, val, idx, data)
}

func (l *link) ReadInterrupt(ctx context.Context, p []byte) (int, error) {
	if l.closed.Load() {
		return 0, usbio.ErrClosed
	}
	return l.Transport.ReadInterrupt(ctx, p)
}

func (l *link) Close() error {
	l.closed.Store(true)
	return nil
}

// cm109Phone is cm109sim: the keypad matrix and the mute buttons of IR0.
type cm109Phone struct{ sim *cm109sim.Sim }

func newCM109(m *models.Model) (Device, error) {
	cfg, err := cm109.ModelConfig(m)
	if err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	keys, err := cm109.BuildKeymap(cfg.Keymap, cfg.KeyMap)
	if err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	return newVendor(m, &cm109Phone{sim: cm109sim.New(clock.Real)}, keys), nil
}

func (p *cm109Phone) transport() usbio.Transport { return p.sim }
func (p *cm109Phone) press(sc uint8) error       { p.sim.Press(sc); return nil }
func (p *cm109Phone) release(sc uint8)           { p.sim.Release(sc) }

func (p *cm109Phone) setMute(on bool) error {
	var bits uint8
	if on {
		bits = cm109.RecordMute
	}
	p.sim.SetSpecial(bits)
	return nil
}

func (p *cm109Phone) settle(ctx context.Context) error {
	if err := p.sim.WaitQuiet(ctx); err != nil {
		return fmt.Errorf("simulate: the driver did not read the phone: %w", err)
	}
	return nil
}

func (p *cm109Phone) open(ctx context.Context, tr usbio.Transport, m *models.Model, info devices.Info, opts Options) (devices.Handset, keymap.Map, error) {
	cfg, err := cm109.ModelConfig(m)
	if err != nil {
		return nil, nil, err
	}
	cfg.Info, cfg.Clock, cfg.Logger = info, opts.Clock, opts.Logger
	cfg.KeyMap = keymap.Overlay(cfg.KeyMap, keymap.Scancodes(opts.KeyMap))
	keys, err := cm109.BuildKeymap(cfg.Keymap, cfg.KeyMap)
	if err != nil {
		return nil, nil, err
	}
	h, err := cm109.New(ctx, tr, cfg)
	if err != nil {
		return nil, nil, err
	}
	return h, keys, nil
}

// yealinkPhone is yealinksim: keys answered to the driver's polls, and no
// mute button.
type yealinkPhone struct{ sim *yealinksim.Sim }

func newYealink(m *models.Model) (Device, error) {
	cfg, err := yealink.ModelConfig(m)
	if err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	keys, err := yealink.BuildKeymap(cfg.KeyMap)
	if err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	return newVendor(m, &yealinkPhone{sim: yealinksim.New(clock.Real)}, keys), nil
}

func (p *yealinkPhone) transport() usbio.Transport { return p.sim }

func (p *yealinkPhone) press(sc uint8) error {
	if !slices.Contains(yealinksim.Scancodes, sc) {
		return fmt.Errorf("%w: no key at scancode %#02x", ErrNoControl, sc)
	}
	p.sim.Press(sc)
	return nil
}

func (p *yealinkPhone) release(uint8) { p.sim.Release() }

func (p *yealinkPhone) setMute(bool) error { return fmt.Errorf("%w: mute", ErrNoControl) }

// settle waits for two polls: the first was sent after the change, and
// the driver is done with it once it sends the next.
func (p *yealinkPhone) settle(ctx context.Context) error {
	if err := p.sim.WaitPolls(ctx, p.sim.Polls()+2); err != nil {
		return fmt.Errorf("simulate: the driver did not poll the phone: %w", err)
	}
	return nil
}

func (p *yealinkPhone) open(ctx context.Context, tr usbio.Transport, m *models.Model, info devices.Info, opts Options) (devices.Handset, keymap.Map, error) {
	cfg, err := yealink.ModelConfig(m)
	if err != nil {
		return nil, nil, err
	}
	cfg.Info, cfg.Clock, cfg.Logger = info, opts.Clock, opts.Logger
	cfg.KeyMap = keymap.Overlay(cfg.KeyMap, keymap.Scancodes(opts.KeyMap))
	keys, err := yealink.BuildKeymap(cfg.KeyMap)
	if err != nil {
		return nil, nil, err
	}
	h, err := yealink.New(ctx, tr, cfg)
	if err != nil {
		return nil, nil, err
	}
	return h, keys, nil
}

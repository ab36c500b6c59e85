package simulate

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"handsetd/devices"
	"handsetd/devices/models"
	"handsetd/devices/telephony"
	"handsetd/hid"
	"handsetd/hid/hidtest"
)

// ErrNoControl means the simulated model lacks the control asked for.
var ErrNoControl = errors.New("simulate: the device has no such control")

// Handset is the device side of a simulated HID Telephony handset. It is
// a Device whose driver is the generic one (devices/telephony).
type Handset struct {
	dev   *hidtest.Device // guarded by mu: replaced when reopened
	raw   []byte
	desc  *hid.ReportDescriptor
	enc   *hid.Encoder
	info  devices.Info
	model *models.Model

	mu      sync.Mutex
	offHook bool
}

// New builds a simulated handset from a report descriptor.
func New(descriptor []byte) (*Handset, error) {
	d, err := hid.ParseReportDescriptor(descriptor)
	if err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	if !d.HasTelephony() {
		return nil, errors.New("simulate: the descriptor has no Telephony application collection")
	}
	info := devices.Info{Name: "Simulated handset", Driver: telephony.DriverName, Path: "simulated", SysfsPath: "simulated"}
	raw := append([]byte(nil), descriptor...)
	return &Handset{dev: hidtest.New(raw), raw: raw, desc: d, enc: hid.NewInputEncoder(d), info: info}, nil
}

// FromFile builds a simulated handset from a report descriptor read from
// the file named name, which identifies the device to the daemon.
func FromFile(descriptor []byte, name string) (*Handset, error) {
	h, err := New(descriptor)
	if err != nil {
		return nil, err
	}
	h.info.SysfsPath = "simulated:" + name
	return h, nil
}

var _ Device = (*Handset)(nil)

// Info implements Device.
func (s *Handset) Info() devices.Info { return s.info }

// Model implements Device.
func (s *Handset) Model() *models.Model { return s.model }

// Open implements Device: the generic driver on the simulated link. A
// driver's Close closes the link, as unplugging a cable would; opening
// again (a configuration reload) plugs in a new link, which carries the
// handset's current state.
func (s *Handset) Open(_ context.Context, opts Options) (devices.Handset, error) {
	t := opts.Telephony
	t.KeyMap, t.Logger, t.Clock = opts.KeyMap, opts.Logger, opts.Clock
	s.mu.Lock()
	if s.dev.Closed() {
		s.dev = hidtest.New(s.raw)
		if s.offHook {
			// A real device reports its state after enumeration.
			s.resendHook()
		}
	}
	dev := s.dev
	s.mu.Unlock()
	return telephony.Open(dev, s.info, s.model, t)
}

// Do implements Device. Reports are queued on the link at once, so Do
// never waits.
func (s *Handset) Do(ctx context.Context, line string) ([]string, error) {
	return do(ctx, hidActor{s}, line)
}

// hidActor is the words' actions in input reports.
type hidActor struct{ s *Handset }

func (a hidActor) offHook() bool                         { return a.s.OffHook() }
func (a hidActor) lift(context.Context) error            { return a.s.Lift() }
func (a hidActor) replace(context.Context) error         { return a.s.Replace() }
func (a hidActor) press(_ context.Context, k byte) error { return a.s.Press(k) }
func (a hidActor) mute(context.Context) error            { return a.s.Mute() }

func (a hidActor) button(_ context.Context, b devices.Button) error {
	switch b {
	case devices.ButtonFlash:
		return a.s.Button(hid.UsageFlash)
	case devices.ButtonRedial:
		return a.s.Button(hid.UsageRedial)
	case devices.ButtonDrop:
		return a.s.Button(hid.UsageDrop)
	}
	return fmt.Errorf("%w: %s", ErrNoControl, b)
}

// Device is the host side of the current link, for the driver.
func (s *Handset) Device() *hidtest.Device {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dev
}

// OffHook reports whether the handset is lifted.
func (s *Handset) OffHook() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.offHook
}

// Lift takes the handset off hook.
func (s *Handset) Lift() error { return s.setHook(true) }

// Replace puts the handset back on hook.
func (s *Handset) Replace() error { return s.setHook(false) }

func (s *Handset) setHook(off bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.offHook == off {
		return nil
	}
	refs := s.desc.FindUsage(hid.Input, hid.UsageHookSwitch)
	if len(refs) == 0 {
		return fmt.Errorf("%w: hook switch", ErrNoControl)
	}
	if refs[0].Field.Flags.IsRelative() {
		// A relative hook is a button that toggles.
		if err := s.click(hid.UsageHookSwitch); err != nil {
			return err
		}
	} else if err := s.set(hid.UsageHookSwitch, boolValue(off)); err != nil {
		return err
	}
	s.offHook = off
	return nil
}

// Press presses and releases a keypad key: 0-9, * or #.
func (s *Handset) Press(key byte) error {
	u, ok := keyUsage(key)
	if !ok {
		return fmt.Errorf("simulate: %q is not a keypad key", key)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.desc.FindUsage(hid.Input, u)) == 0 {
		return fmt.Errorf("%w: keypad key %c", ErrNoControl, key)
	}
	return s.click(u)
}

// Mute presses the mute button (a relative control: it asks the host to
// toggle mute). A device whose mute is a switch flips it.
func (s *Handset) Mute() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range []hid.Usage{hid.UsagePhoneMute, hid.UsageConsumerMute} {
		refs := s.desc.FindUsage(hid.Input, u)
		if len(refs) == 0 {
			continue
		}
		return s.click(u)
	}
	return fmt.Errorf("%w: mute", ErrNoControl)
}

// Button presses and releases a telephony button: Flash, Redial, Drop.
func (s *Handset) Button(u hid.Usage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.desc.FindUsage(hid.Input, u)) == 0 {
		return fmt.Errorf("%w: %s", ErrNoControl, u)
	}
	return s.click(u)
}

// Unplug makes the link fail as a pulled cable does.
func (s *Handset) Unplug() { s.dev.Unplug() }

// click sends a press report, then a release report.
func (s *Handset) click(u hid.Usage) error {
	if err := s.set(u, 1); err != nil {
		return err
	}
	return s.set(u, 0)
}

// set changes one usage and sends every report it lives in, exactly as
// the device would: with its report ID when the descriptor has them.
func (s *Handset) set(u hid.Usage, v int32) error {
	reports, err := s.enc.SetUsage(hid.Input, u, v)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	for _, r := range reports {
		if !s.desc.Numbered {
			r = r[1:]
		}
		s.dev.Push(r)
	}
	return nil
}

// resendHook sends the report holding an absolute hook switch as it
// stands. s.mu is held.
func (s *Handset) resendHook() {
	refs := s.desc.FindUsage(hid.Input, hid.UsageHookSwitch)
	if len(refs) == 0 || refs[0].Field.Flags.IsRelative() {
		return
	}
	r := s.enc.Report(hid.Input, refs[0].Field.ReportID)
	if !s.desc.Numbered {
		r = r[1:]
	}
	s.dev.Push(r)
}

func boolValue(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// keyUsage maps a keypad character to its Phone Key usage.
func keyUsage(k byte) (hid.Usage, bool) {
	switch {
	case k >= '0' && k <= '9':
		return hid.NewUsage(hid.PageTelephony, 0xB0+uint16(k-'0')), true
	case k == '*':
		return hid.NewUsage(hid.PageTelephony, 0xBA), true
	case k == '#':
		return hid.UsagePhoneKeyPound, true
	}
	return 0, false
}

package telephony

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"handsetd/devices"
	"handsetd/devices/models"
	"handsetd/hid"
	"handsetd/internal/clock"
)

// DriverName is the name the model database uses for this driver.
const DriverName = "hid-telephony"

// DefaultDebounce is the duplicate-press window when neither the options
// nor the model set one; the Linux Plantronics driver uses the same 5 ms.
const DefaultDebounce = 5 * time.Millisecond

// Sentinel errors callers branch on.
var (
	// ErrNotTelephony: the report descriptor has no Telephony application
	// collection, so this driver cannot handle the device.
	ErrNotTelephony = errors.New("telephony: not a HID Telephony device")
	// ErrClosed: the handset was closed.
	ErrClosed = errors.New("telephony: handset closed")
	// ErrRunning: Run was called while another Run is active.
	ErrRunning = errors.New("telephony: already running")
)

// Options tune the driver. The zero value is usable.
type Options struct {
	// Clock times debounce and the hook-on window; clock.Real if nil.
	Clock clock.Clock
	// Logger receives diagnostics; nothing is logged if nil.
	Logger *slog.Logger
	// Debounce overrides the model's duplicate-press window (0: the
	// model's, or DefaultDebounce; negative: off).
	Debounce time.Duration
	// HookOnIgnoreAfterAnswer overrides the model's window in which a
	// hook-on right after a hook-off is held back (0: the model's, which is
	// off by default; negative: off).
	HookOnIgnoreAfterAnswer time.Duration
	// KeyMap overrides the model's key map: control name (see Controls) to
	// phone-API key name; "" disables a control.
	KeyMap map[string]string
}

// Controls lists the control names a key map may use with this driver, and
// their default keys ("" means ignored unless mapped).
var Controls = map[string]string{
	"flash":        "R",
	"redial":       "+",
	"drop":         "NO",
	"send":         "YES",
	"programmable": "SKYPE",
	"volume_up":    "UP",
	"volume_down":  "DOWN",
	"speed_dial":   "",
	"voice_mail":   "",
}

// Usages the summary does not cover but a key map may name.
var (
	usageSend      = hid.NewUsage(hid.PageTelephony, 0x31)
	usageSpeedDial = hid.NewUsage(hid.PageTelephony, 0x50)
	usageVoiceMail = hid.NewUsage(hid.PageTelephony, 0x70)
)

type ctlKind uint8

const (
	kindHook ctlKind = iota + 1
	kindMute
	kindConsumerMute
	kindButton
	kindKeypad
	kindLineBusy
)

// control is one input the driver watches, with its state.
type control struct {
	name     string
	kind     ctlKind
	ref      hid.FieldRef
	relative bool
	button   devices.Button
	key      string

	level      int32     // last value seen (variable fields)
	down       bool      // KeyDown emitted, KeyUp owed
	suppressed bool      // the press was debounced: drop its release too
	lastPress  time.Time // last accepted press, for debounce
	keys       []padKey  // keypad: keys currently down
}

// padKey is one key held on the keypad.
type padKey struct {
	usage      hid.Usage
	key        string
	suppressed bool
}

// output is where an indicator lives.
type output struct {
	ref     hid.FieldRef
	on      int32
	present bool
}

const numIndicators = int(devices.OnLine) + 1

// Handset is an open HID Telephony device. It implements devices.Handset.
type Handset struct {
	dev      hid.Device
	info     devices.Info
	desc     *hid.ReportDescriptor
	dec      *hid.Decoder
	clk      clock.Clock
	log      *slog.Logger
	limit    *limiter
	debounce time.Duration
	hookWin  time.Duration
	quirks   models.Quirks

	// Input side: owned by Run's goroutine.
	byReport    map[uint8][]*control
	hookCtl     *control
	offHook     bool      // what the host was told
	hookOffAt   time.Time // when, for the hook-on window
	maxInputLen int
	running     atomic.Bool

	// Output side: shared with SetIndicator callers.
	mu   sync.Mutex
	enc  *hid.Encoder
	outs [numIndicators]output
	want [numIndicators]bool
	// written is what each LED was last set to: 0 off, 1 on, -1 unknown
	// after a failed write. LEDs start off, as the encoder's shadow does.
	written [numIndicators]int8
	muted   bool
	closed  bool
}

var _ devices.Handset = (*Handset)(nil)

// Open builds a driver for dev from its report descriptor. model may be nil
// for a Telephony device that is not in the database. On error dev is left
// open; on success the Handset owns it and Close closes it. Open writes
// nothing to the device.
func Open(dev hid.Device, info devices.Info, model *models.Model, opts Options) (*Handset, error) {
	raw, err := dev.ReportDescriptor()
	if err != nil {
		return nil, fmt.Errorf("telephony: read report descriptor: %w", err)
	}
	desc, err := hid.ParseReportDescriptor(raw)
	if err != nil {
		return nil, fmt.Errorf("telephony: %w", err)
	}
	if !desc.HasTelephony() {
		return nil, ErrNotTelephony
	}
	h := &Handset{
		dev:      dev,
		desc:     desc,
		dec:      hid.NewDecoder(desc),
		enc:      hid.NewEncoder(desc),
		clk:      opts.Clock,
		log:      opts.Logger,
		byReport: map[uint8][]*control{},
		debounce: DefaultDebounce,
	}
	if h.clk == nil {
		h.clk = clock.Real
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.limit = newLimiter(h.clk, 5, 10*time.Second)
	keymap := map[string]string{}
	for c, k := range Controls {
		keymap[c] = k
	}
	info.Driver = DriverName
	if model != nil {
		info.Model = model.ID
		if info.Name == "" {
			info.Name = model.Name
		}
		h.quirks = model.Quirks
		if model.Quirks.Debounce != nil {
			h.debounce = *model.Quirks.Debounce
		}
		h.hookWin = model.Quirks.HookOnIgnoreAfterAnswer
		for c, k := range model.KeyMap {
			keymap[c] = k
		}
	}
	for c, k := range opts.KeyMap {
		keymap[c] = k
	}
	if opts.Debounce != 0 {
		h.debounce = max(opts.Debounce, 0)
	}
	if opts.HookOnIgnoreAfterAnswer != 0 {
		h.hookWin = max(opts.HookOnIgnoreAfterAnswer, 0)
	}
	h.info = info
	h.log = h.log.With("device", info.Path)
	h.build(keymap)
	return h, nil
}

// build turns the descriptor's telephony controls into inputs and outputs.
func (h *Handset) build(keymap map[string]string) {
	summary := hid.TelephonySummary(h.desc)
	hasPhoneMute := false
	for _, tc := range summary {
		if tc.Control == hid.PhoneMute {
			hasPhoneMute = true
		}
	}
	add := func(c *control) {
		id := c.ref.Field.ReportID
		h.byReport[id] = append(h.byReport[id], c)
	}
	button := func(tc hid.TelephonyControl, name string, b devices.Button) {
		add(&control{name: name, kind: kindButton, ref: tc.Ref, relative: tc.Relative(), button: b, key: keymap[name]})
	}
	for _, tc := range summary {
		switch tc.Control {
		case hid.HookSwitch:
			h.hookCtl = &control{name: "hook", kind: kindHook, ref: tc.Ref, relative: tc.Relative()}
			add(h.hookCtl)
		case hid.PhoneMute:
			add(&control{name: "mute", kind: kindMute, ref: tc.Ref, relative: tc.Relative()})
		case hid.ConsumerMute:
			if !hasPhoneMute {
				add(&control{name: "consumer_mute", kind: kindConsumerMute, ref: tc.Ref, relative: tc.Relative()})
			}
		case hid.KeyPad:
			if tc.Ref.Field.Flags.IsArray() {
				add(&control{name: "keypad", kind: kindKeypad, ref: tc.Ref})
			}
		case hid.Flash:
			button(tc, "flash", devices.ButtonFlash)
		case hid.Redial:
			button(tc, "redial", devices.ButtonRedial)
		case hid.Drop:
			button(tc, "drop", devices.ButtonDrop)
		case hid.ProgrammableButton:
			button(tc, "programmable", devices.ButtonProgrammable)
		case hid.VolumeUp:
			button(tc, "volume_up", devices.ButtonVolumeUp)
		case hid.VolumeDown:
			button(tc, "volume_down", devices.ButtonVolumeDown)
		case hid.LineBusy:
			add(&control{name: "line_busy", kind: kindLineBusy, ref: tc.Ref})
		default:
			if ind, ok := ledIndicator[tc.Control]; ok && tc.Ref.Field.Flags.IsVariable() {
				if on, ok := ledOnValue(tc.Ref.Field); ok {
					h.outs[ind] = output{ref: tc.Ref, on: on, present: true}
				}
			}
		}
	}
	for _, x := range []struct {
		u    hid.Usage
		name string
		b    devices.Button
	}{
		{usageSend, "send", devices.ButtonAnswer},
		{usageSpeedDial, "speed_dial", devices.ButtonOther},
		{usageVoiceMail, "voice_mail", devices.ButtonOther},
	} {
		for _, ref := range h.desc.FindUsage(hid.Input, x.u) {
			if ref.Field.Application != nil && ref.Field.Application.Usage.Page() == hid.PageTelephony && ref.Field.Flags.IsVariable() {
				add(&control{name: x.name, kind: kindButton, ref: ref, relative: ref.Field.Flags.IsRelative(), button: x.b, key: keymap[x.name]})
				break
			}
		}
	}
	for _, r := range h.desc.Reports {
		if r.Type == hid.Input {
			h.maxInputLen = max(h.maxInputLen, r.ByteLen())
		}
	}
}

var ledIndicator = map[hid.Control]devices.Indicator{
	hid.LEDRing:       devices.Ring,
	hid.Ringer:        devices.Ringer,
	hid.LEDOffHook:    devices.OffHook,
	hid.LEDMute:       devices.Mute,
	hid.LEDHold:       devices.Hold,
	hid.LEDMicrophone: devices.Microphone,
	hid.LEDOnLine:     devices.OnLine,
}

// Info implements devices.Handset.
func (h *Handset) Info() devices.Info { return h.info }

// Descriptor returns the parsed report descriptor.
func (h *Handset) Descriptor() *hid.ReportDescriptor { return h.desc }

// Indicators implements devices.Handset.
func (h *Handset) Indicators() []devices.Indicator {
	var out []devices.Indicator
	for i := range h.outs {
		if h.outs[i].present || devices.Indicator(i) == devices.Mute && h.outs[devices.Microphone].present {
			out = append(out, devices.Indicator(i))
		}
	}
	return out
}

// muteLED is the LED that shows mute: LED Mute, or LED Microphone on
// devices without one (they acknowledge mute with it, and expect it back).
func (h *Handset) muteLED() devices.Indicator {
	if !h.outs[devices.Mute].present {
		return devices.Microphone
	}
	return devices.Mute
}

// SetDisplay implements devices.Handset: HID Telephony devices handled
// here have no display.
func (h *Handset) SetDisplay(string) error {
	return fmt.Errorf("telephony: display: %w", devices.ErrUnsupported)
}

// SetIndicator implements devices.Handset. The host's word on Mute is the
// truth: it also sets the state a later mute press toggles from.
func (h *Handset) SetIndicator(ind devices.Indicator, on bool) error {
	if int(ind) <= 0 || int(ind) >= numIndicators {
		return fmt.Errorf("telephony: indicator %v: %w", ind, devices.ErrUnsupported)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return ErrClosed
	}
	if ind == devices.Mute {
		h.muted = on
		ind = h.muteLED()
	}
	if !h.outs[ind].present {
		return fmt.Errorf("telephony: indicator %v: %w", ind, devices.ErrUnsupported)
	}
	h.want[ind] = on
	err := h.apply()
	if errors.Is(err, hid.ErrDisconnected) {
		return fmt.Errorf("telephony: %s: %w: %w", h.info.Path, devices.ErrGone, err)
	}
	return err
}

// effective is what an LED should show: Hold keeps Off-Hook on.
func (h *Handset) effective(ind devices.Indicator) bool {
	if ind == devices.OffHook {
		return h.want[devices.OffHook] || h.want[devices.Hold]
	}
	return h.want[ind]
}

// apply brings every LED to its effective state, writing each changed
// output report once, in report order. h.mu must be held.
func (h *Handset) apply() error {
	type pending struct {
		id   uint8
		data []byte
		inds []devices.Indicator
	}
	var reports []*pending
	var errs []error
	for i := 1; i < numIndicators; i++ {
		ind := devices.Indicator(i)
		o := h.outs[ind]
		if !o.present {
			continue
		}
		on := h.effective(ind)
		if h.written[ind] == int8(b2i(on)) {
			continue
		}
		v := int32(0)
		if on {
			v = o.on
		}
		b, err := h.enc.Set(hid.Output, o.ref, v)
		if err != nil {
			errs = append(errs, fmt.Errorf("telephony: indicator %v: %w", ind, err))
			continue
		}
		var p *pending
		for _, x := range reports {
			if x.id == o.ref.Field.ReportID {
				p = x
			}
		}
		if p == nil {
			p = &pending{id: o.ref.Field.ReportID}
			reports = append(reports, p)
		}
		p.data = b
		p.inds = append(p.inds, ind)
	}
	for _, p := range reports {
		err := h.dev.WriteOutput(p.data)
		for _, ind := range p.inds {
			if err != nil {
				h.written[ind] = -1
			} else {
				h.written[ind] = int8(b2i(h.effective(ind)))
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("telephony: write output report %d: %w", p.id, err))
		}
	}
	return errors.Join(errs...)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Close implements devices.Handset: it switches every indicator off and
// closes the device. A device that is already gone only gets closed.
func (h *Handset) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	h.closed = true
	h.want = [numIndicators]bool{}
	err := h.apply()
	if errors.Is(err, hid.ErrDisconnected) {
		err = nil
	}
	return errors.Join(err, h.dev.Close())
}

// ack confirms an input to the device by setting its LED locally, as the
// device expects; a failure is logged, not fatal: the host's notification
// will set the LED again.
func (h *Handset) ack(ind devices.Indicator, on bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || !h.outs[ind].present {
		return
	}
	h.want[ind] = on
	if err := h.apply(); err != nil {
		h.log.Warn("acknowledge", "indicator", ind, "err", err)
	}
}

// ackMute sets the mute state and its LED (Microphone where the device
// has no Mute LED).
func (h *Handset) ackMute(on bool) {
	h.mu.Lock()
	h.muted = on
	ind := h.muteLED()
	h.mu.Unlock()
	h.ack(ind, on)
}

func (h *Handset) isMuted() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.muted
}

// Run implements devices.Handset.
func (h *Handset) Run(ctx context.Context, emit func(devices.Event)) error {
	if !h.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer h.running.Store(false)

	ctx, cancel := context.WithCancel(ctx)
	type result struct {
		n   int
		err error
	}
	reports := make(chan result)
	done := make(chan struct{}) // Run has handled the report: read on
	buf := make([]byte, max(64, h.maxInputLen+1))
	var wg sync.WaitGroup
	wg.Add(1)
	// The reader hands over one report at a time and waits until it has
	// been handled, so that buf is never overwritten while in use and the
	// device is read only when the driver is ready for more.
	go func() {
		defer wg.Done()
		for {
			n, err := h.dev.ReadReport(ctx, buf)
			select {
			case reports <- result{n, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
			select {
			case <-done:
			case <-ctx.Done():
				return
			}
		}
	}()
	defer func() {
		cancel()
		wg.Wait()
	}()

	var window clock.Timer
	defer func() {
		if window != nil {
			window.Stop()
		}
	}()
	vals := make([]hid.Value, 0, h.dec.MaxValues())
	for {
		var windowC <-chan time.Time
		if window != nil {
			windowC = window.C()
		}
		select {
		case <-ctx.Done():
			h.releaseAll(emit)
			return ctx.Err()
		case <-windowC:
			window = nil
			h.hookWindowClosed(emit)
		case r := <-reports:
			if r.err != nil {
				h.releaseAll(emit)
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return h.readError(r.err)
			}
			var wait time.Duration
			vals, wait = h.handle(buf[:r.n], vals, emit)
			if wait > 0 {
				if window == nil {
					window = h.clk.NewTimer(wait)
				} else {
					window.Reset(wait)
				}
			}
			select {
			case done <- struct{}{}:
			case <-ctx.Done():
			}
		}
	}
}

func (h *Handset) readError(err error) error {
	h.mu.Lock()
	closed := h.closed
	h.mu.Unlock()
	switch {
	case closed:
		return ErrClosed
	case errors.Is(err, hid.ErrDisconnected):
		return fmt.Errorf("telephony: %s: %w: %w", h.info.Path, devices.ErrGone, err)
	}
	return fmt.Errorf("telephony: read: %w", err)
}

// handle processes one input report. It returns how long to wait before
// re-checking a held-back hook-on (0: nothing held back).
func (h *Handset) handle(raw []byte, vals []hid.Value, emit func(devices.Event)) ([]hid.Value, time.Duration) {
	r, vals, err := h.dec.Decode(raw, vals)
	if err != nil {
		if h.limit.allow() {
			h.log.Warn("dropped input report", "len", len(raw), "err", err, "suppressed", h.limit.takeSuppressed())
		}
		return vals, 0
	}
	ctls := h.byReport[r.ID]
	if len(ctls) == 0 {
		return vals, 0
	}
	now := h.clk.Now()
	var wait time.Duration
	for _, c := range ctls {
		if c.kind == kindKeypad {
			h.keypad(c, vals, now, emit)
			continue
		}
		v := c.value(vals)
		prev := c.level
		c.level = v
		rising := prev == 0 && v != 0
		switch c.kind {
		case kindHook:
			if w := h.hook(c, rising, now, emit); w > 0 {
				wait = w
			}
		case kindMute:
			h.mute(c, rising, prev != v, v != 0, now, emit)
		case kindConsumerMute:
			h.mute(c, rising, false, false, now, emit)
		case kindButton:
			h.button(c, rising, prev != 0 && v == 0, now, emit)
		case kindLineBusy:
			if prev != v {
				h.log.Debug("line busy", "on", v != 0)
			}
		}
	}
	return vals, wait
}

// value is the control's current value in a decoded report: the element
// for a variable field. For an array field (EPOS declares its
// programmable button as a one-bit array of Programmable Button and
// Button 1) it is 1 while any element selects a usage with a non-zero
// value, since 0 means "none" in an array.
func (c *control) value(vals []hid.Value) int32 {
	array := c.ref.Field.Flags.IsArray()
	for i := range vals {
		v := &vals[i]
		if v.Field != c.ref.Field {
			continue
		}
		if array {
			if !v.Null && v.Usage != 0 && v.Value != 0 {
				return 1
			}
			continue
		}
		if v.Index == c.ref.Index {
			if v.Null {
				return 0
			}
			return v.Value
		}
	}
	return 0
}

func (h *Handset) hook(c *control, rising bool, now time.Time, emit func(devices.Event)) time.Duration {
	var off bool
	if c.relative {
		if !rising || h.bounced(c, now) {
			return 0
		}
		off = !h.offHook
	} else {
		off = c.level != 0
	}
	if off == h.offHook {
		return 0
	}
	if off {
		h.offHook = true
		h.hookOffAt = now
		h.ack(devices.OffHook, true)
		emit(devices.Event{Kind: devices.HookOff})
		return 0
	}
	if left := h.hookOffAt.Add(h.hookWin).Sub(now); h.hookWin > 0 && left > 0 {
		h.log.Debug("hook-on held back after answer", "for", left)
		if c.relative {
			return 0 // a toggle request: drop it
		}
		return left
	}
	h.goOnHook(emit)
	return 0
}

func (h *Handset) goOnHook(emit func(devices.Event)) {
	h.offHook = false
	h.ack(devices.OffHook, false)
	emit(devices.Event{Kind: devices.HookOn})
}

// hookWindowClosed emits the hook-on held back if the hook still reads
// on-hook.
func (h *Handset) hookWindowClosed(emit func(devices.Event)) {
	if h.hookCtl != nil && !h.hookCtl.relative && h.hookCtl.level == 0 && h.offHook {
		h.goOnHook(emit)
	}
}

func (h *Handset) mute(c *control, rising, changed, on bool, now time.Time, emit func(devices.Event)) {
	toggle := c.relative || c.kind == kindConsumerMute
	if toggle && (!rising || h.bounced(c, now)) {
		return
	}
	if !toggle && !changed {
		return
	}
	if h.quirks.MuteNeedsOffHook && !h.offHook {
		h.log.Debug("mute ignored on hook")
		return
	}
	// Acknowledge before emitting: the phone answers the event from
	// another goroutine by setting the Mute indicator, which also moves
	// the state a toggle starts from. Reading that state after the emit
	// raced with it and could switch the LED back off.
	if toggle {
		h.ackMute(!h.isMuted())
		emit(devices.Event{Kind: devices.MuteToggle})
		return
	}
	h.ackMute(on)
	if on {
		emit(devices.Event{Kind: devices.MuteOn})
	} else {
		emit(devices.Event{Kind: devices.MuteOff})
	}
}

// bounced applies the debounce window to a press of c, recording it when
// accepted.
func (h *Handset) bounced(c *control, now time.Time) bool {
	if h.debounce > 0 && !c.lastPress.IsZero() && now.Sub(c.lastPress) < h.debounce {
		h.log.Debug("duplicate press dropped", "control", c.name)
		return true
	}
	c.lastPress = now
	return false
}

func (h *Handset) button(c *control, rising, falling bool, now time.Time, emit func(devices.Event)) {
	if c.key == "" {
		if rising {
			h.log.Debug("unmapped control", "control", c.name)
		}
		return
	}
	switch {
	case rising:
		if h.bounced(c, now) {
			c.suppressed = true
			return
		}
		emit(devices.Event{Kind: devices.KeyDown, Key: c.key, Button: c.button})
		if c.relative {
			emit(devices.Event{Kind: devices.KeyUp, Key: c.key, Button: c.button})
			return
		}
		c.down = true
	case falling:
		if c.suppressed {
			c.suppressed = false
			return
		}
		if c.down {
			c.down = false
			emit(devices.Event{Kind: devices.KeyUp, Key: c.key, Button: c.button})
		}
	}
}

// ledOnValue is the value that lights an LED output; off is 0. A field
// that cannot be written as a number, or whose logical range holds no 0
// or no other value, cannot be an indicator: a malformed descriptor, which
// the driver then treats as lacking that LED rather than failing every
// time it is set.
func ledOnValue(f *hid.Field) (int32, bool) {
	if !f.Holds(0) {
		return 0, false
	}
	for _, on := range []int32{1, -1, f.LogicalMax, f.LogicalMin} {
		if on != 0 && f.Holds(on) {
			return on, true
		}
	}
	return 0, false
}

var phoneKeys = [16]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#", "A", "B", "C", "D"}

func (h *Handset) keypad(c *control, vals []hid.Value, now time.Time, emit func(devices.Event)) {
	// Keys now down, at most one per array element.
	var nowDown [8]hid.Usage
	n := 0
	for i := range vals {
		v := vals[i]
		if v.Field != c.ref.Field || v.Null || v.Value == 0 || v.Usage == 0 || n == len(nowDown) {
			continue
		}
		if v.Usage.Page() != hid.PageTelephony || v.Usage.ID() < 0xB0 || v.Usage.ID() > 0xBF {
			continue
		}
		nowDown[n] = v.Usage
		n++
	}
	held := func(u hid.Usage) bool {
		for _, x := range nowDown[:n] {
			if x == u {
				return true
			}
		}
		return false
	}
	// Releases first, so that one key replacing another reads as up, down.
	kept := c.keys[:0]
	for _, k := range c.keys {
		if held(k.usage) {
			kept = append(kept, k)
			continue
		}
		if !k.suppressed {
			emit(devices.Event{Kind: devices.KeyUp, Key: k.key, Button: devices.ButtonKey})
		}
	}
	c.keys = kept
	for _, u := range nowDown[:n] {
		down := false
		for _, k := range c.keys {
			down = down || k.usage == u
		}
		if down {
			continue
		}
		k := padKey{usage: u, key: phoneKeys[u.ID()-0xB0]}
		// Debounce per key: the field is shared by all of them.
		if h.debounce > 0 && c.lastPress.After(now.Add(-h.debounce)) && c.level == int32(u) {
			k.suppressed = true
		} else {
			c.lastPress, c.level = now, int32(u)
			emit(devices.Event{Kind: devices.KeyDown, Key: k.key, Button: devices.ButtonKey})
		}
		c.keys = append(c.keys, k)
	}
}

// releaseAll emits the KeyUp owed for every key still down, so that Run
// never ends with a key pressed.
func (h *Handset) releaseAll(emit func(devices.Event)) {
	for _, ctls := range h.byReport {
		for _, c := range ctls {
			switch c.kind {
			case kindKeypad:
				for _, k := range c.keys {
					if !k.suppressed {
						emit(devices.Event{Kind: devices.KeyUp, Key: k.key, Button: devices.ButtonKey})
					}
				}
				c.keys = c.keys[:0]
			case kindButton:
				if c.down {
					emit(devices.Event{Kind: devices.KeyUp, Key: c.key, Button: c.button})
				}
				// A key still held when Run starts again reads as a new
				// press.
				c.down, c.suppressed, c.level = false, false, 0
			}
		}
	}
}

// limiter lets through at most burst messages per period, counting the
// rest, so that a device spewing bad reports cannot flood the log.
type limiter struct {
	clk        clock.Clock
	burst      int
	period     time.Duration
	start      time.Time
	n          int
	suppressed int
}

func newLimiter(clk clock.Clock, burst int, period time.Duration) *limiter {
	return &limiter{clk: clk, burst: burst, period: period}
}

func (l *limiter) allow() bool {
	now := l.clk.Now()
	if l.start.IsZero() || now.Sub(l.start) >= l.period {
		l.start, l.n = now, 0
	}
	if l.n < l.burst {
		l.n++
		return true
	}
	l.suppressed++
	return false
}

// takeSuppressed returns how many messages were dropped since the last
// call.
func (l *limiter) takeSuppressed() int {
	n := l.suppressed
	l.suppressed = 0
	return n
}

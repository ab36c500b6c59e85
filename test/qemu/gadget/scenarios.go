package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"

	"handsetd/hid"
	"handsetd/phoneapi/phoneapitest"
)

// suite runs the scenarios in order; each starts from the state the one
// before left (the handsets on hook, no call) unless it says otherwise.
type suite struct {
	o           options
	jabra, poly *Handset
	cm          *CM109
	host        *phoneapitest.Host
	daemon      *Daemon
	// clients maps each plugged handset, by label, to its phone-API client
	// (the daemon's connection for it, by unique bus name); names holds the
	// NAME each attaches with.
	clients map[string]string
	names   map[string]string
	// call is the host's id of the call the first scenarios play.
	call int
}

// settle is how long an indicator state must hold once reached: an output
// report that undoes it right after would otherwise go unnoticed.
const settle = 300 * time.Millisecond

func (s *suite) run(ctx context.Context) error {
	// A HID handset attaches under the product name it reports over USB
	// (devices.Info.Name); a vendor USB phone under its model's name.
	s.names = map[string]string{
		s.jabra.Label: "Jabra EVOLVE LINK MS (handsetd)",
		s.poly.Label:  "Plantronics Blackwire 5220 Series (handsetd)",
		s.cm.Label:    "C-Media CM109 USB phone (handsetd)",
	}
	bus, err := phoneapitest.StartDaemon(ctx)
	if err != nil {
		return err
	}
	defer bus.Close()
	fmt.Printf("qemutest: private bus %s\n", bus.Address)
	s.host, err = phoneapitest.Start(ctx, bus.Address,
		phoneapitest.OnCommand(func(r phoneapitest.Received) { fmt.Printf("host: %s -> %s\n", r.Sender, r.Line) }),
		phoneapitest.OnNotify(func(dest, line string) { fmt.Printf("host: %s <- %s\n", dest, line) }),
	)
	if err != nil {
		return err
	}
	defer s.host.Close()

	// The first handset is present when the daemon starts (enumeration);
	// the others arrive later (hotplug). Unplugging at the end stops the
	// endpoint readers and the CM109's pumps.
	defer s.unplugAll()
	if err := s.jabra.Plug(ctx); err != nil {
		return err
	}
	args := append([]string{"run", "--udev-source=kernel", "--bus=" + bus.Address}, s.o.extra...)
	s.daemon, err = StartDaemon(s.o.handsetd, args)
	if err != nil {
		return err
	}
	// Every wait ends as soon as the daemon dies, with that as the reason.
	dctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		select {
		case <-s.daemon.Done():
			cancel(fmt.Errorf("handsetd exited: %v", s.daemon.err))
		case <-dctx.Done():
		}
	}()

	scenarios := []struct {
		name string
		f    func(context.Context) error
	}{
		{"attach", s.attach},
		{"incoming-ring", s.incomingRing},
		{"hook-off-answers", s.hookOffAnswers},
		{"keys", s.keys},
		{"mute", s.mute},
		{"hold", s.hold},
		{"hook-on-hangs-up", s.hookOnHangsUp},
		{"two-handsets", s.twoHandsets},
		{"cm109", s.cm109Phone},
		{"replug-mid-call", s.replugMidCall},
		{"shutdown", s.shutdown},
	}
	var failed error
	for _, sc := range scenarios {
		start := time.Now()
		err := sc.f(dctx)
		if err != nil && context.Cause(dctx) != nil && !errors.Is(context.Cause(dctx), context.Canceled) {
			err = fmt.Errorf("%w (%v)", err, context.Cause(dctx))
		}
		fmt.Printf("qemutest: %s took %v\n", sc.name, time.Since(start).Round(time.Millisecond))
		if failed = scenario(sc.name, err); failed != nil || sc.name == s.o.only {
			break
		}
	}
	select {
	case <-s.daemon.Done():
	default:
		if err := s.daemon.Stop(10 * time.Second); err != nil {
			fmt.Printf("qemutest: %v\n", err)
		}
	}
	return failed
}

// unplugAll unplugs every handset still plugged in.
func (s *suite) unplugAll() {
	for _, h := range []*Handset{s.jabra, s.poly} {
		if h.ep != nil {
			h.Unplug()
		}
	}
	if s.cm.ep != nil {
		s.cm.Unplug()
	}
}

// step bounds one wait of a scenario.
func (s *suite) step(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.o.step)
}

// expect waits until h shows exactly want, then checks it still does after
// settle.
func (s *suite) expect(ctx context.Context, h *Handset, want Indicators) error {
	sctx, cancel := s.step(ctx)
	defer cancel()
	if err := h.WaitIndicators(sctx, want); err != nil {
		return err
	}
	hold, cancel2 := context.WithTimeout(ctx, settle)
	defer cancel2()
	for {
		select {
		case <-hold.Done():
			return nil
		case r, ok := <-h.ep.Outputs():
			if !ok {
				return fmt.Errorf("%s: hidg closed", h.Label)
			}
			if err := h.apply(r); err != nil {
				return err
			}
			if !h.leds.Equal(want) {
				return fmt.Errorf("%s indicators %v right after reaching %v (output report % x)", h.Label, h.leds, want, r)
			}
		}
	}
}

// phoneVerbs are the commands a handset sends for what its user does, in
// phone mode (docs/phone-api.md, "Device to host").
var phoneVerbs = []string{"HOOK", "BTN_PRESSED", "BTN_RELEASED", "MUTE"}

// userCommands returns the phone-mode commands sender sent after the first
// mark commands, without their ids.
func (s *suite) userCommands(mark int, sender string) []string {
	var out []string
	for _, r := range s.host.Commands()[mark:] {
		verb, _, _ := strings.Cut(r.Text(), " ")
		if r.Sender == sender && slices.Contains(phoneVerbs, verb) {
			out = append(out, r.Text())
		}
	}
	return out
}

// expectCommands waits until h's client has sent len(want) phone-mode
// commands since mark and checks they are exactly want.
func (s *suite) expectCommands(ctx context.Context, mark int, label string, want ...string) error {
	sctx, cancel := s.step(ctx)
	defer cancel()
	sender := s.clients[label]
	var got []string
	err := poll(sctx, func() (bool, error) {
		got = s.userCommands(mark, sender)
		return len(got) >= len(want), nil
	})
	if err != nil {
		return fmt.Errorf("%s sent %q, want %q: %w", label, got, want, err)
	}
	if !slices.Equal(got, want) {
		return fmt.Errorf("%s sent %q, want %q", label, got, want)
	}
	return nil
}

// quiet checks that h's client sent no phone-mode command since mark.
func (s *suite) quiet(mark int, label string) error {
	if got := s.userCommands(mark, s.clients[label]); len(got) != 0 {
		return fmt.Errorf("%s sent %q, want nothing", label, got)
	}
	return nil
}

// expectCall waits until the host's call id has status want.
func (s *suite) expectCall(ctx context.Context, id int, want string) error {
	sctx, cancel := s.step(ctx)
	defer cancel()
	status := ""
	err := poll(sctx, func() (bool, error) {
		for _, c := range s.host.Calls() {
			if c.ID == id {
				status = c.Status
			}
		}
		return status == want, nil
	})
	if err != nil {
		return fmt.Errorf("call %d is %q, want %q: %w", id, status, want, err)
	}
	return nil
}

// attachOf waits for h's client: a NAME from a connection not seen before
// for h, with protocol 5 negotiated.
func (s *suite) attachOf(ctx context.Context, label, old string) error {
	sctx, cancel := s.step(ctx)
	defer cancel()
	var found *phoneapitest.Client
	err := poll(sctx, func() (bool, error) {
		for _, c := range s.host.Clients() {
			if c.Name == s.names[label] && c.Sender != old && c.Protocol == 5 {
				found = &c
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("no client named %q with protocol 5 (clients: %+v): %w", s.names[label], s.host.Clients(), err)
	}
	s.clients[label] = found.Sender
	return nil
}

// ring starts an incoming call. The host never forgets a client, so after a
// re-plug the old connection's notifications fail as undeliverable; that
// alone is not an error.
func (s *suite) ring(ctx context.Context) (int, error) {
	sctx, cancel := s.step(ctx)
	defer cancel()
	id, err := s.host.Ring(sctx, "echo123", "Echo / Sound Test Service")
	if err != nil && !onlyUndeliverable(err) {
		return 0, err
	}
	return id, nil
}

// onlyUndeliverable reports whether every error joined in err is a D-Bus
// error saying the destination connection is gone.
func onlyUndeliverable(err error) bool {
	var leaves []error
	var walk func(error)
	walk = func(e error) {
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			if in := u.Unwrap(); in != nil {
				walk(in)
				return
			}
			leaves = append(leaves, e)
		default:
			leaves = append(leaves, e)
		}
	}
	walk(err)
	for _, l := range leaves {
		var de dbus.Error
		var dp *dbus.Error
		var name string
		switch {
		case errors.As(l, &de):
			name = de.Name
		case errors.As(l, &dp):
			name = dp.Name
		}
		if !slices.Contains(goneErrors, name) {
			return false
		}
	}
	return len(leaves) > 0
}

// goneErrors are the bus's answers to a message for a connection that has
// closed.
var goneErrors = []string{
	"org.freedesktop.DBus.Error.NameHasNoOwner",
	"org.freedesktop.DBus.Error.ServiceUnknown",
}

// attach: the handset present at start is found through libudev enumeration
// and attaches as its own client; it is on hook, so it reports nothing.
func (s *suite) attach(ctx context.Context) error {
	if err := s.attachOf(ctx, s.jabra.Label, ""); err != nil {
		return err
	}
	if err := s.expect(ctx, s.jabra, s.jabra.t.Off()); err != nil {
		return err
	}
	return s.quiet(0, s.jabra.Label)
}

// incomingRing: an incoming call rings the handset (LED Ring and the
// Telephony Ringer, which share one output byte on this Jabra).
func (s *suite) incomingRing(ctx context.Context) error {
	id, err := s.ring(ctx)
	if err != nil {
		return err
	}
	s.call = id
	return s.expect(ctx, s.jabra, s.jabra.t.With("ring", "ringer"))
}

// hookOffAnswers: lifting the handset sends HOOK OFF, the host answers the
// ringing call, and the handset stops ringing and shows off-hook.
func (s *suite) hookOffAnswers(ctx context.Context) error {
	m := len(s.host.Commands())
	if err := s.jabra.Set(ctx, hid.UsageHookSwitch, 1); err != nil {
		return err
	}
	if err := s.expectCommands(ctx, m, s.jabra.Label, "HOOK OFF"); err != nil {
		return err
	}
	if err := s.expectCall(ctx, s.call, "INPROGRESS"); err != nil {
		return err
	}
	return s.expect(ctx, s.jabra, s.jabra.t.With("off-hook"))
}

// keys: keypad array keys and a relative button each give exactly one
// press and one release; the indicators do not move.
func (s *suite) keys(ctx context.Context) error {
	m := len(s.host.Commands())
	for _, k := range []byte{'1', '#'} {
		u, err := KeyUsage(k)
		if err != nil {
			return err
		}
		if err := s.jabra.Press(ctx, u); err != nil {
			return err
		}
	}
	if err := s.jabra.Press(ctx, hid.UsageRedial); err != nil {
		return err
	}
	if err := s.expectCommands(ctx, m, s.jabra.Label,
		"BTN_PRESSED 1", "BTN_RELEASED 1", "BTN_PRESSED #", "BTN_RELEASED #", "BTN_PRESSED +", "BTN_RELEASED +"); err != nil {
		return err
	}
	return s.expect(ctx, s.jabra, s.jabra.t.With("off-hook"))
}

// mute: the relative Phone Mute control toggles; the host's MUTE
// notification lights and clears LED Mute.
func (s *suite) mute(ctx context.Context) error {
	for _, want := range []string{"ON", "OFF"} {
		m := len(s.host.Commands())
		if err := s.jabra.Press(ctx, hid.UsagePhoneMute); err != nil {
			return err
		}
		if err := s.expectCommands(ctx, m, s.jabra.Label, "MUTE "+want); err != nil {
			return err
		}
		leds := s.jabra.t.With("off-hook")
		if want == "ON" {
			leds = s.jabra.t.With("off-hook", "mute")
		}
		if err := s.expect(ctx, s.jabra, leds); err != nil {
			return err
		}
		if s.host.Muted() != (want == "ON") {
			return fmt.Errorf("host muted %v after MUTE %s", s.host.Muted(), want)
		}
	}
	return nil
}

// hold: the host puts the call on hold and resumes it. Hold lights LED
// Hold and keeps Off-Hook set, since clearing it makes some headsets hang
// up (docs/phone-api.md); the handset sends nothing.
func (s *suite) hold(ctx context.Context) error {
	m := len(s.host.Commands())
	sctx, cancel := s.step(ctx)
	defer cancel()
	if err := s.host.Hold(sctx, s.call); err != nil {
		return err
	}
	if err := s.expect(ctx, s.jabra, s.jabra.t.With("off-hook", "hold")); err != nil {
		return err
	}
	if err := s.host.Resume(sctx, s.call); err != nil {
		return err
	}
	if err := s.expect(ctx, s.jabra, s.jabra.t.With("off-hook")); err != nil {
		return err
	}
	return s.quiet(m, s.jabra.Label)
}

// hookOnHangsUp: putting the handset down sends HOOK ON, the host ends the
// call, every indicator goes off.
func (s *suite) hookOnHangsUp(ctx context.Context) error {
	m := len(s.host.Commands())
	if err := s.jabra.Set(ctx, hid.UsageHookSwitch, 0); err != nil {
		return err
	}
	if err := s.expectCommands(ctx, m, s.jabra.Label, "HOOK ON"); err != nil {
		return err
	}
	if err := s.expectCall(ctx, s.call, "FINISHED"); err != nil {
		return err
	}
	return s.expect(ctx, s.jabra, s.jabra.t.Off())
}

// twoHandsets: a second handset plugged in while the daemon runs attaches
// as a second client; a call rings both, the one lifted answers, both show
// the call in progress (the host's state, docs/phone-api.md), and hanging up
// there clears both.
func (s *suite) twoHandsets(ctx context.Context) error {
	if err := s.poly.Plug(ctx); err != nil {
		return err
	}
	if err := s.attachOf(ctx, s.poly.Label, ""); err != nil {
		return err
	}
	if err := s.expect(ctx, s.poly, s.poly.t.Off()); err != nil {
		return err
	}
	id, err := s.ring(ctx)
	if err != nil {
		return err
	}
	for _, h := range []*Handset{s.jabra, s.poly} {
		if err := s.expect(ctx, h, h.t.With("ring", "ringer")); err != nil {
			return err
		}
	}
	m := len(s.host.Commands())
	if err := s.poly.Set(ctx, hid.UsageHookSwitch, 1); err != nil {
		return err
	}
	if err := s.expectCommands(ctx, m, s.poly.Label, "HOOK OFF"); err != nil {
		return err
	}
	if err := s.expectCall(ctx, id, "INPROGRESS"); err != nil {
		return err
	}
	for _, h := range []*Handset{s.jabra, s.poly} {
		if err := s.expect(ctx, h, h.t.With("off-hook")); err != nil {
			return err
		}
	}
	if err := s.poly.Set(ctx, hid.UsageHookSwitch, 0); err != nil {
		return err
	}
	if err := s.expectCommands(ctx, m, s.poly.Label, "HOOK OFF", "HOOK ON"); err != nil {
		return err
	}
	if err := s.expectCall(ctx, id, "FINISHED"); err != nil {
		return err
	}
	for _, h := range []*Handset{s.jabra, s.poly} {
		if err := s.expect(ctx, h, h.t.Off()); err != nil {
			return err
		}
	}
	return s.quiet(m, s.jabra.Label)
}

// Scancodes of the CM109's keypad in the KIP1000 layout, the model
// database's default for 0d8c:000e (cm109.c keymap_kip1000).
const (
	cmPickup uint8 = 0x88
	cmHangup uint8 = 0x48
	cmFive   uint8 = 0x22
)

// cadenceGap is longer than the CM109 model's ring cadence (1 s on, 2 s
// off): a buzzer still silent after it has stopped ringing.
const cadenceGap = 3500 * time.Millisecond

// cm109Phone: a vendor USB phone that usbhid ignores, driven over usbfs with
// libusb, attaches as a third client. A call makes it buzz along with the
// HID handsets; its pickup key answers, a digit is a key press with its
// release, its hangup key ends the call.
func (s *suite) cm109Phone(ctx context.Context) error {
	hids := []*Handset{s.jabra, s.poly}
	label := s.cm.Label
	if err := s.cm.Plug(ctx); err != nil {
		return err
	}
	if err := s.attachOf(ctx, label, ""); err != nil {
		return err
	}
	id, err := s.ring(ctx)
	if err != nil {
		return err
	}
	if err := s.expectAll(ctx, hids, "ring", "ringer"); err != nil {
		return err
	}
	if err := s.waitBuzzer(ctx, true); err != nil {
		return err
	}
	m := len(s.host.Commands())
	for i, k := range []struct {
		sc   uint8
		name string
	}{{cmPickup, "YES"}, {cmFive, "5"}, {cmHangup, "NO"}} {
		want := []string{}
		for _, prev := range []string{"YES", "5", "NO"}[:i] {
			want = append(want, "BTN_PRESSED "+prev, "BTN_RELEASED "+prev)
		}
		s.cm.sim.Press(k.sc)
		if err := s.expectCommands(ctx, m, label, append(want, "BTN_PRESSED "+k.name)...); err != nil {
			return err
		}
		s.cm.sim.Release(k.sc)
		if err := s.expectCommands(ctx, m, label, append(want, "BTN_PRESSED "+k.name, "BTN_RELEASED "+k.name)...); err != nil {
			return err
		}
		if k.sc == cmPickup {
			// YES answers the ringing call: every phone shows it.
			if err := s.expectCall(ctx, id, "INPROGRESS"); err != nil {
				return err
			}
			if err := s.expectAll(ctx, hids, "off-hook"); err != nil {
				return err
			}
			if err := s.silentBuzzer(ctx); err != nil {
				return err
			}
		}
	}
	if err := s.expectCall(ctx, id, "FINISHED"); err != nil {
		return err
	}
	if err := s.expectAll(ctx, hids); err != nil {
		return err
	}
	if err := s.quiet(m, s.jabra.Label); err != nil {
		return err
	}
	if err := s.quiet(m, s.poly.Label); err != nil {
		return err
	}
	return s.cm.Err()
}

// waitBuzzer waits until the CM109's buzzer is on or off.
func (s *suite) waitBuzzer(ctx context.Context, on bool) error {
	sctx, cancel := s.step(ctx)
	defer cancel()
	if err := poll(sctx, func() (bool, error) { return s.cm.Buzzer() == on, s.cm.Err() }); err != nil {
		return fmt.Errorf("%s buzzer not %v (toggles %d): %w", s.cm.Label, on, s.cm.Toggles(), err)
	}
	return nil
}

// silentBuzzer checks that the buzzer goes off and stays off for longer
// than a ring cadence.
func (s *suite) silentBuzzer(ctx context.Context) error {
	if err := s.waitBuzzer(ctx, false); err != nil {
		return err
	}
	n := s.cm.Toggles()
	select {
	case <-time.After(cadenceGap):
	case <-ctx.Done():
		return ctx.Err()
	}
	if got := s.cm.Toggles(); got != n || s.cm.Buzzer() {
		return fmt.Errorf("%s buzzer toggled %d times after the ringing stopped", s.cm.Label, got-n)
	}
	return nil
}

// replugMidCall: the handset in a call is unplugged and plugged in again
// (the gadget unbound from its controller and bound again). The call goes
// on at the host; the new connection finds it (SEARCH ACTIVECALLS) and
// shows it, the handset reports its hook state, and hanging up still works.
func (s *suite) replugMidCall(ctx context.Context) error {
	both := []*Handset{s.jabra, s.poly}
	id, err := s.ring(ctx)
	if err != nil {
		return err
	}
	if err := s.expectAll(ctx, both, "ring", "ringer"); err != nil {
		return err
	}
	m := len(s.host.Commands())
	if err := s.jabra.Set(ctx, hid.UsageHookSwitch, 1); err != nil {
		return err
	}
	if err := s.expectCommands(ctx, m, s.jabra.Label, "HOOK OFF"); err != nil {
		return err
	}
	if err := s.expectCall(ctx, id, "INPROGRESS"); err != nil {
		return err
	}
	if err := s.expectAll(ctx, both, "off-hook"); err != nil {
		return err
	}

	old := s.clients[s.jabra.Label]
	m = len(s.host.Commands())
	if err := s.jabra.Unplug(); err != nil {
		return err
	}
	sctx, cancel := s.step(ctx)
	err = poll(sctx, s.jabra.HidrawGone)
	cancel()
	if err != nil {
		return fmt.Errorf("the kernel kept the unplugged handset's hidraw node: %w", err)
	}
	if err := s.jabra.Plug(ctx); err != nil {
		return err
	}
	if err := s.attachOf(ctx, s.jabra.Label, old); err != nil {
		return err
	}
	// The unplug neither hung up nor sent anything on the old connection.
	if got := s.userCommands(m, old); len(got) != 0 {
		return fmt.Errorf("the unplugged handset's connection sent %q, want nothing", got)
	}
	if err := s.expectCall(ctx, id, "INPROGRESS"); err != nil {
		return err
	}
	// The other handset went on showing the call all along.
	if err := s.expectAll(ctx, both, "off-hook"); err != nil {
		return err
	}
	// The device reports the hook state it has: still lifted.
	m = len(s.host.Commands())
	if err := s.jabra.Resend(ctx, hid.UsageHookSwitch); err != nil {
		return err
	}
	if err := s.expectCommands(ctx, m, s.jabra.Label, "HOOK OFF"); err != nil {
		return err
	}
	if err := s.jabra.Set(ctx, hid.UsageHookSwitch, 0); err != nil {
		return err
	}
	if err := s.expectCommands(ctx, m, s.jabra.Label, "HOOK OFF", "HOOK ON"); err != nil {
		return err
	}
	if err := s.expectCall(ctx, id, "FINISHED"); err != nil {
		return err
	}
	for _, h := range []*Handset{s.jabra, s.poly} {
		if err := s.expect(ctx, h, h.t.Off()); err != nil {
			return err
		}
	}
	return nil
}

// expectAll checks that every handset in hs shows exactly the named
// indicators, among those it has.
func (s *suite) expectAll(ctx context.Context, hs []*Handset, on ...string) error {
	for _, h := range hs {
		if err := s.expect(ctx, h, h.t.With(on...)); err != nil {
			return err
		}
	}
	return nil
}

// shutdown: the daemon stopped (SIGTERM) while a call rings exits cleanly
// and leaves no handset ringing, the CM109's buzzer included.
func (s *suite) shutdown(ctx context.Context) error {
	if _, err := s.ring(ctx); err != nil {
		return err
	}
	for _, h := range []*Handset{s.jabra, s.poly} {
		if err := s.expect(ctx, h, h.t.With("ring", "ringer")); err != nil {
			return err
		}
	}
	if err := s.waitBuzzer(ctx, true); err != nil {
		return err
	}
	if err := s.daemon.Stop(10 * time.Second); err != nil {
		return err
	}
	// The daemon is gone: wait on the parent context only.
	after := context.WithoutCancel(ctx)
	for _, h := range []*Handset{s.jabra, s.poly} {
		if err := s.expect(after, h, h.t.Off()); err != nil {
			return err
		}
	}
	if err := s.silentBuzzer(after); err != nil {
		return err
	}
	return s.cm.Err()
}

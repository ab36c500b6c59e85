package phone

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"handsetd/devices"
	"handsetd/internal/clock"
	"handsetd/phoneapi"
)

// fakeHandset records indicator and display changes.
type fakeHandset struct {
	mu      sync.Mutex
	log     []string
	state   map[devices.Indicator]bool
	display string
}

func newFakeHandset() *fakeHandset {
	return &fakeHandset{state: map[devices.Indicator]bool{}}
}

func (h *fakeHandset) Info() devices.Info { return devices.Info{Name: "Fake"} }
func (h *fakeHandset) Run(ctx context.Context, emit func(devices.Event)) error {
	<-ctx.Done()
	return ctx.Err()
}
func (h *fakeHandset) Indicators() []devices.Indicator {
	return []devices.Indicator{devices.Ring, devices.Ringer, devices.OffHook, devices.Mute, devices.Hold}
}
func (h *fakeHandset) SetIndicator(ind devices.Indicator, on bool) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.state[ind] = on
	h.log = append(h.log, fmt.Sprintf("%s=%v", ind, on))
	return nil
}
func (h *fakeHandset) SetDisplay(text string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.display = text
	h.log = append(h.log, "display="+text)
	return nil
}
func (h *fakeHandset) Close() error { return nil }

func (h *fakeHandset) takeLog() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	l := h.log
	h.log = nil
	return l
}

func (h *fakeHandset) on(ind devices.Indicator) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.state[ind]
}

// fakeHost records commands; reply decides the answer to each.
type fakeHost struct {
	cmds  chan string
	mu    sync.Mutex
	reply func(c phoneapi.Command) (phoneapi.Message, error)
}

func (h *fakeHost) setReply(f func(c phoneapi.Command) (phoneapi.Message, error)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reply = f
}

func newFakeHost() *fakeHost { return &fakeHost{cmds: make(chan string, 1000)} }

func (h *fakeHost) Send(ctx context.Context, c phoneapi.Command) (phoneapi.Message, error) {
	h.cmds <- c.String()
	h.mu.Lock()
	reply := h.reply
	h.mu.Unlock()
	if reply != nil {
		return reply(c)
	}
	return phoneapi.OKMsg{}, nil
}

// expect waits for exactly these commands, in order.
func (h *fakeHost) expect(t *testing.T, want ...string) {
	t.Helper()
	var got []string
	deadline := time.After(5 * time.Second)
	for len(got) < len(want) {
		select {
		case c := <-h.cmds:
			got = append(got, c)
		case <-deadline:
			t.Fatalf("commands: got %q, want %q", got, want)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("commands: got %q, want %q", got, want)
	}
}

// quiet checks no further command was sent once the phone caught up.
func (h *fakeHost) quiet(t *testing.T, p *Phone) {
	t.Helper()
	p.Sync(context.Background())
	// The sender goroutine may still be between dequeue and Send; a
	// second sync round after a yield gives it time to show up.
	time.Sleep(10 * time.Millisecond)
	select {
	case c := <-h.cmds:
		t.Fatalf("unexpected command %q", c)
	default:
	}
}

type rig struct {
	t     *testing.T
	p     *Phone
	hs    *fakeHandset
	host  *fakeHost
	clock *clock.Fake
	tones *fakeTones
	ctx   context.Context
}

type fakeTones struct {
	mu  sync.Mutex
	log []string
}

func (f *fakeTones) DialTone(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, fmt.Sprintf("dial=%v", on))
}
func (f *fakeTones) KeyTone(k string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, "key="+k)
}
func (f *fakeTones) RingTone(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, fmt.Sprintf("ring=%v", on))
}
func (f *fakeTones) CallAudio(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, fmt.Sprintf("call=%v", on))
}
func (f *fakeTones) Progress(p Progress) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, "progress="+p.String())
}
func (f *fakeTones) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	l := f.log
	f.log = nil
	return l
}

func newRig(t *testing.T, mode Mode) *rig {
	t.Helper()
	r := &rig{t: t, hs: newFakeHandset(), host: newFakeHost(), clock: clock.NewFake(), tones: &fakeTones{}}
	r.p = New(Config{Mode: mode, Handset: r.hs, Host: r.host, Clock: r.clock, Tones: r.tones})
	ctx, cancel := context.WithCancel(context.Background())
	r.ctx = ctx
	done := make(chan struct{})
	go func() { defer close(done); r.p.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	r.p.HostAttached(ctx)
	r.host.expect(t, "SEARCH ACTIVECALLS")
	return r
}

func (r *rig) event(kind devices.EventKind, key ...string) {
	ev := devices.Event{Kind: kind}
	if len(key) > 0 {
		ev.Key, ev.Button = key[0], devices.ButtonKey
		switch key[0] {
		case "YES":
			ev.Button = devices.ButtonAnswer
		case "NO":
			ev.Button = devices.ButtonDrop
		}
	}
	r.p.HandsetEvent(r.ctx, ev)
}

func (r *rig) notify(lines ...string) {
	r.t.Helper()
	for _, l := range lines {
		m, err := phoneapi.Parse(l)
		if err != nil {
			r.t.Fatalf("parse %q: %v", l, err)
		}
		r.p.HostMessage(r.ctx, m)
	}
	r.p.Sync(r.ctx)
}

func (r *rig) indicators(want ...string) {
	r.t.Helper()
	r.p.Sync(r.ctx)
	got := r.hs.takeLog()
	if !slices.Equal(got, want) {
		r.t.Fatalf("indicator changes: got %q, want %q", got, want)
	}
}

func TestPhoneModeReportsUserActions(t *testing.T) {
	r := newRig(t, ModePhone)
	r.event(devices.HookOff)
	r.event(devices.KeyDown, "5")
	r.event(devices.KeyUp, "5")
	r.event(devices.KeyUp, "7") // never pressed: not reported
	r.event(devices.HookOn)
	r.host.expect(t, "HOOK OFF", "BTN_PRESSED 5", "BTN_RELEASED 5", "HOOK ON")
	r.host.quiet(t, r.p)
}

func TestMuteToggleFollowsHostTruth(t *testing.T) {
	r := newRig(t, ModePhone)
	r.event(devices.MuteToggle)
	r.host.expect(t, "MUTE ON")
	r.indicators("mute=true")
	// The host refuses and reports its truth: unmuted.
	r.notify("MUTE OFF")
	r.indicators("mute=false")
	r.event(devices.MuteToggle)
	r.host.expect(t, "MUTE ON")
	r.notify("MUTE ON")
	r.indicators("mute=true", "mute=true")
}

func TestIncomingCallRingsUntilAnswered(t *testing.T) {
	r := newRig(t, ModePhone)
	r.notify("CALL 7 PARTNER_HANDLE +4930123", "CALL 7 TYPE INCOMING_PSTN", "CALL 7 STATUS RINGING")
	r.indicators("ring=true", "ringer=true", "display=+4930123")
	r.notify("CALL 7 STATUS INPROGRESS")
	r.indicators("ring=false", "ringer=false", "off-hook=true")
	r.notify("CALL 7 STATUS LOCALHOLD")
	r.indicators("hold=true", "display=")
	r.notify("CALL 7 STATUS INPROGRESS")
	r.indicators("hold=false", "display=+4930123")
	r.notify("CALL 7 STATUS FINISHED")
	r.indicators("off-hook=false", "display=")
	r.host.quiet(t, r.p)
}

func TestOutgoingCallNeverRings(t *testing.T) {
	r := newRig(t, ModePhone)
	r.notify("CALL 3 TYPE OUTGOING_P2P", "CALL 3 STATUS ROUTING", "CALL 3 STATUS RINGING")
	r.indicators()
	r.notify("CALL 3 STATUS INPROGRESS")
	r.indicators("off-hook=true")
	r.host.quiet(t, r.p)
}

func TestRingingWithUnknownTypeAsksHost(t *testing.T) {
	r := newRig(t, ModePhone)
	r.host.setReply(func(c phoneapi.Command) (phoneapi.Message, error) {
		if g, ok := c.(phoneapi.GetCallCmd); ok {
			return phoneapi.CallMsg{ID: g.ID, Property: "TYPE", Value: "INCOMING_P2P"}, nil
		}
		return phoneapi.OKMsg{}, nil
	})
	r.notify("CALL 12 STATUS RINGING")
	r.host.expect(t, "GET CALL 12 TYPE")
	// The reply comes back through the state goroutine; wait for it.
	deadline := time.Now().Add(5 * time.Second)
	for !r.hs.on(devices.Ring) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	r.indicators("ring=true", "ringer=true")
	// A duplicate RINGING does not ask again.
	r.notify("CALL 12 STATUS RINGING")
	r.host.quiet(t, r.p)
}

func TestCallWaitingRingsDuringCall(t *testing.T) {
	r := newRig(t, ModePhone)
	r.notify("CALL 1 TYPE INCOMING_P2P", "CALL 1 STATUS INPROGRESS")
	r.indicators("off-hook=true")
	r.notify("CALL 2 TYPE INCOMING_P2P", "CALL 2 STATUS RINGING")
	r.indicators("ring=true", "ringer=true")
	// The user takes the second call: the first goes on hold, and for the
	// moment between the two notifications only a held call exists.
	r.notify("CALL 1 STATUS LOCALHOLD", "CALL 2 STATUS INPROGRESS")
	r.indicators("hold=true", "ring=false", "ringer=false", "hold=false")
	r.notify("CALL 2 STATUS FINISHED")
	r.indicators("hold=true")
	r.notify("CALL 1 STATUS FINISHED")
	r.indicators("off-hook=false", "hold=false")
}

func TestMissedCallStopsRinging(t *testing.T) {
	r := newRig(t, ModePhone)
	r.notify("CALL 4 TYPE INCOMING_P2P", "CALL 4 STATUS RINGING", "CALL 5 TYPE INCOMING_P2P", "CALL 5 STATUS RINGING")
	r.indicators("ring=true", "ringer=true")
	r.notify("CALL 4 STATUS MISSED")
	r.indicators() // call 5 still rings
	r.notify("CALL 5 STATUS REFUSED")
	r.indicators("ring=false", "ringer=false")
}

func TestHostLeavingStopsRingingAndReattachResendsState(t *testing.T) {
	r := newRig(t, ModePhone)
	r.event(devices.HookOff)
	r.event(devices.MuteToggle)
	r.host.expect(t, "HOOK OFF", "MUTE ON")
	r.notify("CALL 9 TYPE INCOMING_P2P", "CALL 9 STATUS RINGING")
	r.indicators("mute=true", "ring=true", "ringer=true")
	r.p.HostDetached(r.ctx)
	r.indicators("ring=false", "ringer=false", "mute=false")
	// Nothing is sent while detached.
	r.event(devices.KeyDown, "1")
	r.event(devices.KeyUp, "1")
	r.host.quiet(t, r.p)
	r.p.HostAttached(r.ctx)
	r.host.expect(t, "HOOK OFF", "SEARCH ACTIVECALLS")
}

func TestReattachAsksForActiveCalls(t *testing.T) {
	r := newRig(t, ModePhone)
	r.host.setReply(func(c phoneapi.Command) (phoneapi.Message, error) {
		switch c := c.(type) {
		case phoneapi.RawCmd:
			return phoneapi.UnknownMsg{Line: "CALLS 21, 22"}, nil
		case phoneapi.GetCallCmd:
			v := map[string]string{"TYPE": "INCOMING_P2P", "STATUS": "INPROGRESS"}[c.Property]
			if c.ID == 22 && c.Property == "STATUS" {
				v = "ONHOLD"
			}
			return phoneapi.CallMsg{ID: c.ID, Property: c.Property, Value: v}, nil
		}
		return phoneapi.OKMsg{}, nil
	})
	r.p.HostDetached(r.ctx)
	r.p.HostAttached(r.ctx)
	r.host.expect(t, "SEARCH ACTIVECALLS", "GET CALL 21 TYPE", "GET CALL 21 STATUS", "GET CALL 22 TYPE", "GET CALL 22 STATUS")
	deadline := time.Now().Add(5 * time.Second)
	for !r.hs.on(devices.OffHook) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if !r.hs.on(devices.OffHook) || r.hs.on(devices.Hold) {
		t.Fatalf("after re-attach mid-call: off-hook=%v hold=%v, want true false", r.hs.on(devices.OffHook), r.hs.on(devices.Hold))
	}
}

func TestAccessModeAnswerAndHangUp(t *testing.T) {
	r := newRig(t, ModeAccess)
	r.notify("CALL 30 TYPE INCOMING_P2P", "CALL 30 STATUS RINGING")
	r.event(devices.HookOff)
	r.host.expect(t, "ALTER CALL 30 ANSWER")
	r.notify("CALL 30 STATUS INPROGRESS")
	r.event(devices.KeyDown, "4")
	r.event(devices.KeyUp, "4")
	r.event(devices.MuteToggle)
	r.event(devices.HookOn)
	r.host.expect(t, "ALTER CALL 30 DTMF 4", "SET MUTE ON", "ALTER CALL 30 HANGUP")
	r.host.quiet(t, r.p)
	if got := r.tones.take(); !slices.Equal(got, []string{"call=true", "key=4"}) {
		t.Fatalf("tones %q, want [call=true key=4]", got)
	}
	r.notify("CALL 30 STATUS FINISHED")
	if got := r.tones.take(); !slices.Equal(got, []string{"call=false"}) {
		t.Fatalf("tones %q, want [call=false]", got)
	}
}

func TestAccessModeRejectWithNo(t *testing.T) {
	r := newRig(t, ModeAccess)
	r.notify("CALL 31 TYPE INCOMING_PSTN", "CALL 31 STATUS RINGING")
	r.event(devices.KeyDown, "NO")
	r.host.expect(t, "ALTER CALL 31 END HANGUP")
}

func TestAccessModeDialsCollectedDigits(t *testing.T) {
	r := newRig(t, ModeAccess)
	r.event(devices.HookOff)
	for _, k := range []string{"0", "3", "0"} {
		r.event(devices.KeyDown, k)
		r.event(devices.KeyUp, k)
	}
	r.p.Sync(r.ctx)
	if got := r.tones.take(); !slices.Equal(got, []string{"dial=true", "key=0", "dial=false", "key=3", "key=0"}) {
		t.Fatalf("tones %q", got)
	}
	r.clock.Advance(3999 * time.Millisecond)
	r.host.quiet(t, r.p)
	r.clock.Advance(time.Millisecond)
	r.host.expect(t, "CALL 030")
	// '#' dials at once.
	r.event(devices.HookOn)
	r.event(devices.HookOff)
	r.event(devices.KeyDown, "1")
	r.event(devices.KeyDown, "#")
	r.host.expect(t, "CALL 1")
	r.clock.Advance(10 * time.Second)
	r.host.quiet(t, r.p)
}

func TestAccessModeHangsUpOutgoingCall(t *testing.T) {
	r := newRig(t, ModeAccess)
	r.notify("CALL 40 TYPE OUTGOING_PSTN", "CALL 40 STATUS ROUTING")
	r.event(devices.HookOn)
	r.host.expect(t, "ALTER CALL 40 HANGUP")
}

func TestRunTurnsIndicatorsOffOnExit(t *testing.T) {
	hs, host := newFakeHandset(), newFakeHost()
	p := New(Config{Handset: hs, Host: host, Clock: clock.NewFake()})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()
	p.HostAttached(ctx)
	for _, l := range []string{"CALL 1 TYPE INCOMING_P2P", "CALL 1 STATUS RINGING"} {
		m, _ := phoneapi.Parse(l)
		p.HostMessage(ctx, m)
	}
	p.Sync(ctx)
	cancel()
	<-done
	if hs.on(devices.Ring) || hs.on(devices.Ringer) {
		t.Fatal("ring left on after Run returned")
	}
}

func TestParseCallList(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int
		ok   bool
	}{
		{"CALLS 12, 13", []int{12, 13}, true},
		{"CALLS", nil, true},
		{"CALLS x", nil, false},
		{"CALLSIGN 1", nil, false},
		{"CALL 1 STATUS RINGING", nil, false},
	} {
		got, ok := parseCallList(tc.in)
		if ok != tc.ok || !slices.Equal(got, tc.want) {
			t.Errorf("parseCallList(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// ringerless is a handset without a ringer: the phone rings through the
// earpiece instead.
type ringerless struct{ *fakeHandset }

func (ringerless) Indicators() []devices.Indicator {
	return []devices.Indicator{devices.Ring, devices.OffHook}
}

func TestRingToneForHandsetsWithoutRinger(t *testing.T) {
	tones := &fakeTones{}
	hs := ringerless{newFakeHandset()}
	host := newFakeHost()
	p := New(Config{Handset: hs, Host: host, Clock: clock.NewFake(), Tones: tones})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.Run(ctx) }()
	defer func() { cancel(); <-done }()
	p.HostAttached(ctx)
	for _, l := range []string{"CALL 1 TYPE INCOMING_P2P", "CALL 1 STATUS RINGING", "CALL 1 STATUS INPROGRESS"} {
		m, _ := phoneapi.Parse(l)
		p.HostMessage(ctx, m)
	}
	p.Sync(ctx)
	if got, want := tones.take(), []string{"ring=true", "ring=false", "call=true"}; !slices.Equal(got, want) {
		t.Fatalf("tones %q, want %q", got, want)
	}
}

func TestProgressTones(t *testing.T) {
	tones := &fakeTones{}
	hs, host, clk := newFakeHandset(), newFakeHost(), clock.NewFake()
	p := New(Config{Handset: hs, Host: host, Clock: clk, Tones: tones, ProgressTones: true})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.Run(ctx) }()
	defer func() { cancel(); <-done }()
	p.HostAttached(ctx)
	notify := func(lines ...string) {
		for _, l := range lines {
			m, _ := phoneapi.Parse(l)
			p.HostMessage(ctx, m)
		}
		p.Sync(ctx)
	}
	notify("CALL 5 TYPE OUTGOING_PSTN", "CALL 5 STATUS ROUTING", "CALL 5 STATUS RINGING")
	notify("CALL 5 STATUS INPROGRESS", "CALL 5 STATUS FINISHED")
	if got, want := tones.take(), []string{"progress=ringback", "call=true", "progress=none", "call=false"}; !slices.Equal(got, want) {
		t.Fatalf("answered call: tones %q, want %q", got, want)
	}
	// Busy plays until the user hangs up.
	notify("CALL 6 TYPE OUTGOING_PSTN", "CALL 6 STATUS ROUTING", "CALL 6 STATUS BUSY")
	p.HandsetEvent(ctx, devices.Event{Kind: devices.HookOn})
	p.Sync(ctx)
	if got, want := tones.take(), []string{"progress=busy", "progress=none"}; !slices.Equal(got, want) {
		t.Fatalf("busy call: tones %q, want %q", got, want)
	}
	// Congestion stops by itself after progressHold.
	notify("CALL 7 TYPE OUTGOING_P2P", "CALL 7 STATUS FAILED")
	clk.Advance(progressHold - time.Millisecond)
	p.Sync(ctx)
	if got, want := tones.take(), []string{"progress=congestion"}; !slices.Equal(got, want) {
		t.Fatalf("failed call: tones %q, want %q", got, want)
	}
	clk.Advance(time.Millisecond)
	p.Sync(ctx)
	if got, want := tones.take(), []string{"progress=none"}; !slices.Equal(got, want) {
		t.Fatalf("after the hold time: tones %q, want %q", got, want)
	}
	// An incoming call's ringing is not ringback.
	notify("CALL 8 TYPE INCOMING_P2P", "CALL 8 STATUS RINGING")
	if got := tones.take(); len(got) != 0 {
		t.Fatalf("incoming call: tones %q, want none", got)
	}
}

func TestEventsQueuedBeforeStopAreSent(t *testing.T) {
	for i := 0; i < 20; i++ {
		hs, host := newFakeHandset(), newFakeHost()
		p := New(Config{Handset: hs, Host: host, Clock: clock.NewFake()})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); p.Run(ctx) }()
		p.HostAttached(ctx)
		host.expect(t, "SEARCH ACTIVECALLS")
		// The driver's last events, then the stop, as at an unplug.
		p.HandsetEvent(ctx, devices.Event{Kind: devices.KeyDown, Key: "5", Button: devices.ButtonKey})
		p.HandsetEvent(ctx, devices.Event{Kind: devices.KeyUp, Key: "5", Button: devices.ButtonKey})
		cancel()
		<-done
		host.expect(t, "BTN_PRESSED 5", "BTN_RELEASED 5")
	}
}

// gatedHandset blocks SetIndicator(Mute) until the gate opens, to hold the
// phone's goroutine busy.
type gatedHandset struct {
	*fakeHandset
	entered, gate chan struct{}
}

func (g gatedHandset) SetIndicator(ind devices.Indicator, on bool) error {
	if ind == devices.Mute {
		select {
		case g.entered <- struct{}{}:
		default:
		}
		<-g.gate
	}
	return g.fakeHandset.SetIndicator(ind, on)
}

// A timer that expires while the phone is busy and its input queue full
// still acts: collected digits are dialled.
func TestDigitTimeoutNotLostWhenBusy(t *testing.T) {
	hs := gatedHandset{newFakeHandset(), make(chan struct{}, 1), make(chan struct{})}
	host, clk := newFakeHost(), clock.NewFake()
	p := New(Config{Mode: ModeAccess, Handset: hs, Host: host, Clock: clk})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.Run(ctx) }()
	defer func() { cancel(); <-done }()
	p.HostAttached(ctx)
	host.expect(t, "SEARCH ACTIVECALLS")
	p.HandsetEvent(ctx, devices.Event{Kind: devices.HookOff})
	p.HandsetEvent(ctx, devices.Event{Kind: devices.KeyDown, Key: "5", Button: devices.ButtonKey})
	p.HostMessage(ctx, phoneapi.MuteMsg{On: true}) // the phone blocks in SetIndicator
	<-hs.entered
	for len(p.inputs) < cap(p.inputs) {
		p.HostMessage(ctx, phoneapi.UserStatusMsg{Status: "ONLINE"})
	}
	clk.Advance(4 * time.Second)
	close(hs.gate)
	host.expect(t, "CALL 5")
}

// A host that stops answering fills the queue: presses are dropped with
// their releases, and every press that was queued keeps its release.
func TestFullQueueKeepsPressReleasePairs(t *testing.T) {
	hs, clk := newFakeHandset(), clock.NewFake()
	stuck := make(chan struct{})
	host := newFakeHost()
	host.setReply(func(c phoneapi.Command) (phoneapi.Message, error) {
		if _, ok := c.(phoneapi.RawCmd); ok {
			return phoneapi.UnknownMsg{Line: "CALLS"}, nil
		}
		<-stuck
		return phoneapi.OKMsg{}, nil
	})
	p := New(Config{Handset: hs, Host: host, Clock: clk, QueueLen: 8})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.Run(ctx) }()
	p.HostAttached(ctx)
	host.expect(t, "SEARCH ACTIVECALLS")
	key := func(k string) {
		p.HandsetEvent(ctx, devices.Event{Kind: devices.KeyDown, Key: k, Button: devices.ButtonKey})
		p.HandsetEvent(ctx, devices.Event{Kind: devices.KeyUp, Key: k, Button: devices.ButtonKey})
	}
	key("1")
	host.expect(t, "BTN_PRESSED 1") // the sender now waits on the host
	for _, k := range []string{"2", "3", "4", "5", "6", "7"} {
		key(k)
	}
	p.Sync(ctx)
	close(stuck)
	cancel()
	<-done
	var got []string
	for len(host.cmds) > 0 {
		got = append(got, <-host.cmds)
	}
	// The queue of 8 keeps 4 for releases: it takes RELEASED 1, PRESSED 2,
	// RELEASED 2, PRESSED 3 (4 queued), then no press, and each dropped
	// press takes its release with it.
	want := []string{"BTN_RELEASED 1", "BTN_PRESSED 2", "BTN_RELEASED 2", "BTN_PRESSED 3", "BTN_RELEASED 3"}
	if !slices.Equal(got, want) {
		t.Fatalf("host got %q, want %q", got, want)
	}
	if c := p.Counters(); c.CommandsDropped != 8 {
		t.Fatalf("dropped %d commands, want 8 (presses and releases of 4 to 7)", c.CommandsDropped)
	}
}

func TestDialToneInPhoneMode(t *testing.T) {
	tones := &fakeTones{}
	hs, host := newFakeHandset(), newFakeHost()
	p := New(Config{Handset: hs, Host: host, Clock: clock.NewFake(), Tones: tones, DialToneInPhoneMode: true})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.Run(ctx) }()
	defer func() { cancel(); <-done }()
	p.HostAttached(ctx)
	step := func(ev devices.Event, want ...string) {
		t.Helper()
		p.HandsetEvent(ctx, ev)
		p.Sync(ctx)
		if got := tones.take(); !slices.Equal(got, want) {
			t.Fatalf("after %s: tones %q, want %q", ev, got, want)
		}
	}
	step(devices.Event{Kind: devices.HookOff}, "dial=true")
	step(devices.Event{Kind: devices.KeyDown, Key: "0", Button: devices.ButtonKey}, "dial=false")
	step(devices.Event{Kind: devices.HookOn})
	step(devices.Event{Kind: devices.HookOff}, "dial=true")
	step(devices.Event{Kind: devices.HookOn}, "dial=false")
	// Lifting to answer a ringing call plays no dial tone.
	for _, l := range []string{"CALL 1 TYPE INCOMING_P2P", "CALL 1 STATUS RINGING"} {
		m, _ := phoneapi.Parse(l)
		p.HostMessage(ctx, m)
	}
	step(devices.Event{Kind: devices.HookOff})
}

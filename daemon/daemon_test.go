package daemon

import (
	"context"
	"errors"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"handsetd/devices"
	"handsetd/internal/clock"
	"handsetd/phoneapi"
)

// chanSource is a source driven by the test.
type chanSource struct {
	adds    chan Device
	removes chan string
}

func newChanSource() *chanSource {
	return &chanSource{adds: make(chan Device), removes: make(chan string)}
}

func (s *chanSource) Run(ctx context.Context, add func(Device), remove func(string)) error {
	for {
		select {
		case d := <-s.adds:
			add(d)
		case id := <-s.removes:
			remove(id)
		case <-ctx.Done():
			return nil
		}
	}
}

// testHandset emits the events pushed to it and records indicators.
type testHandset struct {
	info   devices.Info
	events chan devices.Event
	gone   chan struct{}

	mu     sync.Mutex
	state  map[devices.Indicator]bool
	closed int
}

func newTestHandset(name, path string) *testHandset {
	return &testHandset{
		info:   devices.Info{Name: name, Path: path, SysfsPath: "/sys" + path},
		events: make(chan devices.Event, 16),
		gone:   make(chan struct{}),
		state:  map[devices.Indicator]bool{},
	}
}

func (h *testHandset) Info() devices.Info { return h.info }
func (h *testHandset) Run(ctx context.Context, emit func(devices.Event)) error {
	for {
		// Queued events come first, as a driver emits everything it read
		// before it reports the unplug.
		select {
		case ev := <-h.events:
			emit(ev)
			continue
		default:
		}
		select {
		case ev := <-h.events:
			emit(ev)
		case <-h.gone:
			return devices.ErrGone
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
func (h *testHandset) Indicators() []devices.Indicator {
	return []devices.Indicator{devices.Ring, devices.OffHook, devices.Mute}
}
func (h *testHandset) SetIndicator(ind devices.Indicator, on bool) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.state[ind] = on
	return nil
}
func (h *testHandset) SetDisplay(string) error { return devices.ErrUnsupported }
func (h *testHandset) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed++
	return nil
}
func (h *testHandset) isClosed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closed > 0
}
func (h *testHandset) on(ind devices.Indicator) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.state[ind]
}

// testHost attaches at once and records commands per session name.
type testHost struct {
	name string
	rec  *recorder
	msgs chan phoneapi.Message
}

type recorder struct {
	mu       sync.Mutex
	cmds     []string
	sessions map[string]*testHost
	running  int
	changed  chan struct{}
}

func newRecorder() *recorder {
	return &recorder{sessions: map[string]*testHost{}, changed: make(chan struct{}, 1000)}
}

func (r *recorder) newHost(name string) HostSession {
	h := &testHost{name: name, rec: r, msgs: make(chan phoneapi.Message, 16)}
	r.mu.Lock()
	r.sessions[name] = h
	r.mu.Unlock()
	return h
}

func (h *testHost) Send(ctx context.Context, c phoneapi.Command) (phoneapi.Message, error) {
	h.rec.mu.Lock()
	h.rec.cmds = append(h.rec.cmds, h.name+": "+c.String())
	h.rec.mu.Unlock()
	h.rec.changed <- struct{}{}
	return phoneapi.OKMsg{}, nil
}

func (h *testHost) Run(ctx context.Context, l HostListener) error {
	h.rec.mu.Lock()
	h.rec.running++
	h.rec.mu.Unlock()
	defer func() {
		h.rec.mu.Lock()
		h.rec.running--
		h.rec.mu.Unlock()
		h.rec.changed <- struct{}{}
	}()
	l.HostAttached(ctx)
	for {
		select {
		case m := <-h.msgs:
			l.HostMessage(ctx, m)
		case <-ctx.Done():
			return nil
		}
	}
}

func (r *recorder) waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		r.mu.Lock()
		ok := cond()
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-r.changed:
		case <-deadline:
			r.mu.Lock()
			defer r.mu.Unlock()
			t.Fatalf("timed out; commands so far %q, running sessions %d", r.cmds, r.running)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func (r *recorder) has(cmd string) func() bool {
	return func() bool { return slices.Contains(r.cmds, cmd) }
}

func startDaemon(t *testing.T, src Source, rec *recorder) (*Daemon, context.CancelFunc, chan struct{}) {
	d := New(Config{Sources: []Source{src}, NewHost: rec.newHost, Clock: clock.NewFake()})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return d, cancel, done
}

func deviceFor(h *testHandset) Device {
	return Device{ID: h.info.SysfsPath, Label: h.info.Path, Open: func(context.Context) (devices.Handset, error) { return h, nil }}
}

func TestTwoHandsetsAreTwoPhones(t *testing.T) {
	src, rec := newChanSource(), newRecorder()
	startDaemon(t, src, rec)
	a, b := newTestHandset("Jabra", "/dev/hidraw0"), newTestHandset("Poly", "/dev/hidraw1")
	src.adds <- deviceFor(a)
	src.adds <- deviceFor(b)
	rec.waitFor(t, rec.has("Jabra (handsetd): SEARCH ACTIVECALLS"))
	rec.waitFor(t, rec.has("Poly (handsetd): SEARCH ACTIVECALLS"))
	a.events <- devices.Event{Kind: devices.HookOff}
	b.events <- devices.Event{Kind: devices.KeyDown, Key: "1", Button: devices.ButtonKey}
	rec.waitFor(t, rec.has("Jabra (handsetd): HOOK OFF"))
	rec.waitFor(t, rec.has("Poly (handsetd): BTN_PRESSED 1"))
	rec.mu.Lock()
	names := make([]string, 0)
	for n := range rec.sessions {
		names = append(names, n)
	}
	rec.mu.Unlock()
	sort.Strings(names)
	if !slices.Equal(names, []string{"Jabra (handsetd)", "Poly (handsetd)"}) {
		t.Fatalf("sessions %q", names)
	}
}

func TestUnplugMidPressReleasesAndClosesSession(t *testing.T) {
	src, rec := newChanSource(), newRecorder()
	d, _, _ := startDaemon(t, src, rec)
	h := newTestHandset("Jabra", "/dev/hidraw0")
	src.adds <- deviceFor(h)
	rec.waitFor(t, rec.has("Jabra (handsetd): SEARCH ACTIVECALLS"))
	// The driver releases the held key before reporting the unplug.
	h.events <- devices.Event{Kind: devices.KeyDown, Key: "5", Button: devices.ButtonKey}
	h.events <- devices.Event{Kind: devices.KeyUp, Key: "5", Button: devices.ButtonKey}
	close(h.gone)
	waitNoHandsets(t, d)
	rec.waitFor(t, rec.has("Jabra (handsetd): BTN_RELEASED 5"))
	if !h.isClosed() {
		t.Fatal("handset not closed after unplug")
	}
}

func TestRemoveAndReplugStartsNewSession(t *testing.T) {
	src, rec := newChanSource(), newRecorder()
	d, _, _ := startDaemon(t, src, rec)
	h := newTestHandset("Jabra", "/dev/hidraw0")
	src.adds <- deviceFor(h)
	rec.waitFor(t, func() bool { return rec.running == 1 })
	rec.mu.Lock()
	sess := rec.sessions["Jabra (handsetd)"]
	rec.mu.Unlock()
	sess.msgs <- phoneapi.CallMsg{ID: 1, Property: "TYPE", Value: "INCOMING_P2P"}
	sess.msgs <- phoneapi.CallMsg{ID: 1, Property: "STATUS", Value: "RINGING"}
	deadline := time.Now().Add(5 * time.Second)
	for !h.on(devices.Ring) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if !h.on(devices.Ring) {
		t.Fatal("handset did not ring")
	}
	src.removes <- h.info.SysfsPath
	waitNoHandsets(t, d)
	if !h.isClosed() || h.on(devices.Ring) {
		t.Fatalf("after remove: closed=%v ring=%v, want true false", h.isClosed(), h.on(devices.Ring))
	}
	h2 := newTestHandset("Jabra", "/dev/hidraw1")
	h2.info.SysfsPath = h.info.SysfsPath
	src.adds <- deviceFor(h2)
	rec.waitFor(t, func() bool { return rec.running == 1 })
	if got := d.Handsets(); len(got) != 1 || got[0].Path != "/dev/hidraw1" {
		t.Fatalf("Handsets() = %v, want the re-plugged /dev/hidraw1", got)
	}
}

func TestStopTurnsEverythingOff(t *testing.T) {
	src, rec := newChanSource(), newRecorder()
	_, cancel, done := startDaemon(t, src, rec)
	h := newTestHandset("Jabra", "/dev/hidraw0")
	src.adds <- deviceFor(h)
	rec.waitFor(t, func() bool { return rec.running == 1 })
	rec.mu.Lock()
	sess := rec.sessions["Jabra (handsetd)"]
	rec.mu.Unlock()
	sess.msgs <- phoneapi.CallMsg{ID: 1, Property: "TYPE", Value: "INCOMING_P2P"}
	sess.msgs <- phoneapi.CallMsg{ID: 1, Property: "STATUS", Value: "INPROGRESS"}
	deadline := time.Now().Add(5 * time.Second)
	for !h.on(devices.OffHook) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	cancel()
	<-done
	if el := time.Since(start); el > time.Second {
		t.Errorf("stop took %v, want under 1s", el)
	}
	if h.on(devices.OffHook) || !h.isClosed() {
		t.Fatalf("after stop: off-hook=%v closed=%v, want false true", h.on(devices.OffHook), h.isClosed())
	}
}

func waitNoHandsets(t *testing.T, d *Daemon) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(d.Handsets()) > 0 || d.slotCount() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("handsets still open: %v", d.Handsets())
		}
		time.Sleep(time.Millisecond)
	}
}

// failingSource fails its first runs, then serves a device.
type failingSource struct {
	mu    sync.Mutex
	runs  int
	fails int
	dev   Device
}

func (s *failingSource) Run(ctx context.Context, add func(Device), remove func(string)) error {
	s.mu.Lock()
	s.runs++
	n := s.runs
	s.mu.Unlock()
	if n <= s.fails {
		return errors.New("monitor socket lost")
	}
	add(s.dev)
	<-ctx.Done()
	return nil
}

func (s *failingSource) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runs
}

func TestFailedSourceIsRestarted(t *testing.T) {
	rec := newRecorder()
	h := newTestHandset("Jabra", "/dev/hidraw0")
	src := &failingSource{fails: 2, dev: deviceFor(h)}
	clk := clock.NewFake()
	d := New(Config{Sources: []Source{src}, NewHost: rec.newHost, Clock: clk})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	defer func() { cancel(); <-done }()
	// waitRuns waits for the n-th run and, after a failed one, for the
	// retry timer it arms.
	waitRuns := func(n int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for src.count() < n || (n <= src.fails && clk.Pending() == 0) {
			if time.Now().After(deadline) {
				t.Fatalf("source ran %d times, want %d", src.count(), n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitRuns(1)
	clk.Advance(sourceRetryMin) // first retry after 1 s
	waitRuns(2)
	clk.Advance(2*sourceRetryMin - time.Millisecond)
	if src.count() != 2 {
		t.Fatalf("source restarted before its backoff: %d runs", src.count())
	}
	clk.Advance(time.Millisecond) // second retry after 2 s
	waitRuns(3)
	rec.waitFor(t, rec.has("Jabra (handsetd): SEARCH ACTIVECALLS"))
}

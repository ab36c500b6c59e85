package session_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"handsetd/internal/clock"
	"handsetd/phoneapi"
	"handsetd/phoneapi/phoneapitest"
	"handsetd/phoneapi/session"
)

// testTimeout bounds every wait so that a bug fails the test instead of
// hanging it; no result depends on it.
const testTimeout = 20 * time.Second

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) count(substr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.b.String(), substr)
}

// waitFor polls cond; it is for states reached by other goroutines that
// no channel reports (a timer armed on the fake clock, say).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

type harness struct {
	t    *testing.T
	s    *session.Session
	clk  *clock.Fake
	logs *logBuf
	done chan error
}

// start runs a session against addr with a fake clock; cfg.Name and Bus
// are filled in.
func start(t *testing.T, addr string, cfg session.Config) *harness {
	return startHook(t, addr, cfg, nil)
}

// startHook is start with an OnAttach that gets the session.
func startHook(t *testing.T, addr string, cfg session.Config, onAttach func(context.Context, *session.Session) error) *harness {
	t.Helper()
	h := &harness{t: t, clk: clock.NewFake(), logs: &logBuf{}, done: make(chan error, 1)}
	if cfg.Name == "" {
		cfg.Name = "Test Handset (handsetd)"
	}
	cfg.Bus = addr
	if cfg.Clock == nil {
		cfg.Clock = h.clk
	}
	cfg.Logger = slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if onAttach != nil {
		// h.s is set before Run starts, so the hook may read it.
		cfg.OnAttach = func(ctx context.Context) error { return onAttach(ctx, h.s) }
	}
	s, err := session.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.s = s
	ctx, cancel := context.WithCancel(context.Background())
	go func() { h.done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-h.done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v, want context.Canceled", err)
		}
	})
	return h
}

func (h *harness) next() session.Event {
	h.t.Helper()
	select {
	case ev := <-h.s.Events():
		return ev
	case <-time.After(testTimeout):
		h.t.Fatal("no session event")
	}
	panic("unreachable")
}

func (h *harness) expect(want session.Event) {
	h.t.Helper()
	if got := h.next(); fmt.Sprint(got) != fmt.Sprint(want) {
		h.t.Fatalf("event %+v, want %+v", got, want)
	}
}

func texts(cmds []phoneapitest.Received) []string {
	out := make([]string, len(cmds))
	for i, c := range cmds {
		out[i] = c.Text()
	}
	return out
}

func TestAttachThenOnAttachThenEvents(t *testing.T) {
	addr := phoneapitest.StartBus(t)
	host := phoneapitest.NewHost(t, addr)
	var onAttach atomic.Int32
	h := startHook(t, addr, session.Config{}, func(ctx context.Context, s *session.Session) error {
		onAttach.Add(1)
		_, err := s.Send(ctx, phoneapi.HookCmd{OffHook: true})
		return err
	})
	s := h.s
	h.expect(session.Event{Kind: session.Attached, Protocol: 5})
	if n := onAttach.Load(); n != 1 {
		t.Fatalf("OnAttach ran %d times before Attached, want 1", n)
	}
	got := strings.Join(texts(host.Commands()), "|")
	if want := "NAME Test Handset (handsetd)|PROTOCOL 5|HOOK OFF"; got != want {
		t.Fatalf("host received %q, want %q", got, want)
	}
	cmds := host.Commands()
	if cmds[0].ID != "" || cmds[1].ID != "" || cmds[2].ID == "" {
		t.Fatalf("ids %q %q %q: want none on NAME and PROTOCOL, one on HOOK", cmds[0].ID, cmds[1].ID, cmds[2].ID)
	}
	if s.Protocol() != 5 {
		t.Fatalf("Protocol = %d", s.Protocol())
	}
}

func TestLowerProtocolWithoutIDs(t *testing.T) {
	addr := phoneapitest.StartBus(t)
	host := phoneapitest.NewHost(t, addr)
	h := start(t, addr, session.Config{Protocol: 3})
	h.expect(session.Event{Kind: session.Attached, Protocol: 3})
	msg, err := h.s.Send(testCtx(t), phoneapi.PingCmd{})
	if err != nil || msg != (phoneapi.PongMsg{}) {
		t.Fatalf("Send(PING) = %#v, %v; want PONG", msg, err)
	}
	if last := host.Commands()[2]; last.Line != "PING" {
		t.Fatalf("host received %q, want PING without an id", last.Line)
	}
}

func TestRepliesByIDThroughBothPaths(t *testing.T) {
	addr := phoneapitest.StartBus(t)
	host := phoneapitest.NewHost(t, addr)
	h := start(t, addr, session.Config{})
	h.expect(session.Event{Kind: session.Attached, Protocol: 5})
	ctx := testCtx(t)
	for _, viaNotify := range []bool{false, true} {
		host.SetRepliesViaNotify(viaNotify)
		msg, err := h.s.Send(ctx, phoneapi.PingCmd{})
		if err != nil || msg != (phoneapi.PongMsg{}) {
			t.Fatalf("viaNotify=%v: Send(PING) = %#v, %v; want PONG", viaNotify, msg, err)
		}
		msg, err = h.s.Send(ctx, phoneapi.AudioInCmd{Device: "hw:2,0"})
		if err != nil || msg != (phoneapi.AudioInMsg{Device: "hw:2,0"}) {
			t.Fatalf("viaNotify=%v: Send(AUDIO_IN) = %#v, %v", viaNotify, msg, err)
		}
		msg, err = h.s.Send(ctx, phoneapi.GetCallCmd{ID: 9, Property: "TYPE"})
		var em phoneapi.ErrorMsg
		if !errors.As(err, &em) || em.Code != 12 || msg != (phoneapi.ErrorMsg{Code: 12, Text: "Unknown call"}) {
			t.Fatalf("viaNotify=%v: GET CALL 9 TYPE = %#v, %v; want ERROR 12", viaNotify, msg, err)
		}
	}
	ids := map[string]bool{}
	for _, c := range host.Commands()[2:] {
		if c.ID == "" || ids[c.ID] {
			t.Fatalf("command %q: id missing or reused", c.Line)
		}
		ids[c.ID] = true
	}
	// Replies through Notify are not notifications.
	if err := host.Broadcast(ctx, "USERSTATUS ONLINE"); err != nil {
		t.Fatal(err)
	}
	h.expect(session.Event{Kind: session.Notification, Msg: phoneapi.UserStatusMsg{Status: "ONLINE"}})
}

func TestConcurrentSendsAreMatchedByID(t *testing.T) {
	addr := phoneapitest.StartBus(t)
	host := phoneapitest.NewHost(t, addr, phoneapitest.RepliesViaNotify())
	h := start(t, addr, session.Config{})
	h.expect(session.Event{Kind: session.Attached, Protocol: 5})
	ctx := testCtx(t)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Go(func() {
			dev := fmt.Sprintf("dev%d", i)
			msg, err := h.s.Send(ctx, phoneapi.AudioOutCmd{Device: dev})
			if err == nil && msg != (phoneapi.AudioOutMsg{Device: dev}) {
				err = fmt.Errorf("AUDIO_OUT %s answered %#v", dev, msg)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := len(host.Commands()); n != 42 {
		t.Fatalf("host received %d commands, want 42", n)
	}
}

func TestRefusalRetriedWithBackoff(t *testing.T) {
	addr := phoneapitest.StartBus(t)
	host := phoneapitest.NewHost(t, addr, phoneapitest.Refusing())
	h := start(t, addr, session.Config{Backoff: session.Backoff{Initial: time.Second, Max: 8 * time.Second}})
	names := func() int {
		n := 0
		for _, c := range host.Commands() {
			if c.Cmd != nil && c.Cmd.Verb() == "NAME" {
				n++
			}
		}
		return n
	}
	// Retries after 1s, 2s, 4s, 8s, 8s: each one exactly on time.
	for i, d := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second} {
		waitFor(t, "a refusal and its retry timer", func() bool {
			return names() == i+1 && h.logs.count("the host refused the device") == i+1 && h.clk.Pending() == 1
		})
		h.clk.Advance(d - time.Millisecond)
		if n := names(); n != i+1 {
			t.Fatalf("attempt %d came before its %v backoff", n, d)
		}
		h.clk.Advance(time.Millisecond)
	}
	waitFor(t, "the sixth refusal", func() bool {
		return names() == 6 && h.logs.count("the host refused the device") == 6 && h.clk.Pending() == 1
	})
	host.SetRefusing(false)
	h.clk.Advance(8 * time.Second)
	h.expect(session.Event{Kind: session.Attached, Protocol: 5})
	if n := h.logs.count("allow it in the softphone"); n != 6 {
		t.Fatalf("%d refusal log lines, want 6", n)
	}
}

func TestOfflineRetried(t *testing.T) {
	addr := phoneapitest.StartBus(t)
	host := phoneapitest.NewHost(t, addr, phoneapitest.Offline())
	h := start(t, addr, session.Config{})
	waitFor(t, "an offline answer", func() bool {
		return h.logs.count("the host is offline") == 1 && h.clk.Pending() == 1
	})
	host.SetOffline(false)
	h.clk.Advance(session.DefaultBackoffInitial)
	h.expect(session.Event{Kind: session.Attached, Protocol: 5})
}

func TestWaitsForHostThenAttaches(t *testing.T) {
	addr := phoneapitest.StartBus(t)
	h := start(t, addr, session.Config{})
	waitFor(t, "the session to wait", func() bool { return h.logs.count("waiting for the host") == 1 })
	if _, err := h.s.Send(testCtx(t), phoneapi.PingCmd{}); !errors.Is(err, session.ErrNotAttached) {
		t.Fatalf("Send before attach: %v, want ErrNotAttached", err)
	}
	phoneapitest.NewHost(t, addr) // no clock advance: NameOwnerChanged alone wakes it
	h.expect(session.Event{Kind: session.Attached, Protocol: 5})
}

func TestHostRestartReattaches(t *testing.T) {
	addr := phoneapitest.StartBus(t)
	host := phoneapitest.NewHost(t, addr)
	var attaches atomic.Int32
	h := startHook(t, addr, session.Config{}, func(ctx context.Context, s *session.Session) error {
		attaches.Add(1)
		_, err := s.Send(ctx, phoneapi.MuteCmd{On: true})
		return err
	})
	s := h.s
	h.expect(session.Event{Kind: session.Attached, Protocol: 5})
	// The host's answer to MUTE ON, held until after Attached.
	h.expect(session.Event{Kind: session.Notification, Msg: phoneapi.MuteMsg{On: true}})
	host.Close()
	h.expect(session.Event{Kind: session.Detached, Reason: "host left the bus"})
	if _, err := s.Send(testCtx(t), phoneapi.PingCmd{}); !errors.Is(err, session.ErrNotAttached) {
		t.Fatalf("Send while detached: %v, want ErrNotAttached", err)
	}
	host2 := phoneapitest.NewHost(t, addr)
	h.expect(session.Event{Kind: session.Attached, Protocol: 5})
	if got, want := strings.Join(texts(host2.Commands()), "|"), "NAME Test Handset (handsetd)|PROTOCOL 5|MUTE ON"; got != want {
		t.Fatalf("new host received %q, want %q", got, want)
	}
	if n := attaches.Load(); n != 2 {
		t.Fatalf("OnAttach ran %d times, want 2", n)
	}
	h.expect(session.Event{Kind: session.Notification, Msg: phoneapi.MuteMsg{On: true}})

	// Leave and return with the same connection: a new attach too.
	if err := host2.Leave(); err != nil {
		t.Fatal(err)
	}
	h.expect(session.Event{Kind: session.Detached, Reason: "host left the bus"})
	if err := host2.Return(); err != nil {
		t.Fatal(err)
	}
	h.expect(session.Event{Kind: session.Attached, Protocol: 5})
}

func TestNotificationsInOrderAndMalformedDropped(t *testing.T) {
	addr := phoneapitest.StartBus(t)
	host := phoneapitest.NewHost(t, addr)
	h := start(t, addr, session.Config{})
	h.expect(session.Event{Kind: session.Attached, Protocol: 5})
	ctx := testCtx(t)
	id, err := host.Ring(ctx, "+4930123456", "Ada  Lovelace")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"CALL", "CALL abc STATUS", "CALL -1 STATUS RINGING", "SOMETHING NEW", "CONNSTATUS ONLINE"} {
		if err := host.Broadcast(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	if err := host.Answer(ctx, id); err != nil {
		t.Fatal(err)
	}
	want := []phoneapi.Message{
		phoneapi.CallMsg{ID: id, Property: "TYPE", Value: "INCOMING_PSTN"},
		phoneapi.CallMsg{ID: id, Property: "PARTNER_HANDLE", Value: "+4930123456"},
		phoneapi.CallMsg{ID: id, Property: "PARTNER_DISPNAME", Value: "Ada  Lovelace"},
		phoneapi.CallMsg{ID: id, Property: "STATUS", Value: "RINGING"},
		phoneapi.UnknownMsg{Line: "SOMETHING NEW"},
		phoneapi.ConnStatusMsg{Status: "ONLINE"},
		phoneapi.CallMsg{ID: id, Property: "STATUS", Value: "INPROGRESS"},
	}
	for _, m := range want {
		h.expect(session.Event{Kind: session.Notification, Msg: m})
	}
	if n := h.logs.count("dropped a malformed notification"); n != 3 {
		t.Fatalf("%d malformed lines logged, want 3", n)
	}
}

func TestSpoofedNotifyIgnored(t *testing.T) {
	addr := phoneapitest.StartBus(t)
	host := phoneapitest.NewHost(t, addr)
	h := start(t, addr, session.Config{})
	h.expect(session.Event{Kind: session.Attached, Protocol: 5})
	client := host.Clients()[0].Sender

	spoofer, err := dbus.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer spoofer.Close()
	if err := spoofer.Auth(nil); err != nil {
		t.Fatal(err)
	}
	if err := spoofer.Hello(); err != nil {
		t.Fatal(err)
	}
	err = spoofer.Object(client, "/com/Skype/Client").CallWithContext(testCtx(t), "com.Skype.API.Client.Notify", 0, "CALL 1 STATUS RINGING").Err
	if err == nil {
		t.Fatal("spoofed Notify accepted")
	}
	if err := host.Broadcast(testCtx(t), "MUTE OFF"); err != nil {
		t.Fatal(err)
	}
	h.expect(session.Event{Kind: session.Notification, Msg: phoneapi.MuteMsg{On: false}})
}

func TestSilentHostTimesOut(t *testing.T) {
	addr := phoneapitest.StartBus(t)
	host := phoneapitest.NewHost(t, addr)
	h := start(t, addr, session.Config{ReplyTimeout: 3 * time.Second})
	h.expect(session.Event{Kind: session.Attached, Protocol: 5})
	host.SetSilent(true)
	n := len(host.Commands())
	errc := make(chan error, 1)
	go func() {
		_, err := h.s.Send(context.Background(), phoneapi.HookCmd{OffHook: true})
		errc <- err
	}()
	if _, err := host.WaitCommandAfter(testCtx(t), n, phoneapitest.Text("HOOK OFF")); err != nil {
		t.Fatal(err)
	}
	h.clk.Advance(3*time.Second - time.Millisecond)
	select {
	case err := <-errc:
		t.Fatalf("Send returned %v before its timeout", err)
	default:
	}
	h.clk.Advance(time.Millisecond)
	if err := <-errc; !errors.Is(err, session.ErrTimeout) {
		t.Fatalf("Send to a silent host: %v, want ErrTimeout", err)
	}
}

func TestSilentHostAtAttachBacksOff(t *testing.T) {
	addr := phoneapitest.StartBus(t)
	host := phoneapitest.NewHost(t, addr, phoneapitest.Silent())
	h := start(t, addr, session.Config{})
	if _, err := host.WaitCommand(testCtx(t), phoneapitest.Verb("NAME")); err != nil {
		t.Fatal(err)
	}
	h.clk.Advance(session.DefaultReplyTimeout)
	waitFor(t, "the attach timeout to be logged", func() bool { return h.logs.count("attach failed") == 1 })
	if n := h.logs.count("no reply in time"); n != 1 {
		t.Fatalf("timeout logged %d times, want 1", n)
	}
}

func TestPingDetectsHungHost(t *testing.T) {
	addr := phoneapitest.StartBus(t)
	host := phoneapitest.NewHost(t, addr)
	h := start(t, addr, session.Config{PingInterval: 30 * time.Second, ReplyTimeout: 2 * time.Second})
	h.expect(session.Event{Kind: session.Attached, Protocol: 5})
	waitFor(t, "the ping timer", func() bool { return h.clk.Pending() == 1 })
	h.clk.Advance(30 * time.Second)
	if _, err := host.WaitCommand(testCtx(t), phoneapitest.Text("PING")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the ping timer re-armed", func() bool {
		return h.logs.count("host answered PING") == 1 && h.clk.Pending() == 1
	})
	host.SetSilent(true)
	n := len(host.Commands())
	h.clk.Advance(30 * time.Second)
	if _, err := host.WaitCommandAfter(testCtx(t), n, phoneapitest.Text("PING")); err != nil {
		t.Fatal(err)
	}
	h.clk.Advance(2 * time.Second)
	h.expect(session.Event{Kind: session.Detached, Reason: "host did not answer PING"})
}

func TestBusLossDetaches(t *testing.T) {
	bus := phoneapitest.StartBusDaemon(t)
	phoneapitest.NewHost(t, bus.Address)
	h := start(t, bus.Address, session.Config{})
	h.expect(session.Event{Kind: session.Attached, Protocol: 5})
	bus.Close()
	h.expect(session.Event{Kind: session.Detached, Reason: "bus connection lost"})
	waitFor(t, "a reconnect attempt", func() bool { return h.logs.count("cannot connect to the bus") == 1 })
}

func TestBurstOfTenThousand(t *testing.T) {
	const n = 10000
	addr := phoneapitest.StartBus(t)
	host := phoneapitest.NewHost(t, addr)
	h := start(t, addr, session.Config{QueueLen: 32})
	h.expect(session.Event{Kind: session.Attached, Protocol: 5})
	client := host.Clients()[0].Sender
	lines := make([]string, n)
	for i := range lines {
		lines[i] = fmt.Sprintf("CALL %d STATUS RINGING", i+1)
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	g0 := runtime.NumGoroutine()
	sent := make(chan error, 1)
	go func() { sent <- host.NotifyAll(context.Background(), client, lines) }()
	maxG := 0
	for i := range n {
		if i%100 == 0 {
			maxG = max(maxG, runtime.NumGoroutine())
		}
		want := session.Event{Kind: session.Notification, Msg: phoneapi.CallMsg{ID: i + 1, Property: "STATUS", Value: "RINGING"}}
		if got := h.next(); got != want {
			t.Fatalf("notification %d = %+v, want %+v", i, got, want)
		}
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	g1 := runtime.NumGoroutine()
	t.Logf("goroutines %d before, %d at most during, %d after; heap %d KiB before, %d KiB after",
		g0, maxG, g1, before.HeapAlloc>>10, after.HeapAlloc>>10)
	if maxG > g0+400 || g1 > g0+5 {
		t.Errorf("goroutines: %d before, %d during, %d after", g0, maxG, g1)
	}
	if after.HeapAlloc > before.HeapAlloc+4<<20 {
		t.Errorf("heap grew from %d to %d bytes", before.HeapAlloc, after.HeapAlloc)
	}
}

func TestConfigChecked(t *testing.T) {
	if _, err := session.New(session.Config{}); err == nil || err.Error() != "session: config: Name is empty" {
		t.Fatalf("New without a name: %v", err)
	}
}

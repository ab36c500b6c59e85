package transport_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"handsetd/internal/clock"
	"handsetd/phoneapi"
	"handsetd/phoneapi/phoneapitest"
	"handsetd/phoneapi/transport"
)

// testTimeout bounds every wait, so that a broken build fails instead of
// hanging; no test depends on it for its result.
const testTimeout = 20 * time.Second

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// logBuf is a concurrency-safe log sink.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) lines(substr string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, s := range strings.Split(l.b.String(), "\n") {
		if strings.Contains(s, substr) {
			out = append(out, s)
		}
	}
	return out
}

func dial(t *testing.T, addr string, opts ...transport.Option) *transport.Conn {
	t.Helper()
	c, err := transport.Dial(testCtx(t), addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func nextEvent(t *testing.T, c *transport.Conn) transport.Event {
	t.Helper()
	select {
	case ev := <-c.Events():
		return ev
	case <-time.After(testTimeout):
		t.Fatal("no event")
	}
	panic("unreachable")
}

// attach makes the host know the client, so its notifications reach it.
func attach(t *testing.T, c *transport.Conn) {
	t.Helper()
	ctx := testCtx(t)
	if r, err := c.Invoke(ctx, "NAME test"); err != nil || r != "OK" {
		t.Fatalf("NAME: %q, %v; want OK", r, err)
	}
	if r, err := c.Invoke(ctx, "PROTOCOL 9"); err != nil || r != "PROTOCOL 5" {
		t.Fatalf("PROTOCOL 9: %q, %v; want PROTOCOL 5", r, err)
	}
}

func TestInvokeAndOwner(t *testing.T) {
	addr := phoneapitest.StartBus(t)
	h := phoneapitest.NewHost(t, addr)
	c := dial(t, addr)
	if got, want := c.Owner(), h.UniqueName(); got != want {
		t.Fatalf("Owner = %q, want %q", got, want)
	}
	attach(t, c)
	if r, err := c.Invoke(testCtx(t), "#7 PING"); err != nil || r != "#7 PONG" {
		t.Fatalf("#7 PING: %q, %v; want #7 PONG", r, err)
	}
	cmds := h.Commands()
	want := []string{"NAME test", "PROTOCOL 9", "#7 PING"}
	if len(cmds) != len(want) {
		t.Fatalf("host got %d commands, want %d", len(cmds), len(want))
	}
	for i, w := range want {
		if cmds[i].Line != w || cmds[i].Sender != c.UniqueName() {
			t.Errorf("command %d = %q from %q, want %q from %q", i, cmds[i].Line, cmds[i].Sender, w, c.UniqueName())
		}
	}
}

func TestNoHost(t *testing.T) {
	addr := phoneapitest.StartBus(t)
	c := dial(t, addr)
	if o := c.Owner(); o != "" {
		t.Fatalf("Owner = %q with no host, want empty", o)
	}
	_, err := c.Invoke(testCtx(t), "NAME test")
	if !errors.Is(err, transport.ErrNoHost) {
		t.Fatalf("Invoke with no host: %v, want ErrNoHost", err)
	}
}

func TestOwnerChangesAreEvents(t *testing.T) {
	addr := phoneapitest.StartBus(t)
	h := phoneapitest.NewHost(t, addr)
	c := dial(t, addr)
	attach(t, c)
	ctx := testCtx(t)

	if err := h.Leave(); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, c); ev != (transport.Event{Kind: transport.OwnerChanged}) {
		t.Fatalf("after Leave: %+v, want owner-changed to empty", ev)
	}
	if c.Owner() != "" {
		t.Fatalf("Owner after Leave = %q", c.Owner())
	}
	// The old host, still on the bus but no longer the owner, is refused.
	err := h.Notify(ctx, c.UniqueName(), "CALL 1 STATUS RINGING")
	var de dbus.Error
	if !errors.As(err, &de) || de.Name != transport.ErrorNotAllowed {
		t.Fatalf("Notify from a former owner: %v, want %s", err, transport.ErrorNotAllowed)
	}

	h2 := phoneapitest.NewHost(t, addr)
	if ev := nextEvent(t, c); ev != (transport.Event{Kind: transport.OwnerChanged, Owner: h2.UniqueName()}) {
		t.Fatalf("after a new host: %+v, want owner %s", ev, h2.UniqueName())
	}
	h2.Close()
	if ev := nextEvent(t, c); ev != (transport.Event{Kind: transport.OwnerChanged}) {
		t.Fatalf("after the new host closed: %+v, want owner-changed to empty", ev)
	}
	if err := h.Return(); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, c); ev != (transport.Event{Kind: transport.OwnerChanged, Owner: h.UniqueName()}) {
		t.Fatalf("after Return: %+v", ev)
	}
	attach(t, c)
	if err := h.Notify(ctx, c.UniqueName(), "MUTE ON"); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, c); ev != (transport.Event{Kind: transport.Line, Line: "MUTE ON"}) {
		t.Fatalf("got %+v, want the line MUTE ON", ev)
	}
}

func TestSpoofedNotifyRefusedAndLoggedRateLimited(t *testing.T) {
	addr := phoneapitest.StartBus(t)
	h := phoneapitest.NewHost(t, addr)
	var logs logBuf
	fc := clock.NewFake()
	c := dial(t, addr, transport.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))), transport.WithClock(fc))
	attach(t, c)

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
	spoof := func() {
		t.Helper()
		err := spoofer.Object(c.UniqueName(), transport.ClientPath).
			CallWithContext(testCtx(t), transport.ClientInterface+".Notify", 0, "CALL 666 STATUS RINGING").Err
		var de dbus.Error
		if !errors.As(err, &de) || de.Name != transport.ErrorNotAllowed {
			t.Fatalf("spoofed Notify: %v, want D-Bus error %s", err, transport.ErrorNotAllowed)
		}
	}
	for range 5 {
		spoof()
	}
	if got := logs.lines("refused Notify"); len(got) != 1 || !strings.Contains(got[0], "suppressed=0") ||
		!strings.Contains(got[0], "sender="+spoofer.Names()[0]) {
		t.Fatalf("log after 5 spoofs: %q, want one line naming the sender with suppressed=0", got)
	}
	fc.Advance(10 * time.Second)
	spoof()
	if got := logs.lines("refused Notify"); len(got) != 2 || !strings.Contains(got[1], "suppressed=4") {
		t.Fatalf("log after 10s and another spoof: %q, want a second line with suppressed=4", got)
	}

	// The genuine host still gets through, and the spoofed line never
	// reached the stream: the first event is the host's.
	if err := h.Notify(testCtx(t), c.UniqueName(), "CALL 1 STATUS RINGING"); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, c); ev != (transport.Event{Kind: transport.Line, Line: "CALL 1 STATUS RINGING"}) {
		t.Fatalf("first event %+v, want the host's CALL 1 STATUS RINGING", ev)
	}
}

func TestOverlongAndMistypedNotify(t *testing.T) {
	addr := phoneapitest.StartBus(t)
	h := phoneapitest.NewHost(t, addr)
	c := dial(t, addr)
	attach(t, c)
	ctx := testCtx(t)
	long := strings.Repeat("X", phoneapi.MaxLineLen+1)
	err := h.Notify(ctx, c.UniqueName(), long)
	var de dbus.Error
	if !errors.As(err, &de) || de.Name != transport.ErrorTooLong {
		t.Fatalf("over-long Notify: %v, want %s", err, transport.ErrorTooLong)
	}
	hc, err := dbus.Dial(addr) // a raw call with the wrong signature, not from the host
	if err != nil {
		t.Fatal(err)
	}
	defer hc.Close()
	if err := hc.Auth(nil); err != nil {
		t.Fatal(err)
	}
	if err := hc.Hello(); err != nil {
		t.Fatal(err)
	}
	err = hc.Object(c.UniqueName(), transport.ClientPath).CallWithContext(ctx, transport.ClientInterface+".Notify", 0, int32(5)).Err
	if !errors.As(err, &de) || de.Name != transport.ErrorNotAllowed {
		t.Fatalf("Notify(int32): %v, want %s", err, transport.ErrorNotAllowed)
	}
	if err := h.Notify(ctx, c.UniqueName(), "PONG"); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, c); ev.Line != "PONG" {
		t.Fatalf("first event %+v, want PONG: nothing else may have been queued", ev)
	}
}

func TestInvokeHonoursContext(t *testing.T) {
	addr := phoneapitest.StartBus(t)
	h := phoneapitest.NewHost(t, addr, phoneapitest.Silent())
	c := dial(t, addr)
	ctx, cancel := context.WithCancel(testCtx(t))
	errc := make(chan error, 1)
	go func() {
		_, err := c.Invoke(ctx, "NAME test")
		errc <- err
	}()
	if _, err := h.WaitCommand(testCtx(t), phoneapitest.Text("NAME test")); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Invoke to a silent host after cancel: %v, want context.Canceled", err)
	}
}

func TestBusVariants(t *testing.T) {
	addr := phoneapitest.StartBus(t)
	h := phoneapitest.NewHost(t, addr)
	t.Run("session", func(t *testing.T) {
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
		for _, bus := range []string{"session", ""} {
			c := dial(t, bus)
			if c.Owner() != h.UniqueName() {
				t.Fatalf("Dial(%q): owner %q, want %q", bus, c.Owner(), h.UniqueName())
			}
		}
	})
	t.Run("system", func(t *testing.T) {
		t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", addr)
		if c := dial(t, "system"); c.Owner() != h.UniqueName() {
			t.Fatalf("Dial(system): owner %q, want %q", c.Owner(), h.UniqueName())
		}
	})
	t.Run("bad", func(t *testing.T) {
		if _, err := transport.Dial(testCtx(t), "sesion"); !errors.Is(err, transport.ErrBadBus) {
			t.Fatalf("Dial(sesion): %v, want ErrBadBus", err)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		_, err := transport.Dial(testCtx(t), "unix:path=/nonexistent/handsetd-bus")
		if err == nil || !strings.HasPrefix(err.Error(), "transport: connect to unix:path=/nonexistent/handsetd-bus bus:") {
			t.Fatalf("Dial(unreachable): %v", err)
		}
	})
	t.Run("separate connections", func(t *testing.T) {
		a, b := dial(t, addr), dial(t, addr)
		if a.UniqueName() == b.UniqueName() || a.UniqueName() == "" {
			t.Fatalf("two Dials share the name %q", a.UniqueName())
		}
	})
}

func TestBusLoss(t *testing.T) {
	bus := phoneapitest.StartBusDaemon(t)
	phoneapitest.NewHost(t, bus.Address)
	c := dial(t, bus.Address)
	bus.Close()
	select {
	case <-c.Done():
	case <-time.After(testTimeout):
		t.Fatal("Done not closed after the bus went away")
	}
	if _, err := c.Invoke(testCtx(t), "PING"); !errors.Is(err, transport.ErrClosed) {
		t.Fatalf("Invoke after bus loss: %v, want ErrClosed", err)
	}
}

// TestBurstOrderedBoundedBackpressure sends 10 000 notifications while the
// consumer reads nothing until the queue is full: none may be lost or
// reordered, the sender must be held back rather than the client buffering,
// and goroutines and heap must come back to where they were.
func TestBurstOrderedBoundedBackpressure(t *testing.T) {
	const n = 10000
	const queue = 64
	addr := phoneapitest.StartBus(t)
	h := phoneapitest.NewHost(t, addr)
	c := dial(t, addr, transport.WithQueueLen(queue))
	attach(t, c)
	lines := make([]string, n)
	for i := range lines {
		lines[i] = fmt.Sprintf("CALL %d STATUS RINGING", i)
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	g0 := runtime.NumGoroutine()

	sent := make(chan error, 1)
	go func() { sent <- h.NotifyAll(context.Background(), c.UniqueName(), lines) }()
	deadline := time.Now().Add(testTimeout)
	for len(c.Events()) < queue {
		if time.Now().After(deadline) {
			t.Fatalf("queue never filled: %d", len(c.Events()))
		}
		runtime.Gosched()
	}
	select {
	case err := <-sent:
		t.Fatalf("host finished sending (%v) while the client read nothing: no backpressure", err)
	default:
	}
	maxG := 0
	for i := range n {
		if i%100 == 0 {
			maxG = max(maxG, runtime.NumGoroutine())
		}
		ev := nextEvent(t, c)
		if ev.Kind != transport.Line || ev.Line != lines[i] {
			t.Fatalf("event %d = %+v, want %q", i, ev, lines[i])
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
	// Per message godbus starts one goroutine per incoming call and one per
	// outgoing call; with backpressure only the window's worth can exist.
	if maxG > g0+400 {
		t.Errorf("%d goroutines during the burst, %d before: not bounded", maxG, g0)
	}
	if g1 > g0+5 {
		t.Errorf("%d goroutines after the burst, %d before: leak", g1, g0)
	}
	if after.HeapAlloc > before.HeapAlloc+4<<20 {
		t.Errorf("heap grew from %d to %d bytes", before.HeapAlloc, after.HeapAlloc)
	}
}

package baresip

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"handsetd/daemon"
	"handsetd/phoneapi"
)

// wait bounds every wait of these tests; nothing here is timed, a stuck
// test just fails instead of hanging.
const wait = 5 * time.Second

// fakeCtrl is a TCP server speaking ctrl_tcp's framing, scripted by the
// test: it records commands and answers them with answer. It tests this
// package's side of the protocol; the real baresip is exercised by the
// end-to-end tests in test/baresip.
type fakeCtrl struct {
	t      *testing.T
	ln     net.Listener
	answer func(cmd, params string) Response
	conns  chan *fakeConn
	wg     sync.WaitGroup

	mu  sync.Mutex
	all []*fakeConn
}

type fakeConn struct {
	nc   net.Conn
	cmds chan string
	wmu  sync.Mutex
	eof  chan struct{}
}

func newFakeCtrl(t *testing.T, addr string, answer func(cmd, params string) Response) *fakeCtrl {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeCtrl{t: t, ln: ln, answer: answer, conns: make(chan *fakeConn, 8)}
	f.wg.Add(1)
	go f.acceptLoop()
	t.Cleanup(f.close)
	return f
}

// baresipAnswers answers like baresip 1.0.0 with one call "abc" and the
// menu module loaded; mute toggles.
func baresipAnswers() func(cmd, params string) Response {
	var mu sync.Mutex
	muted := false
	return func(cmd, params string) Response {
		mu.Lock()
		defer mu.Unlock()
		switch cmd {
		case "help":
			return Response{OK: true, Data: "--- Help ---\n  /accept  a  Accept incoming call\n  /dial ..  d ..  Dial\n  /hangup  b  Hangup call\n"}
		case "callfind":
			if params == "gone" {
				return Response{OK: true, Data: "call not found (id=gone)\n"}
			}
			return Response{OK: true, Data: "setting current call: " + params + "\n"}
		case "mute":
			muted = !muted
			if muted {
				return Response{OK: true, Data: "\ncall muted\n"}
			}
			return Response{OK: true, Data: "\ncall un-muted\n"}
		case "dial":
			if params == "refuse" {
				return Response{OK: false, Data: "Invalid argument"}
			}
		}
		return Response{OK: true}
	}
}

func (f *fakeCtrl) addr() string { return f.ln.Addr().String() }

func (f *fakeCtrl) acceptLoop() {
	defer f.wg.Done()
	for {
		nc, err := f.ln.Accept()
		if err != nil {
			return
		}
		c := &fakeConn{nc: nc, cmds: make(chan string, 64), eof: make(chan struct{})}
		f.mu.Lock()
		f.all = append(f.all, c)
		f.mu.Unlock()
		f.wg.Add(1)
		go f.serve(c)
		f.conns <- c
	}
}

func (f *fakeCtrl) serve(c *fakeConn) {
	defer f.wg.Done()
	defer close(c.eof)
	nr := newNetstringReader(c.nc, MaxMessage)
	for {
		p, err := nr.next()
		if err != nil {
			return
		}
		var cmd command
		if err := json.Unmarshal(p, &cmd); err != nil {
			f.t.Errorf("fake ctrl_tcp: bad command %q: %v", p, err)
			return
		}
		c.cmds <- commandLine(cmd.Command, cmd.Params)
		if f.answer == nil {
			continue
		}
		r := f.answer(cmd.Command, cmd.Params)
		b, _ := json.Marshal(map[string]any{"response": true, "ok": r.OK, "data": r.Data, "token": cmd.Token})
		c.write(appendNetstring(nil, b))
	}
}

func (f *fakeCtrl) close() {
	f.ln.Close()
	f.mu.Lock()
	for _, c := range f.all {
		c.nc.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

// accept waits for the next connection and its probe.
func (f *fakeCtrl) accept(t *testing.T) *fakeConn {
	t.Helper()
	select {
	case c := <-f.conns:
		c.expect(t, "help")
		return c
	case <-time.After(wait):
		t.Fatal("no connection to the fake ctrl_tcp")
		return nil
	}
}

func (c *fakeConn) write(b []byte) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.nc.Write(b)
}

func (c *fakeConn) event(e Event) {
	b, _ := json.Marshal(map[string]any{"event": true, "type": e.Type, "class": e.Class, "accountaor": e.AccountAOR,
		"direction": e.Direction, "peeruri": e.PeerURI, "id": e.ID, "param": e.Param})
	c.write(appendNetstring(nil, b))
}

// expect checks the next commands received, in order.
func (c *fakeConn) expect(t *testing.T, want ...string) {
	t.Helper()
	for _, w := range want {
		select {
		case got := <-c.cmds:
			if got != w {
				t.Fatalf("baresip got command %q, want %q", got, w)
			}
		case <-time.After(wait):
			t.Fatalf("baresip got no command, want %q", w)
		}
	}
}

// expectNone checks that nothing else was received.
func (c *fakeConn) expectNone(t *testing.T) {
	t.Helper()
	select {
	case got := <-c.cmds:
		t.Fatalf("unexpected command %q", got)
	default:
	}
}

// recorder is a daemon.HostListener that writes down what it is told.
type recorder struct{ ch chan string }

func newRecorder() *recorder { return &recorder{ch: make(chan string, 256)} }

func (r *recorder) HostAttached(context.Context) bool { r.ch <- "attached"; return true }
func (r *recorder) HostDetached(context.Context) bool { r.ch <- "detached"; return true }
func (r *recorder) HostMessage(_ context.Context, m phoneapi.Message) bool {
	r.ch <- phoneapi.FormatMessage("", m)
	return true
}

func (r *recorder) expect(t *testing.T, want ...string) {
	t.Helper()
	for _, w := range want {
		select {
		case got := <-r.ch:
			if got != w {
				t.Fatalf("listener told %q, want %q", got, w)
			}
		case <-time.After(wait):
			t.Fatalf("listener told nothing, want %q", w)
		}
	}
}

// logSink records log records for assertions on what the operator sees.
type logSink struct{ ch chan slog.Record }

func newLogSink() *logSink { return &logSink{ch: make(chan slog.Record, 1024)} }

func (h *logSink) Enabled(context.Context, slog.Level) bool { return true }
func (h *logSink) Handle(_ context.Context, r slog.Record) error {
	select {
	case h.ch <- r.Clone():
	default:
	}
	return nil
}
func (h *logSink) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *logSink) WithGroup(string) slog.Handler      { return h }

// next returns the next record whose message starts with prefix.
func (h *logSink) next(t *testing.T, prefix string) slog.Record {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case r := <-h.ch:
			if strings.HasPrefix(r.Message, prefix) {
				return r
			}
		case <-deadline:
			t.Fatalf("no log record %q", prefix)
		}
	}
}

func attr(r slog.Record, key string) slog.Value {
	var v slog.Value
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value
			return false
		}
		return true
	})
	return v
}

// run starts a session's Run and returns a function that stops it and
// waits.
func run(t *testing.T, s daemon.HostSession, l *recorder) func() {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, l) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run returned %v, want nil", err)
			}
		case <-time.After(wait):
			t.Fatal("Run did not return after its context ended")
		}
	}
	t.Cleanup(stop)
	return stop
}

// closedAddr returns an address nobody listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// eof waits until the client closed the connection.
func (c *fakeConn) waitEOF(t *testing.T) {
	t.Helper()
	select {
	case <-c.eof:
	case <-time.After(wait):
		t.Fatal("the client did not close its connection")
	}
}

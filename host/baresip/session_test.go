package baresip

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"handsetd/internal/clock"
	"handsetd/phoneapi"
)

func incoming(id string) Event {
	return Event{Type: "CALL_INCOMING", Class: "call", AccountAOR: "sip:1001@127.0.0.1", Direction: "incoming",
		PeerURI: "sip:2002@127.0.0.1:15072", ID: id, Param: "sip:2002@127.0.0.1:15072"}
}

func callEvent(typ, id string) Event {
	e := incoming(id)
	e.Type, e.Param = typ, ""
	return e
}

var ringing1 = []string{"CALL 1 TYPE INCOMING_P2P", "CALL 1 PARTNER_HANDLE 2002",
	"CALL 1 PARTNER_DISPNAME sip:2002@127.0.0.1:15072", "CALL 1 STATUS RINGING"}

func send(t *testing.T, s interface {
	Send(context.Context, phoneapi.Command) (phoneapi.Message, error)
}, line string) (string, error) {
	t.Helper()
	c, err := phoneapi.ParseCommand(line)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	m, err := s.Send(ctx, c)
	if err != nil {
		return "", err
	}
	return phoneapi.FormatMessage("", m), nil
}

func mustSend(t *testing.T, s interface {
	Send(context.Context, phoneapi.Command) (phoneapi.Message, error)
}, line, want string) {
	t.Helper()
	got, err := send(t, s, line)
	if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	if got != want {
		t.Fatalf("%s: reply %q, want %q", line, got, want)
	}
}

func wantPhoneAPIError(t *testing.T, err error, code int) {
	t.Helper()
	var e phoneapi.ErrorMsg
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("error %v, want phone-API ERROR %d", err, code)
	}
}

// TestIncomingCall walks an incoming call through every translated
// command and checks both sides: the ctrl_tcp commands baresip receives
// and the notifications the phone is told.
func TestIncomingCall(t *testing.T) {
	srv := newFakeCtrl(t, "127.0.0.1:0", baresipAnswers())
	s := Hosts(Config{Addr: srv.addr(), Clock: clock.NewFake()})("Test handset (handsetd)")
	rec := newRecorder()
	run(t, s, rec)
	conn := srv.accept(t)
	rec.expect(t, "attached")

	conn.event(incoming("abc"))
	rec.expect(t, ringing1...)

	mustSend(t, s, "GET CALL 1 TYPE", "CALL 1 TYPE INCOMING_P2P")
	mustSend(t, s, "GET CALL 1 STATUS", "CALL 1 STATUS RINGING")
	mustSend(t, s, "SEARCH ACTIVECALLS", "CALLS 1")

	mustSend(t, s, "ALTER CALL 1 ANSWER", "ALTER CALL 1 ANSWER")
	conn.expect(t, "callfind abc", "accept")
	conn.event(callEvent("CALL_ESTABLISHED", "abc"))
	rec.expect(t, "CALL 1 STATUS INPROGRESS")

	mustSend(t, s, "ALTER CALL 1 DTMF 5", "ALTER CALL 1 DTMF 5")
	conn.expect(t, "callfind abc", "sndcode 5")
	mustSend(t, s, "ALTER CALL 1 DTMF #", "ALTER CALL 1 DTMF #")
	conn.expect(t, "callfind abc", "sndcode #")

	// mute only toggles: one toggle reaches ON, the next OFF.
	mustSend(t, s, "SET MUTE ON", "MUTE ON")
	conn.expect(t, "callfind abc", "mute")
	mustSend(t, s, "SET MUTE OFF", "MUTE OFF")
	conn.expect(t, "callfind abc", "mute")

	mustSend(t, s, "ALTER CALL 1 HOLD", "ALTER CALL 1 HOLD")
	conn.expect(t, "callfind abc", "hold")
	rec.expect(t, "CALL 1 STATUS LOCALHOLD")
	mustSend(t, s, "ALTER CALL 1 RESUME", "ALTER CALL 1 RESUME")
	conn.expect(t, "callfind abc", "resume")
	rec.expect(t, "CALL 1 STATUS INPROGRESS")

	mustSend(t, s, "ALTER CALL 1 HANGUP", "ALTER CALL 1 HANGUP")
	conn.expect(t, "callfind abc", "hangup")
	conn.event(callEvent("CALL_CLOSED", "abc"))
	rec.expect(t, "CALL 1 STATUS FINISHED")
	mustSend(t, s, "SEARCH ACTIVECALLS", "CALLS")
	conn.expectNone(t)
}

func TestRejectAndDial(t *testing.T) {
	srv := newFakeCtrl(t, "127.0.0.1:0", baresipAnswers())
	s := Hosts(Config{Addr: srv.addr(), Clock: clock.NewFake()})("h")
	rec := newRecorder()
	run(t, s, rec)
	conn := srv.accept(t)
	rec.expect(t, "attached")

	conn.event(incoming("abc"))
	rec.expect(t, ringing1...)
	mustSend(t, s, "ALTER CALL 1 END HANGUP", "ALTER CALL 1 END HANGUP")
	conn.expect(t, "callfind abc", "hangup")
	conn.event(callEvent("CALL_CLOSED", "abc"))
	rec.expect(t, "CALL 1 STATUS REFUSED")

	mustSend(t, s, "CALL 2002", "CALL 2002")
	conn.expect(t, "dial 2002")
	conn.event(Event{Type: "CALL_LOCAL_SDP", Direction: "outgoing", PeerURI: "sip:2002@127.0.0.1:15072", Param: "offer"})
	out := Event{Type: "CALL_RINGING", Class: "call", Direction: "outgoing", PeerURI: "sip:2002@127.0.0.1:15072", ID: "out1"}
	conn.event(out)
	rec.expect(t, "CALL 2 TYPE OUTGOING_P2P", "CALL 2 PARTNER_HANDLE 2002",
		"CALL 2 PARTNER_DISPNAME sip:2002@127.0.0.1:15072", "CALL 2 STATUS RINGING")
	out.Type = "CALL_ESTABLISHED"
	conn.event(out)
	rec.expect(t, "CALL 2 STATUS INPROGRESS")
	conn.expectNone(t)
}

func TestRefusals(t *testing.T) {
	srv := newFakeCtrl(t, "127.0.0.1:0", baresipAnswers())
	s := Hosts(Config{Addr: srv.addr(), Clock: clock.NewFake()})("h")
	rec := newRecorder()
	run(t, s, rec)
	conn := srv.accept(t)
	rec.expect(t, "attached")
	conn.event(incoming("abc"))
	conn.event(incoming("gone"))
	rec.expect(t, ringing1...)
	rec.expect(t, "CALL 2 TYPE INCOMING_P2P", "CALL 2 PARTNER_HANDLE 2002",
		"CALL 2 PARTNER_DISPNAME sip:2002@127.0.0.1:15072", "CALL 2 STATUS RINGING")

	for _, tt := range []struct {
		line string
		code int
	}{
		{"HOOK OFF", 2},
		{"BTN_PRESSED 5", 2},
		{"MUTE ON", 2},
		{"NAME other", 2},
		{"ALTER CALL 9 ANSWER", 11},
		{"GET CALL 9 TYPE", 11},
		{"GET CALL 1 DURATION", 7},
		{"ALTER CALL 1 TRANSFER x", 71},
		{"ALTER CALL 1 DTMF x", 21},
		{"ALTER CALL 1 DTMF 12", 21},
		{"CALL a,b", 38},
		{"CALL two words", 38},
	} {
		_, err := send(t, s, tt.line)
		wantPhoneAPIError(t, err, tt.code)
	}
	conn.expectNone(t)

	// baresip 1.0.0 says ok to a callfind that finds nothing.
	_, err := send(t, s, "ALTER CALL 2 ANSWER")
	if !errors.Is(err, ErrNoCall) {
		t.Fatalf("answering a call baresip lost: %v, want ErrNoCall", err)
	}
	conn.expect(t, "callfind gone")
	conn.expectNone(t)

	_, err = send(t, s, "CALL refuse")
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "Invalid argument") {
		t.Fatalf("refused dial: %v, want ErrRefused with baresip's text", err)
	}
	conn.expect(t, "dial refuse")
	mustSend(t, s, "PING", "PONG")
	conn.expectNone(t)
}

// TestMuteCarriesOver: a handset muted before the call mutes the call as
// soon as it is established.
func TestMuteCarriesOver(t *testing.T) {
	srv := newFakeCtrl(t, "127.0.0.1:0", baresipAnswers())
	s := Hosts(Config{Addr: srv.addr(), Clock: clock.NewFake()})("h")
	rec := newRecorder()
	run(t, s, rec)
	conn := srv.accept(t)
	rec.expect(t, "attached")
	mustSend(t, s, "SET MUTE ON", "MUTE ON")
	conn.expectNone(t)
	conn.event(incoming("abc"))
	rec.expect(t, ringing1...)
	conn.event(callEvent("CALL_ESTABLISHED", "abc"))
	rec.expect(t, "CALL 1 STATUS INPROGRESS")
	conn.expect(t, "callfind abc", "mute")
}

// TestReconnect: baresip going away detaches the phone; the session
// reconnects after the backoff. Calls are forgotten (a reconnected
// baresip may be a restarted one), but their numbers are not reused, so a
// command still on its way for an old call cannot reach a new one.
func TestReconnect(t *testing.T) {
	fc := clock.NewFake()
	srv := newFakeCtrl(t, "127.0.0.1:0", baresipAnswers())
	s := Hosts(Config{Addr: srv.addr(), Clock: fc, MinBackoff: 100 * time.Millisecond})("h")
	rec := newRecorder()
	run(t, s, rec)
	conn := srv.accept(t)
	rec.expect(t, "attached")
	conn.event(incoming("abc"))
	rec.expect(t, ringing1...)

	conn.nc.Close()
	rec.expect(t, "detached")
	_, err := send(t, s, "ALTER CALL 1 ANSWER")
	wantPhoneAPIError(t, err, 11) // the call went with the connection

	waitPending(t, fc, 1)
	fc.Advance(99 * time.Millisecond)
	if fc.Pending() != 1 {
		t.Fatal("reconnected before the backoff")
	}
	fc.Advance(time.Millisecond)
	conn = srv.accept(t)
	rec.expect(t, "attached")
	conn.event(incoming("def"))
	rec.expect(t, "CALL 2 TYPE INCOMING_P2P", "CALL 2 PARTNER_HANDLE 2002",
		"CALL 2 PARTNER_DISPNAME sip:2002@127.0.0.1:15072", "CALL 2 STATUS RINGING")
	_, err = send(t, s, "ALTER CALL 1 ANSWER")
	wantPhoneAPIError(t, err, 11)
	mustSend(t, s, "ALTER CALL 2 ANSWER", "ALTER CALL 2 ANSWER")
	conn.expect(t, "callfind def", "accept")
}

func waitPending(t *testing.T, fc *clock.Fake, n int) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for fc.Pending() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d timers pending, want %d", fc.Pending(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestMissingControlPort: the operator is told once, clearly; retries
// back off exponentially up to the limit; baresip appearing is noticed.
func TestMissingControlPort(t *testing.T) {
	fc := clock.NewFake()
	addr := closedAddr(t)
	logs := newLogSink()
	s := Hosts(Config{Addr: addr, Clock: fc, Logger: slog.New(logs),
		MinBackoff: 100 * time.Millisecond, MaxBackoff: 400 * time.Millisecond})("h")
	rec := newRecorder()
	run(t, s, rec)

	r := logs.next(t, "baresip: cannot use ctrl_tcp")
	if r.Level != slog.LevelError {
		t.Fatalf("first failure logged at %v, want ERROR", r.Level)
	}
	msg := attr(r, "err").String()
	if !strings.Contains(msg, "no ctrl_tcp listener at "+addr) || !strings.Contains(msg, "ctrl_tcp_listen") {
		t.Fatalf("error %q does not say what is missing", msg)
	}
	_, err := send(t, s, "CALL 1")
	if !errors.Is(err, ErrNotAttached) {
		t.Fatalf("command without baresip: %v, want ErrNotAttached", err)
	}

	for _, want := range []time.Duration{100, 200, 400, 400} {
		waitPending(t, fc, 1)
		fc.Advance(want*time.Millisecond - 1)
		if fc.Pending() != 1 {
			t.Fatalf("retried before %v", want*time.Millisecond)
		}
		fc.Advance(1)
		r := logs.next(t, "baresip: still cannot use ctrl_tcp")
		next := min(2*want, 400) * time.Millisecond
		if got := attr(r, "retry_in").Duration(); got != next {
			t.Fatalf("retry_in %v, want %v", got, next)
		}
	}

	waitPending(t, fc, 1)
	srv := newFakeCtrl(t, addr, baresipAnswers())
	fc.Advance(400 * time.Millisecond)
	srv.accept(t)
	rec.expect(t, "attached")
	logs.next(t, "baresip: connected to ctrl_tcp")
}

// TestNotCtrlTCP: a port that accepts but never answers the probe is not
// mistaken for baresip.
func TestNotCtrlTCP(t *testing.T) {
	srv := newFakeCtrl(t, "127.0.0.1:0", nil)
	logs := newLogSink()
	s := Hosts(Config{Addr: srv.addr(), Clock: clock.NewFake(), Logger: slog.New(logs), DialTimeout: 50 * time.Millisecond})("h")
	rec := newRecorder()
	run(t, s, rec)
	r := logs.next(t, "baresip: cannot use ctrl_tcp")
	if msg := attr(r, "err").String(); !strings.Contains(msg, "does not answer like ctrl_tcp") {
		t.Fatalf("error %q", msg)
	}
	select {
	case got := <-rec.ch:
		t.Fatalf("listener told %q of a port that is not baresip", got)
	default:
	}
}

// TestSharedConnection: two handsets share one ctrl_tcp connection (a
// second would replace the first), each with its own call numbers; the
// last one out closes it.
func TestSharedConnection(t *testing.T) {
	srv := newFakeCtrl(t, "127.0.0.1:0", baresipAnswers())
	hosts := Hosts(Config{Addr: srv.addr(), Clock: clock.NewFake()})
	a, b := hosts("a"), hosts("b")
	recA, recB := newRecorder(), newRecorder()
	stopA := run(t, a, recA)
	conn := srv.accept(t)
	recA.expect(t, "attached")
	stopB := run(t, b, recB)
	recB.expect(t, "attached")

	conn.event(incoming("abc"))
	recA.expect(t, ringing1...)
	recB.expect(t, ringing1...)
	mustSend(t, b, "ALTER CALL 1 ANSWER", "ALTER CALL 1 ANSWER")
	conn.expect(t, "callfind abc", "accept")
	conn.event(callEvent("CALL_ESTABLISHED", "abc"))
	recA.expect(t, "CALL 1 STATUS INPROGRESS")
	recB.expect(t, "CALL 1 STATUS INPROGRESS")
	mustSend(t, a, "ALTER CALL 1 HOLD", "ALTER CALL 1 HOLD")
	conn.expect(t, "callfind abc", "hold")
	recA.expect(t, "CALL 1 STATUS LOCALHOLD")
	recB.expect(t, "CALL 1 STATUS LOCALHOLD")

	stopA()
	select {
	case <-conn.eof:
		t.Fatal("connection closed while a session still runs")
	default:
	}
	conn.event(callEvent("CALL_CLOSED", "abc"))
	recB.expect(t, "CALL 1 STATUS FINISHED")
	stopB()
	conn.waitEOF(t)
	select {
	case c := <-srv.conns:
		t.Fatalf("a second connection was opened: %v", c.nc.RemoteAddr())
	default:
	}
}

// TestBadInput: a malformed message is dropped and the connection stays;
// an oversized one ends it.
func TestBadInput(t *testing.T) {
	srv := newFakeCtrl(t, "127.0.0.1:0", baresipAnswers())
	logs := newLogSink()
	fc := clock.NewFake()
	s := Hosts(Config{Addr: srv.addr(), Clock: fc, Logger: slog.New(logs)})("h")
	rec := newRecorder()
	run(t, s, rec)
	conn := srv.accept(t)
	rec.expect(t, "attached")

	conn.write([]byte(`5:hello,2:{},17:{"event":"maybe"},`))
	for range 3 {
		logs.next(t, "baresip: message dropped")
	}
	conn.event(incoming("abc"))
	rec.expect(t, ringing1...)

	conn.write([]byte("65537:"))
	rec.expect(t, "detached")
	r := logs.next(t, "baresip: ctrl_tcp connection lost")
	if msg := attr(r, "err").String(); !strings.Contains(msg, "message too long") {
		t.Fatalf("lost because %q, want the length limit", msg)
	}
	conn.waitEOF(t)
}

func TestParseHost(t *testing.T) {
	tests := []struct {
		spec, addr string
		ok, err    bool
	}{
		{"baresip", "127.0.0.1:4444", true, false},
		{"baresip:", "127.0.0.1:4444", true, false},
		{"baresip:5555", "127.0.0.1:5555", true, false},
		{"baresip:10.0.0.2:4444", "10.0.0.2:4444", true, false},
		{"baresip::4444", "127.0.0.1:4444", true, false},
		{"baresip:[::1]:4444", "[::1]:4444", true, false},
		{"baresip:host", "", true, true},
		{"baresip:70000", "", true, true},
		{"baresip:h:x", "", true, true},
		{"phoneapi", "", false, false},
		{"", "", false, false},
		{"baresipx", "", false, false},
	}
	for _, tt := range tests {
		addr, ok, err := ParseHost(tt.spec)
		if addr != tt.addr || ok != tt.ok || (err != nil) != tt.err {
			t.Errorf("ParseHost(%q) = %q, %v, %v; want %q, %v, error %v", tt.spec, addr, ok, err, tt.addr, tt.ok, tt.err)
		}
	}
}

func TestDialClosedPort(t *testing.T) {
	_, err := Dial(context.Background(), closedAddr(t), DialOptions{})
	if !errors.Is(err, ErrNoControlPort) {
		t.Fatalf("Dial to a closed port: %v, want ErrNoControlPort", err)
	}
}

func TestCommandAfterClose(t *testing.T) {
	srv := newFakeCtrl(t, "127.0.0.1:0", baresipAnswers())
	c, err := Dial(context.Background(), srv.addr(), DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	r, err := c.Command(ctx, "help", "")
	if err != nil || !strings.Contains(r.Data, "/accept") {
		t.Fatalf("help: %+v, %v", r, err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Command(ctx, "help", ""); !errors.Is(err, ErrClosed) {
		t.Fatalf("command after Close: %v, want ErrClosed", err)
	}
}

// TestQueueOverflow: a session that falls maxQueued items behind loses
// the backlog, keeps what came after, and is told so.
func TestQueueOverflow(t *testing.T) {
	q := newQueue()
	for i := range maxQueued + 3 {
		q.push(item{kind: itemEvent, event: Event{ID: strconv.Itoa(i)}})
	}
	items, lost := q.take()
	if !lost {
		t.Fatal("overflow not reported")
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, it.event.ID)
	}
	want := []string{strconv.Itoa(maxQueued), strconv.Itoa(maxQueued + 1), strconv.Itoa(maxQueued + 2)}
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Fatalf("kept %q, want %q", ids, want)
	}
	if items, lost := q.take(); len(items) != 0 || lost {
		t.Fatalf("second take: %d items, lost %v; want none", len(items), lost)
	}
}

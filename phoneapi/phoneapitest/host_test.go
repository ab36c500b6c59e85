package phoneapitest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"handsetd/phoneapi"
)

// bareHost is a Host with no connection, for the answering logic alone.
func bareHost() *Host {
	return &Host{closed: make(chan struct{}), changed: make(chan struct{}),
		clients: map[string]*Client{}, calls: map[int]*Call{}, nextCall: 100}
}

// exchange answers one line from sender as the Invoke handler would and
// returns the reply and the notifications, formatted.
func exchange(h *Host, sender, line string) (string, []string) {
	cmd, err := phoneapi.ParseCommand(line)
	if err != nil {
		return "ERROR 1 General syntax error", nil
	}
	reply, notes := h.answer(sender, cmd)
	return phoneapi.FormatMessage("", reply), notes
}

func TestAnswersLikeTheReference(t *testing.T) {
	h := bareHost()
	steps := []struct {
		line, reply string
		notes       []string
	}{
		{"PING", "ERROR 68 Access denied", nil},
		{"NAME Phone", "OK", nil},
		{"PROTOCOL 9", "PROTOCOL 5", nil},
		{"PROTOCOL 3", "PROTOCOL 3", nil},
		{"PING", "PONG", nil},
		{"AUDIO_IN hw:1", "AUDIO_IN hw:1", nil},
		{"AUDIO_OUT hw:1", "AUDIO_OUT hw:1", nil},
		{"BTN_PRESSED 5", "OK", nil},
		{"BTN_RELEASED 5", "OK", nil},
		{"HOOK OFF", "OK", nil}, // nothing rings: nothing happens
		{"MUTE ON", "OK", []string{"MUTE ON"}},
		{"SET MUTE OFF", "MUTE OFF", []string{"MUTE OFF"}},
		{"GET CALL 101 TYPE", "ERROR 12 Unknown call", nil},
		{"SEARCH ACTIVECALLS", "CALLS", nil},
		{"ALTER CALL 101 ANSWER", "ERROR 20 Unknown call", nil},
		{"CALL +4912345", "CALL 101 STATUS ROUTING", []string{
			"CALL 101 TYPE OUTGOING_PSTN", "CALL 101 PARTNER_HANDLE +4912345",
			"CALL 101 STATUS ROUTING", "CALL 101 STATUS RINGING"}},
		{"ALTER CALL 101 ANSWER", "ERROR 23 Cannot answer this call at the moment", nil},
		{"GET CALL 101 TYPE", "CALL 101 TYPE OUTGOING_PSTN", nil},
		{"GET CALL 101 COLOUR", "ERROR 13 Invalid PROP", nil},
		{"SEARCH ACTIVECALLS", "CALLS 101", nil},
		{"ALTER CALL 101 HANGUP", "ALTER CALL 101 HANGUP", []string{"CALL 101 STATUS CANCELLED"}},
		{"ALTER CALL 101 HANGUP", "ERROR 20 Unknown call", nil},
		{"SEARCH ACTIVECALLS", "CALLS", nil},
		{"SEARCH FRIENDS", "ERROR 2 Unknown command", nil},
		{"FLY AWAY", "ERROR 2 Unknown command", nil},
	}
	for _, s := range steps {
		reply, notes := exchange(h, ":1.7", s.line)
		if reply != s.reply || strings.Join(notes, "|") != strings.Join(s.notes, "|") {
			t.Errorf("%s: %q %q, want %q %q", s.line, reply, notes, s.reply, s.notes)
		}
	}
}

// TestSearchActiveCalls: the calls not ended, in id order, held ones too.
func TestSearchActiveCalls(t *testing.T) {
	h := bareHost()
	exchange(h, ":1.7", "NAME Phone")
	h.mu.Lock()
	h.ringLocked("alice", "", true) // 101: answered, then held
	h.ringLocked("bob", "", true)   // 102: missed
	h.ringLocked("carol", "", true) // 103: still ringing
	h.answerLocked(101)
	h.holdLocked(101)
	h.hangupLocked(102, false)
	h.mu.Unlock()
	for _, line := range []string{"SEARCH ACTIVECALLS", "search  activecalls"} {
		if reply, notes := exchange(h, ":1.7", line); reply != "CALLS 101, 103" || notes != nil {
			t.Errorf("%s: %q %q, want %q and no notifications", line, reply, notes, "CALLS 101, 103")
		}
	}
}

func TestPhoneActionsAndCallControl(t *testing.T) {
	h := bareHost()
	exchange(h, ":1.7", "NAME Phone")
	h.mu.Lock()
	_, notes := h.ringLocked("alice", "Alice", true)
	h.mu.Unlock()
	if got := strings.Join(notes, "|"); got != "CALL 101 TYPE INCOMING_P2P|CALL 101 PARTNER_HANDLE alice|CALL 101 PARTNER_DISPNAME Alice|CALL 101 STATUS RINGING" {
		t.Fatalf("ring: %q", got)
	}
	steps := []struct{ line, reply, notes string }{
		{"HOOK OFF", "OK", "CALL 101 STATUS INPROGRESS"},
		{"ALTER CALL 101 DTMF 7", "ALTER CALL 101 DTMF 7", ""},
		{"ALTER CALL 101 DTMF X", "ERROR 21 Unknown/disallowed call prop", ""},
		{"ALTER CALL 101 HOLD", "ALTER CALL 101 HOLD", "CALL 101 STATUS LOCALHOLD"},
		{"ALTER CALL 101 HOLD", "ERROR 22 Cannot hold this call at the moment", ""},
		{"ALTER CALL 101 RESUME", "ALTER CALL 101 RESUME", "CALL 101 STATUS INPROGRESS"},
		{"ALTER CALL 101 END HANGUP", "ERROR 24 Cannot end this call", ""},
		{"HOOK ON", "OK", "CALL 101 STATUS FINISHED"},
		{"HOOK ON", "OK", ""},
	}
	for _, s := range steps {
		reply, notes := exchange(h, ":1.7", s.line)
		if reply != s.reply || strings.Join(notes, "|") != s.notes {
			t.Errorf("%s: %q %q, want %q %q", s.line, reply, notes, s.reply, s.notes)
		}
	}
	// Call waiting: answering the second call holds the first; NO on a
	// ringing call with nothing in progress refuses it.
	h.mu.Lock()
	h.ringLocked("bob", "", true)
	h.mu.Unlock()
	if _, n := exchange(h, ":1.7", "BTN_PRESSED YES"); strings.Join(n, "|") != "CALL 102 STATUS INPROGRESS" {
		t.Fatalf("YES: %q", n)
	}
	h.mu.Lock()
	h.ringLocked("carol", "", false)
	h.mu.Unlock()
	if _, n := exchange(h, ":1.7", "ALTER CALL 103 ANSWER"); strings.Join(n, "|") != "CALL 102 STATUS LOCALHOLD|CALL 103 STATUS INPROGRESS" {
		t.Fatalf("answer waiting call: %q", n)
	}
	if _, n := exchange(h, ":1.7", "BTN_PRESSED NO"); strings.Join(n, "|") != "CALL 103 STATUS FINISHED" {
		t.Fatalf("NO in a call: %q", n)
	}
	h.mu.Lock()
	h.ringLocked("dave", "", true)
	h.mu.Unlock()
	if _, n := exchange(h, ":1.7", "ALTER CALL 104 END HANGUP"); strings.Join(n, "|") != "CALL 104 STATUS REFUSED" {
		t.Fatalf("reject: %q", n)
	}
	if got := h.Calls(); len(got) != 4 || got[1] != (Call{ID: 102, Type: "INCOMING_P2P", Status: "LOCALHOLD", Partner: "bob"}) {
		t.Fatalf("calls %+v", got)
	}
}

func TestRefusingOfflineWithoutPhoneActions(t *testing.T) {
	h := bareHost()
	h.refuse = true
	if r, _ := exchange(h, ":1.7", "NAME Phone"); r != "ERROR 68 Access denied" {
		t.Fatalf("refusing: %q", r)
	}
	h.refuse, h.offline = false, true
	if r, _ := exchange(h, ":1.7", "NAME Phone"); r != "CONNSTATUS OFFLINE" {
		t.Fatalf("offline: %q", r)
	}
	h.offline, h.noPhoneActions = false, true
	exchange(h, ":1.7", "NAME Phone")
	if r, n := exchange(h, ":1.7", "MUTE ON"); r != "OK" || n != nil {
		t.Fatalf("MUTE ON without phone actions: %q %q", r, n)
	}
}

func TestPlayUnknownScript(t *testing.T) {
	h := bareHost()
	err := h.Play(context.Background(), "dance", 0)
	if err == nil || err.Error() != `phoneapitest: unknown script "dance" (known: incoming, missed, waiting, outgoing)` {
		t.Fatalf("Play(dance): %v", err)
	}
}

func TestStartBusAndHostOnIt(t *testing.T) {
	addr := StartBus(t)
	h := NewHost(t, addr)
	if _, err := Start(context.Background(), addr); !errors.Is(err, ErrNameTaken) {
		t.Fatalf("second host: %v, want ErrNameTaken", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := h.WaitCommand(ctx, Verb("NAME")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitCommand with nothing sent: %v", err)
	}
}

// FuzzHostAnswer feeds the host arbitrary command lines: it must never
// panic, and everything it sends back must parse as a message.
func FuzzHostAnswer(f *testing.F) {
	for _, s := range []string{"NAME x", "PROTOCOL 99999999999", "GET CALL 101 TYPE", "ALTER CALL 101 DTMF #",
		"ALTER CALL 101 END HANGUP", "CALL a,b", "SET MUTE ON", "HOOK OFF", "BTN_PRESSED NO", "#1 PING", "MUTE"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		h := bareHost()
		exchange(h, ":1.1", "NAME Phone")
		h.mu.Lock()
		h.ringLocked("alice", "Alice", true)
		h.placeLocked("+1")
		h.mu.Unlock()
		for range 2 {
			_, rest, _ := phoneapi.SplitID(line)
			reply, notes := exchange(h, ":1.1", rest)
			for _, l := range append([]string{reply}, notes...) {
				if _, err := phoneapi.Parse(l); err != nil {
					t.Fatalf("%q: host sent %q, which does not parse: %v", line, l, err)
				}
			}
		}
	})
}

// A client whose connection closes is forgotten: ringing afterwards
// reaches the clients still there and fails for none.
func TestHostForgetsClosedClients(t *testing.T) {
	addr := StartBus(t)
	h := NewHost(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	gone := attachClient(t, ctx, addr, "Gone")
	attachClient(t, ctx, addr, "Stays")
	if _, err := h.WaitClients(ctx, 2); err != nil {
		t.Fatal(err)
	}
	gone.Close()
	deadline := time.Now().Add(5 * time.Second)
	for len(h.Clients()) != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if cl := h.Clients(); len(cl) != 1 || cl[0].Name != "Stays" {
		t.Fatalf("clients after one closed: %+v, want only Stays", cl)
	}
	if _, err := h.Ring(ctx, "alice", "Alice"); err != nil {
		t.Fatalf("Ring after a client left: %v", err)
	}
}

// notifySink is a minimal phone-API client object.
type notifySink struct{}

func (notifySink) Notify(string) *dbus.Error { return nil }

// attachClient connects a bare client that attaches with NAME and
// PROTOCOL and accepts notifications.
func attachClient(t *testing.T, ctx context.Context, addr, name string) *dbus.Conn {
	t.Helper()
	conn, err := dbus.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.Auth(nil); err != nil {
		t.Fatal(err)
	}
	if err := conn.Hello(); err != nil {
		t.Fatal(err)
	}
	if err := conn.Export(notifySink{}, "/com/Skype/Client", "com.Skype.API.Client"); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"NAME " + name, "PROTOCOL 5"} {
		var reply string
		if err := conn.Object("com.Skype.API", "/com/Skype").CallWithContext(ctx, "com.Skype.API.Invoke", 0, line).Store(&reply); err != nil {
			t.Fatalf("Invoke %q: %v", line, err)
		}
	}
	return conn
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"handsetd/phoneapi"
	"handsetd/phoneapi/phoneapitest"
	"handsetd/phoneapi/session"
)

// lockedBuf is an output the command writes from several goroutines.
type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

const hostTestTimeout = 20 * time.Second

func waitOutput(t *testing.T, out *lockedBuf, substr string) {
	t.Helper()
	deadline := time.Now().Add(hostTestTimeout)
	for !strings.Contains(out.String(), substr) {
		if time.Now().After(deadline) {
			t.Fatalf("output never contained %q:\n%s", substr, out.String())
		}
		time.Sleep(time.Millisecond)
	}
}

// hostRun runs `handsetd host args...` in-process.
func hostRun(t *testing.T, stdin io.Reader, env map[string]string, args ...string) (out *lockedBuf, code <-chan int, cancel func()) {
	t.Helper()
	out = &lockedBuf{}
	ctx, cancelCtx := context.WithTimeout(context.Background(), hostTestTimeout)
	e := &cmdEnv{stdin: stdin, stdout: out, stderr: out, getenv: func(k string) string { return env[k] }}
	c := make(chan int, 1)
	go func() { c <- runMain(ctx, e, append([]string{"host"}, args...)) }()
	t.Cleanup(cancelCtx)
	return out, c, cancelCtx
}

// handset attaches a session to the bus and returns its events.
func handset(t *testing.T, addr string) *session.Session {
	t.Helper()
	s, err := session.New(session.Config{Name: "Test Handset (handsetd)", Bus: addr})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return s
}

func expectEvents(t *testing.T, s *session.Session, want ...session.Event) {
	t.Helper()
	for _, w := range want {
		select {
		case got := <-s.Events():
			if fmt.Sprint(got) != fmt.Sprint(w) {
				t.Fatalf("event %+v, want %+v", got, w)
			}
		case <-time.After(hostTestTimeout):
			t.Fatalf("no event, want %+v", w)
		}
	}
}

func note(id int, prop, value string) session.Event {
	return session.Event{Kind: session.Notification, Msg: phoneapi.CallMsg{ID: id, Property: prop, Value: value}}
}

func TestHostInteractive(t *testing.T) {
	addr := phoneapitest.StartBus(t)
	stdin, keys := io.Pipe()
	defer keys.Close()
	out, code, _ := hostRun(t, stdin, nil, "--bus="+addr)
	waitOutput(t, out, "owning com.Skype.API")
	s := handset(t, addr)
	expectEvents(t, s, session.Event{Kind: session.Attached, Protocol: 5})
	waitOutput(t, out, " -> NAME Test Handset (handsetd)\n")
	type_ := func(line string) {
		t.Helper()
		if _, err := io.WriteString(keys, line+"\n"); err != nil {
			t.Fatal(err)
		}
	}

	type_("ring alice Alice Liddell")
	expectEvents(t, s,
		note(101, "TYPE", "INCOMING_P2P"),
		note(101, "PARTNER_HANDLE", "alice"),
		note(101, "PARTNER_DISPNAME", "Alice Liddell"),
		note(101, "STATUS", "RINGING"))
	// Lifting the handset answers, as with the softphone.
	if _, err := s.Send(context.Background(), phoneapi.HookCmd{OffHook: true}); err != nil {
		t.Fatal(err)
	}
	expectEvents(t, s, note(101, "STATUS", "INPROGRESS"))
	type_("hold")
	expectEvents(t, s, note(101, "STATUS", "LOCALHOLD"))
	type_("resume")
	expectEvents(t, s, note(101, "STATUS", "INPROGRESS"))
	type_("mute on")
	expectEvents(t, s, session.Event{Kind: session.Notification, Msg: phoneapi.MuteMsg{On: true}})
	type_("hangup")
	expectEvents(t, s, note(101, "STATUS", "FINISHED"))
	type_("outgoing +15551234")
	expectEvents(t, s,
		note(102, "TYPE", "OUTGOING_PSTN"),
		note(102, "PARTNER_HANDLE", "+15551234"),
		note(102, "STATUS", "ROUTING"),
		note(102, "STATUS", "RINGING"))
	type_("answer")
	expectEvents(t, s, note(102, "STATUS", "INPROGRESS"))
	type_("ring")
	expectEvents(t, s,
		note(103, "TYPE", "INCOMING_P2P"),
		note(103, "PARTNER_HANDLE", "echo123"),
		note(103, "PARTNER_DISPNAME", "Echo / Sound Test Service"),
		note(103, "STATUS", "RINGING"))
	type_("missed")
	expectEvents(t, s, note(103, "STATUS", "MISSED"))
	type_("bogus")
	waitOutput(t, out, `host: unknown command "bogus" (try help)`)
	type_("resume")
	waitOutput(t, out, "host: no held call")
	type_("quit")
	select {
	case c := <-code:
		if c != 0 {
			t.Fatalf("exit %d:\n%s", c, out.String())
		}
	case <-time.After(hostTestTimeout):
		t.Fatal("host did not quit")
	}
	for _, want := range []string{
		" -> #1 HOOK OFF\n",
		" <- CALL 101 STATUS RINGING\n",
		" <- MUTE ON\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestHostScriptWaiting(t *testing.T) {
	addr := phoneapitest.StartBus(t)
	out, code, _ := hostRun(t, strings.NewReader(""), nil, "--bus="+addr, "--script=waiting", "--pause=0")
	waitOutput(t, out, "waiting for 1 handset(s)")
	s := handset(t, addr)
	expectEvents(t, s, session.Event{Kind: session.Attached, Protocol: 5},
		note(101, "TYPE", "INCOMING_P2P"), note(101, "PARTNER_HANDLE", "alice"),
		note(101, "PARTNER_DISPNAME", "Alice"), note(101, "STATUS", "RINGING"),
		note(101, "STATUS", "INPROGRESS"),
		note(102, "TYPE", "INCOMING_P2P"), note(102, "PARTNER_HANDLE", "bob"),
		note(102, "PARTNER_DISPNAME", "Bob"), note(102, "STATUS", "RINGING"),
		note(101, "STATUS", "LOCALHOLD"), note(102, "STATUS", "INPROGRESS"),
		note(102, "STATUS", "FINISHED"),
		note(101, "STATUS", "INPROGRESS"),
		note(101, "STATUS", "FINISHED"))
	if c := <-code; c != 0 {
		t.Fatalf("exit %d:\n%s", c, out.String())
	}
	waitOutput(t, out, "host: waiting done\n")
}

func TestHostStdinAtEOFKeepsServing(t *testing.T) {
	addr := phoneapitest.StartBus(t)
	out, code, cancel := hostRun(t, strings.NewReader(""), map[string]string{"DBUS_SESSION_BUS_ADDRESS": addr})
	waitOutput(t, out, "host: no more input; serving until interrupted")
	s := handset(t, addr)
	expectEvents(t, s, session.Event{Kind: session.Attached, Protocol: 5})
	cancel()
	if c := <-code; c != 0 {
		t.Fatalf("exit %d after interrupt:\n%s", c, out.String())
	}
}

func TestHostNewBusAndBadBus(t *testing.T) {
	out, code, _ := hostRun(t, strings.NewReader("quit\n"), nil, "--new-bus")
	if c := <-code; c != 0 {
		t.Fatalf("--new-bus: exit %d:\n%s", c, out.String())
	}
	if !strings.HasPrefix(out.String(), "bus: unix:path=") {
		t.Fatalf("--new-bus output starts %q, want the bus address", out.String())
	}
	for _, tc := range []struct{ args, want string }{
		{"--bus=nonsense", `handsetd host: --bus="nonsense": want session, system or a D-Bus address` + "\n"},
		{"--bus=session", "handsetd host: no session bus: DBUS_SESSION_BUS_ADDRESS is not set (use --bus=ADDRESS or --new-bus)\n"},
	} {
		out, code, _ := hostRun(t, strings.NewReader(""), nil, tc.args)
		if c := <-code; c != 1 || out.String() != tc.want {
			t.Errorf("%s: exit %d, output %q; want 1, %q", tc.args, c, out.String(), tc.want)
		}
	}
}

package baresip

import (
	"fmt"
	"strings"
	"testing"

	"handsetd/phoneapi"
)

func ev(typ, dir, id, param string) Event {
	return Event{Type: typ, Class: "call", AccountAOR: "sip:a@127.0.0.1", Direction: dir,
		PeerURI: "sip:2002@127.0.0.1:15072", ID: id, Param: param}
}

// lines applies events in order and returns the notifications as the
// phone API writes them.
func lines(t *callTable, evs ...Event) []string {
	var out []string
	for _, e := range evs {
		msgs, _ := t.apply(e)
		for _, m := range msgs {
			out = append(out, phoneapi.FormatMessage("", m))
		}
	}
	return out
}

func TestApplyStories(t *testing.T) {
	const peer = "CALL 1 PARTNER_HANDLE 2002"
	const disp = "CALL 1 PARTNER_DISPNAME sip:2002@127.0.0.1:15072"
	tests := []struct {
		name string
		evs  []Event
		want []string
	}{
		{
			name: "incoming, answered, hung up",
			evs: []Event{
				ev("CALL_INCOMING", "incoming", "x1", "sip:2002@127.0.0.1:15072"),
				ev("CALL_REMOTE_SDP", "incoming", "x1", "offer"),
				ev("CALL_ESTABLISHED", "incoming", "x1", ""),
				ev("CALL_RTPESTAB", "incoming", "x1", "audio"),
				ev("CALL_DTMF_START", "incoming", "x1", "5"),
				ev("CALL_CLOSED", "incoming", "x1", "Connection reset by user"),
			},
			want: []string{"CALL 1 TYPE INCOMING_P2P", peer, disp, "CALL 1 STATUS RINGING",
				"CALL 1 STATUS INPROGRESS", "CALL 1 STATUS FINISHED"},
		},
		{
			name: "incoming, never answered",
			evs: []Event{
				ev("CALL_INCOMING", "incoming", "x1", ""),
				ev("CALL_CLOSED", "incoming", "x1", "Request Terminated"),
			},
			want: []string{"CALL 1 TYPE INCOMING_P2P", peer, disp, "CALL 1 STATUS RINGING", "CALL 1 STATUS MISSED"},
		},
		{
			name: "outgoing: the first event with an id names the call",
			evs: []Event{
				{Type: "CALL_LOCAL_SDP", Direction: "outgoing", PeerURI: "sip:2002@127.0.0.1:15072", Param: "offer"},
				ev("CALL_PROGRESS", "outgoing", "o1", ""),
				ev("CALL_RINGING", "outgoing", "o1", ""),
				ev("CALL_ESTABLISHED", "outgoing", "o1", ""),
				ev("CALL_CLOSED", "outgoing", "o1", "Connection reset by peer"),
			},
			want: []string{"CALL 1 TYPE OUTGOING_P2P", peer, disp, "CALL 1 STATUS EARLYMEDIA",
				"CALL 1 STATUS RINGING", "CALL 1 STATUS INPROGRESS", "CALL 1 STATUS FINISHED"},
		},
		{
			name: "outgoing to a busy line",
			evs: []Event{
				ev("CALL_RINGING", "outgoing", "o1", ""),
				ev("CALL_CLOSED", "outgoing", "o1", "486 Busy Here"),
			},
			want: []string{"CALL 1 TYPE OUTGOING_P2P", peer, disp, "CALL 1 STATUS RINGING", "CALL 1 STATUS BUSY"},
		},
		{
			name: "outgoing that fails",
			evs: []Event{
				ev("CALL_RINGING", "outgoing", "o1", ""),
				ev("CALL_CLOSED", "outgoing", "o1", "404 Not Found"),
			},
			want: []string{"CALL 1 TYPE OUTGOING_P2P", peer, disp, "CALL 1 STATUS RINGING", "CALL 1 STATUS FAILED"},
		},
		{
			name: "hold and resume are reported only for an answered call",
			evs: []Event{
				ev("CALL_INCOMING", "incoming", "x1", ""),
				{Type: evLocalHold, ID: "x1"},
				ev("CALL_ESTABLISHED", "incoming", "x1", ""),
				{Type: evLocalHold, ID: "x1"},
				{Type: evLocalHold, ID: "x1"},
				{Type: evLocalResume, ID: "x1"},
			},
			want: []string{"CALL 1 TYPE INCOMING_P2P", peer, disp, "CALL 1 STATUS RINGING",
				"CALL 1 STATUS INPROGRESS", "CALL 1 STATUS LOCALHOLD", "CALL 1 STATUS INPROGRESS"},
		},
		{
			name: "two calls numbered in order of appearance; a late event does not revive a closed one",
			evs: []Event{
				ev("CALL_INCOMING", "incoming", "x1", ""),
				ev("CALL_INCOMING", "incoming", "x2", ""),
				ev("CALL_CLOSED", "incoming", "x1", ""),
				ev("CALL_CLOSED", "incoming", "x1", ""),
				ev("CALL_ESTABLISHED", "incoming", "x2", ""),
			},
			want: []string{"CALL 1 TYPE INCOMING_P2P", peer, disp, "CALL 1 STATUS RINGING",
				"CALL 2 TYPE INCOMING_P2P", "CALL 2 PARTNER_HANDLE 2002", "CALL 2 PARTNER_DISPNAME sip:2002@127.0.0.1:15072", "CALL 2 STATUS RINGING",
				"CALL 1 STATUS MISSED", "CALL 2 STATUS INPROGRESS"},
		},
		{
			name: "a call first seen established (after a reconnect) has its direction",
			evs:  []Event{ev("CALL_ESTABLISHED", "incoming", "x9", "")},
			want: []string{"CALL 1 TYPE INCOMING_P2P", peer, disp, "CALL 1 STATUS INPROGRESS"},
		},
		{
			name: "registration and events without an id say nothing",
			evs: []Event{
				{Type: "REGISTER_OK", Class: "register"},
				{Type: "CALL_INCOMING", Direction: "incoming"},
				{Type: "CALL_CLOSED", ID: "never-seen"},
			},
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := newCallTable()
			got := lines(&tab, tt.evs...)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if len(tab.byID) != len(tab.byNum) {
				t.Fatalf("index sizes differ: %d ids, %d numbers", len(tab.byID), len(tab.byNum))
			}
		})
	}
}

func TestApplyEstablishedOnce(t *testing.T) {
	tab := newCallTable()
	if _, est := tab.apply(ev("CALL_INCOMING", "incoming", "x1", "")); est != nil {
		t.Fatal("ringing call reported as established")
	}
	if _, est := tab.apply(ev("CALL_ESTABLISHED", "incoming", "x1", "")); est == nil || est.num != 1 {
		t.Fatalf("established = %+v, want call 1", est)
	}
	if _, est := tab.apply(ev("CALL_ESTABLISHED", "incoming", "x1", "")); est != nil {
		t.Fatal("a repeated CALL_ESTABLISHED reported the call established again")
	}
}

func TestHungUpEnds(t *testing.T) {
	tab := newCallTable()
	tab.apply(ev("CALL_INCOMING", "incoming", "x1", ""))
	tab.apply(ev("CALL_RINGING", "outgoing", "o1", ""))
	tab.byID["x1"].hungUp = true
	tab.byID["o1"].hungUp = true
	got := lines(&tab, ev("CALL_CLOSED", "incoming", "x1", ""), ev("CALL_CLOSED", "outgoing", "o1", "Request Terminated"))
	want := []string{"CALL 1 STATUS REFUSED", "CALL 2 STATUS CANCELLED"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestTableBounded(t *testing.T) {
	tab := newCallTable()
	for i := range maxCalls + 5 {
		tab.apply(ev("CALL_INCOMING", "incoming", fmt.Sprint("id", i), ""))
	}
	if len(tab.byID) != maxCalls || len(tab.byNum) != maxCalls {
		t.Fatalf("table holds %d/%d calls, want %d", len(tab.byID), len(tab.byNum), maxCalls)
	}
	if _, ok := tab.lookup(5); ok {
		t.Fatal("call 5 kept; the oldest should have been forgotten")
	}
	if _, ok := tab.lookup(6); !ok {
		t.Fatal("call 6 forgotten; only the 5 oldest should be")
	}
}

func TestPartnerHandle(t *testing.T) {
	tests := map[string]string{
		"sip:2002@127.0.0.1:15072":                    "2002",
		"sips:+4930123456@sip.example.com;user=phone": "+4930123456",
		"tel:+1-555-0100":                             "+1-555-0100",
		`"Bob" <sip:bob:secret@example.com>`:          "bob",
		"sip:example.com:5060":                        "example.com:5060",
		"SIP:alice@example.com":                       "alice",
		"sip:evil\x07\nname@x":                        "evilname",
		"":                                            "",
	}
	for in, want := range tests {
		if got := partnerHandle(in); got != want {
			t.Errorf("partnerHandle(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"plain", 64, "plain"},
		{"a\x00b\x1bc\x7fd\u0085e", 64, "abcde"},
		{"bad \xff utf8", 64, "bad  utf8"},
		{"Müller", 7, "Müller"},
		{"Müller", 6, "Mülle"},
		{"Müller", 2, "M"},
		{"  spaced  ", 64, "spaced"},
	}
	for _, tt := range tests {
		if got := cleanText(tt.in, tt.max); got != tt.want {
			t.Errorf("cleanText(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

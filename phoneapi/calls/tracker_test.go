package calls

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"handsetd/phoneapi"
)

// msg parses a CALL line, so tests read like the wire.
func msg(t testing.TB, line string) phoneapi.CallMsg {
	t.Helper()
	m, err := phoneapi.Parse(line)
	if err != nil {
		t.Fatalf("Parse(%q): %v", line, err)
	}
	c, ok := m.(phoneapi.CallMsg)
	if !ok {
		t.Fatalf("Parse(%q) = %#v, not a CallMsg", line, m)
	}
	return c
}

func apply(t testing.TB, tr *Tracker, lines ...string) Change {
	t.Helper()
	var ch Change
	for _, l := range lines {
		ch = tr.Apply(msg(t, l))
	}
	return ch
}

// state is everything the queries answer, in a comparable form.
type state struct {
	ringing, onHold, needType []int
	active                    int // -1 when none
	inCall                    bool
	all                       []Call
}

func snapshot(tr *Tracker) state {
	ids := func(cs []Call) []int {
		var out []int
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	s := state{
		ringing:  ids(tr.Ringing()),
		onHold:   ids(tr.OnHold()),
		needType: tr.NeedType(),
		active:   -1,
		inCall:   tr.InCall(),
		all:      tr.All(),
	}
	if c, ok := tr.Active(); ok {
		s.active = c.ID
	}
	return s
}

func (s state) equal(o state) bool {
	return slices.Equal(s.ringing, o.ringing) && slices.Equal(s.onHold, o.onHold) &&
		slices.Equal(s.needType, o.needType) && s.active == o.active && s.inCall == o.inCall &&
		slices.Equal(s.all, o.all)
}

func (s state) String() string {
	return fmt.Sprintf("ringing %v onHold %v needType %v active %d inCall %v all %+v",
		s.ringing, s.onHold, s.needType, s.active, s.inCall, s.all)
}

func TestTracker(t *testing.T) {
	echo := Call{ID: 1, Status: StatusRinging, RawStatus: "RINGING", Type: TypeIncomingP2P,
		RawType: "INCOMING_P2P", PartnerHandle: "echo123", PartnerDispName: "Echo Test Service"}
	inProgress := func(c Call) Call { c.Status, c.RawStatus = StatusInProgress, "INPROGRESS"; return c }
	tests := []struct {
		name  string
		lines []string
		want  state
	}{
		{
			name: "incoming call rings",
			lines: []string{"CALL 1 TYPE INCOMING_P2P", "CALL 1 PARTNER_HANDLE echo123",
				"CALL 1 PARTNER_DISPNAME Echo Test Service", "CALL 1 STATUS RINGING"},
			want: state{ringing: []int{1}, active: -1, all: []Call{echo}},
		},
		{
			name: "answered",
			lines: []string{"CALL 1 TYPE INCOMING_P2P", "CALL 1 PARTNER_HANDLE echo123",
				"CALL 1 PARTNER_DISPNAME Echo Test Service", "CALL 1 STATUS RINGING", "CALL 1 STATUS INPROGRESS",
				"CALL 1 DURATION 1"},
			want: state{active: 1, inCall: true, all: []Call{inProgress(echo)}},
		},
		{
			name: "finished call is removed",
			lines: []string{"CALL 1 TYPE INCOMING_P2P", "CALL 1 STATUS RINGING", "CALL 1 STATUS INPROGRESS",
				"CALL 1 STATUS FINISHED"},
			want: state{active: -1},
		},
		{
			name:  "ringing before type: ask, do not ring",
			lines: []string{"CALL 5 STATUS RINGING"},
			want: state{needType: []int{5}, active: -1,
				all: []Call{{ID: 5, Status: StatusRinging, RawStatus: "RINGING"}}},
		},
		{
			name:  "type after ringing: rings",
			lines: []string{"CALL 5 STATUS RINGING", "CALL 5 TYPE INCOMING_PSTN"},
			want: state{ringing: []int{5}, active: -1,
				all: []Call{{ID: 5, Status: StatusRinging, RawStatus: "RINGING", Type: TypeIncomingPSTN, RawType: "INCOMING_PSTN"}}},
		},
		{
			name: "outgoing call in RINGING never rings (reference example)",
			lines: []string{"CALL 1402 STATUS ROUTING", "CALL 1402 SUBJECT", "CALL 1402 STATUS ROUTING",
				"CALL 1402 STATUS RINGING", "CALL 1402 TYPE OUTGOING_P2P"},
			want: state{active: -1,
				all: []Call{{ID: 1402, Status: StatusRinging, RawStatus: "RINGING", Type: TypeOutgoingP2P, RawType: "OUTGOING_P2P"}}},
		},
		{
			name:  "unknown type value: not asked again, does not ring",
			lines: []string{"CALL 5 STATUS RINGING", "CALL 5 TYPE INCOMING_VIDEO"},
			want: state{active: -1,
				all: []Call{{ID: 5, Status: StatusRinging, RawStatus: "RINGING", RawType: "INCOMING_VIDEO"}}},
		},
		{
			name: "two incoming calls, one answered, one missed",
			lines: []string{"CALL 7 TYPE INCOMING_P2P", "CALL 7 STATUS RINGING", "CALL 3 STATUS RINGING",
				"CALL 3 TYPE INCOMING_PSTN", "CALL 3 STATUS INPROGRESS", "CALL 7 STATUS MISSED"},
			want: state{active: 3, inCall: true,
				all: []Call{{ID: 3, Status: StatusInProgress, RawStatus: "INPROGRESS", Type: TypeIncomingPSTN, RawType: "INCOMING_PSTN"}}},
		},
		{
			name: "two ringing, sorted by id",
			lines: []string{"CALL 7 TYPE INCOMING_P2P", "CALL 7 STATUS RINGING", "CALL 3 STATUS RINGING",
				"CALL 3 TYPE INCOMING_PSTN", "CALL 5 TYPE OUTGOING_PSTN", "CALL 5 STATUS RINGING"},
			want: state{ringing: []int{3, 7}, active: -1, all: []Call{
				{ID: 3, Status: StatusRinging, RawStatus: "RINGING", Type: TypeIncomingPSTN, RawType: "INCOMING_PSTN"},
				{ID: 5, Status: StatusRinging, RawStatus: "RINGING", Type: TypeOutgoingPSTN, RawType: "OUTGOING_PSTN"},
				{ID: 7, Status: StatusRinging, RawStatus: "RINGING", Type: TypeIncomingP2P, RawType: "INCOMING_P2P"},
			}},
		},
		{
			name: "hold then second call (reference example)",
			lines: []string{"CALL 1540 STATUS ROUTING", "CALL 1540 STATUS RINGING", "CALL 1540 STATUS INPROGRESS",
				"CALL 1540 STATUS INPROGRESS", "CALL 1540 STATUS ONHOLD", "CALL 1545 STATUS ROUTING",
				"CALL 1545 STATUS RINGING", "CALL 1545 STATUS INPROGRESS"},
			want: state{onHold: []int{1540}, active: 1545, inCall: true, all: []Call{
				{ID: 1540, Status: StatusOnHold, RawStatus: "ONHOLD"},
				{ID: 1545, Status: StatusInProgress, RawStatus: "INPROGRESS"},
			}},
		},
		{
			name: "conference: the call resumed last is active",
			lines: []string{"CALL 1540 STATUS INPROGRESS", "CALL 1540 STATUS ONHOLD", "CALL 1545 STATUS INPROGRESS",
				"CALL 1545 CONF_ID 17930", "CALL 1540 STATUS INPROGRESS", "CALL 1545 DURATION 23"},
			want: state{active: 1540, inCall: true, all: []Call{
				{ID: 1540, Status: StatusInProgress, RawStatus: "INPROGRESS"},
				{ID: 1545, Status: StatusInProgress, RawStatus: "INPROGRESS"},
			}},
		},
		{
			name: "held on both sides counts as in call",
			lines: []string{"CALL 2 STATUS INPROGRESS", "CALL 2 STATUS LOCALHOLD", "CALL 4 STATUS INPROGRESS",
				"CALL 4 STATUS REMOTEHOLD"},
			want: state{onHold: []int{2, 4}, active: -1, inCall: true, all: []Call{
				{ID: 2, Status: StatusLocalHold, RawStatus: "LOCALHOLD"},
				{ID: 4, Status: StatusRemoteHold, RawStatus: "REMOTEHOLD"},
			}},
		},
		{
			name:  "late notifications do not resurrect an ended call",
			lines: []string{"CALL 1 TYPE INCOMING_P2P", "CALL 1 STATUS RINGING", "CALL 1 STATUS REFUSED", "CALL 1 STATUS RINGING", "CALL 1 PARTNER_HANDLE x"},
			want:  state{active: -1},
		},
		{
			name:  "ending status first",
			lines: []string{"CALL 9 STATUS CANCELLED", "CALL 9 TYPE INCOMING_P2P", "CALL 9 STATUS RINGING"},
			want:  state{active: -1},
		},
		{
			name:  "voicemail ends the call",
			lines: []string{"CALL 9 TYPE INCOMING_P2P", "CALL 9 STATUS RINGING", "CALL 9 STATUS VM_RECORDING"},
			want:  state{active: -1},
		},
		{
			name:  "failed and busy end calls",
			lines: []string{"CALL 1 STATUS ROUTING", "CALL 1 STATUS FAILED", "CALL 2 STATUS ROUTING", "CALL 2 STATUS BUSY"},
			want:  state{active: -1},
		},
		{
			name:  "unknown status keeps the last known one",
			lines: []string{"CALL 1 TYPE INCOMING_P2P", "CALL 1 STATUS RINGING", "CALL 1 STATUS TRANSFERRING"},
			want: state{ringing: []int{1}, active: -1, all: []Call{
				{ID: 1, Status: StatusRinging, RawStatus: "TRANSFERRING", Type: TypeIncomingP2P, RawType: "INCOMING_P2P"}}},
		},
		{
			name:  "unknown status alone",
			lines: []string{"CALL 1 STATUS WAITING_REDIAL_COMMAND"},
			want:  state{active: -1, all: []Call{{ID: 1, RawStatus: "WAITING_REDIAL_COMMAND"}}},
		},
		{
			name:  "stale RINGING after answer is ignored",
			lines: []string{"CALL 1 TYPE INCOMING_P2P", "CALL 1 STATUS INPROGRESS", "CALL 1 STATUS RINGING"},
			want: state{active: 1, inCall: true, all: []Call{
				{ID: 1, Status: StatusInProgress, RawStatus: "INPROGRESS", Type: TypeIncomingP2P, RawType: "INCOMING_P2P"}}},
		},
		{
			name:  "stale status after hold is ignored, resume is not",
			lines: []string{"CALL 1 STATUS ONHOLD", "CALL 1 STATUS ROUTING", "CALL 1 STATUS INPROGRESS"},
			want:  state{active: 1, inCall: true, all: []Call{{ID: 1, Status: StatusInProgress, RawStatus: "INPROGRESS"}}},
		},
		{
			name:  "case and spaces in values",
			lines: []string{"call 1 type incoming_p2p", "CALL 1 STATUS ringing "},
			want: state{ringing: []int{1}, active: -1, all: []Call{
				{ID: 1, Status: StatusRinging, RawStatus: "ringing ", Type: TypeIncomingP2P, RawType: "incoming_p2p"}}},
		},
		{
			name:  "untracked properties add no call",
			lines: []string{"CALL 1 DURATION 5", "CALL 2 FAILUREREASON 1", "CALL 3 SUBJECT"},
			want:  state{active: -1},
		},
		{
			name: "duplicates change nothing",
			lines: []string{"CALL 1 TYPE INCOMING_P2P", "CALL 1 TYPE INCOMING_P2P", "CALL 1 STATUS RINGING",
				"CALL 1 STATUS RINGING", "CALL 1 PARTNER_HANDLE echo123", "CALL 1 PARTNER_HANDLE echo123",
				"CALL 1 PARTNER_DISPNAME Echo Test Service"},
			want: state{ringing: []int{1}, active: -1, all: []Call{echo}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := New()
			apply(t, tr, tt.lines...)
			if got := snapshot(tr); !got.equal(tt.want) {
				t.Errorf("after %q\n got %v\nwant %v", tt.lines, got, tt.want)
			}
			if got, want := tr.Len(), len(tt.want.all); got != want {
				t.Errorf("Len() = %d, want %d", got, want)
			}
			for _, c := range tt.want.all {
				if got, ok := tr.Get(c.ID); !ok || got != c {
					t.Errorf("Get(%d) = %+v, %v; want %+v, true", c.ID, got, ok, c)
				}
			}
		})
	}
}

func TestChange(t *testing.T) {
	tests := []struct {
		name   string
		before []string
		line   string
		want   Change
	}{
		{
			name: "new ringing call without type: ask",
			line: "CALL 4 STATUS RINGING",
			want: Change{Call: Call{ID: 4, Status: StatusRinging, RawStatus: "RINGING"}, Added: true, AskType: true},
		},
		{
			name:   "still ringing without type: already asked",
			before: []string{"CALL 4 STATUS RINGING"},
			line:   "CALL 4 PARTNER_HANDLE bob",
			want:   Change{Call: Call{ID: 4, Status: StatusRinging, RawStatus: "RINGING", PartnerHandle: "bob"}},
		},
		{
			name:   "ringing again after an unknown status: not asked again",
			before: []string{"CALL 4 STATUS RINGING", "CALL 4 STATUS TRANSFERRING"},
			line:   "CALL 4 STATUS RINGING",
			want:   Change{Call: Call{ID: 4, Status: StatusRinging, RawStatus: "RINGING"}},
		},
		{
			name:   "routing to ringing without type: ask",
			before: []string{"CALL 4 STATUS ROUTING"},
			line:   "CALL 4 STATUS RINGING",
			want:   Change{Call: Call{ID: 4, Status: StatusRinging, RawStatus: "RINGING"}, AskType: true},
		},
		{
			name:   "type known before ringing: no need to ask",
			before: []string{"CALL 4 TYPE INCOMING_P2P"},
			line:   "CALL 4 STATUS RINGING",
			want:   Change{Call: Call{ID: 4, Status: StatusRinging, RawStatus: "RINGING", Type: TypeIncomingP2P, RawType: "INCOMING_P2P"}},
		},
		{
			name:   "ended",
			before: []string{"CALL 4 TYPE INCOMING_P2P", "CALL 4 STATUS RINGING"},
			line:   "CALL 4 STATUS MISSED",
			want:   Change{Call: Call{ID: 4, Status: StatusMissed, RawStatus: "MISSED", Type: TypeIncomingP2P, RawType: "INCOMING_P2P"}, Ended: true},
		},
		{
			name: "ended before seen",
			line: "CALL 4 STATUS VM_SENT",
			want: Change{Call: Call{ID: 4, Status: StatusVoicemail, RawStatus: "VM_SENT"}, Ended: true},
		},
		{
			name:   "late notification",
			before: []string{"CALL 4 STATUS FINISHED"},
			line:   "CALL 4 STATUS INPROGRESS",
			want:   Change{Call: Call{ID: 4}, Ignored: "call already ended"},
		},
		{
			name:   "untracked property",
			before: []string{"CALL 4 STATUS INPROGRESS"},
			line:   "CALL 4 DURATION 12",
			want:   Change{Call: Call{ID: 4, Status: StatusInProgress, RawStatus: "INPROGRESS"}, Ignored: `property "DURATION" not tracked`},
		},
		{
			name: "unknown status",
			line: "CALL 4 STATUS TRANSFERRING",
			want: Change{Call: Call{ID: 4, RawStatus: "TRANSFERRING"}, Added: true, Ignored: `unknown status "TRANSFERRING"`},
		},
		{
			name:   "stale status",
			before: []string{"CALL 4 STATUS INPROGRESS"},
			line:   "CALL 4 STATUS RINGING",
			want:   Change{Call: Call{ID: 4, Status: StatusInProgress, RawStatus: "INPROGRESS"}, Ignored: "status RINGING after the call was answered"},
		},
		{
			name: "unknown type",
			line: "CALL 4 TYPE SKYPEOUT",
			want: Change{Call: Call{ID: 4, RawType: "SKYPEOUT"}, Added: true, Ignored: `unknown type "SKYPEOUT"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := New()
			apply(t, tr, tt.before...)
			got := apply(t, tr, tt.line)
			if got.Call != tt.want.Call || got.Added != tt.want.Added || got.Ended != tt.want.Ended ||
				got.AskType != tt.want.AskType || got.Ignored != tt.want.Ignored || !slices.Equal(got.Evicted, tt.want.Evicted) {
				t.Errorf("Apply(%q)\n got %+v\nwant %+v", tt.line, got, tt.want)
			}
		})
	}
}

func TestStatusAndType(t *testing.T) {
	for s := StatusUnplaced; s < StatusVoicemail; s++ {
		if got := ParseStatus(s.String()); got != s {
			t.Errorf("ParseStatus(%q) = %v, want %v", s.String(), got, s)
		}
	}
	for v, want := range map[string]Status{
		"VM_RECORDING": StatusVoicemail, "vm_sent": StatusVoicemail, " ringing ": StatusRinging,
		"": StatusUnknown, "UNKNOWN": StatusUnknown, "VM_*": StatusVoicemail, "TRANSFERRING": StatusUnknown,
	} {
		if got := ParseStatus(v); got != want {
			t.Errorf("ParseStatus(%q) = %v, want %v", v, got, want)
		}
	}
	for s, want := range map[Status]string{StatusUnknown: "UNKNOWN", StatusVoicemail: "VM_*", StatusEarlyMedia: "EARLYMEDIA", Status(99): "Status(99)", Status(-1): "Status(-1)"} {
		if got := s.String(); got != want {
			t.Errorf("Status(%d).String() = %q, want %q", int(s), got, want)
		}
	}
	var ended, held []Status
	for s := StatusUnknown; s <= StatusVoicemail; s++ {
		if s.Ended() {
			ended = append(ended, s)
		}
		if s.Held() {
			held = append(held, s)
		}
	}
	if want := []Status{StatusFinished, StatusMissed, StatusRefused, StatusBusy, StatusCancelled, StatusFailed, StatusVoicemail}; !slices.Equal(ended, want) {
		t.Errorf("ended statuses %v, want %v", ended, want)
	}
	if want := []Status{StatusOnHold, StatusLocalHold, StatusRemoteHold}; !slices.Equal(held, want) {
		t.Errorf("held statuses %v, want %v", held, want)
	}

	for ty := TypeIncomingP2P; ty <= TypeOutgoingPSTN; ty++ {
		if got := ParseType(strings.ToLower(ty.String())); got != ty {
			t.Errorf("ParseType(%q) = %v, want %v", strings.ToLower(ty.String()), got, ty)
		}
	}
	for v, want := range map[string]Type{"": TypeUnknown, "UNKNOWN": TypeUnknown, "INCOMING": TypeUnknown} {
		if got := ParseType(v); got != want {
			t.Errorf("ParseType(%q) = %v, want %v", v, got, want)
		}
	}
	if got := Type(7).String(); got != "Type(7)" {
		t.Errorf("Type(7).String() = %q", got)
	}
	in := []Type{TypeIncomingP2P, TypeIncomingPSTN}
	out := []Type{TypeOutgoingP2P, TypeOutgoingPSTN}
	for ty := TypeUnknown; ty <= TypeOutgoingPSTN; ty++ {
		if ty.Incoming() != slices.Contains(in, ty) || ty.Outgoing() != slices.Contains(out, ty) {
			t.Errorf("%v: Incoming %v Outgoing %v", ty, ty.Incoming(), ty.Outgoing())
		}
	}
}

func TestReset(t *testing.T) {
	tr := New()
	apply(t, tr, "CALL 1 TYPE INCOMING_P2P", "CALL 1 STATUS RINGING", "CALL 2 STATUS INPROGRESS", "CALL 3 STATUS FINISHED")
	tr.Reset()
	if got := snapshot(tr); !got.equal(state{active: -1}) {
		t.Fatalf("after Reset: %v", got)
	}
	// A new host has its own ids: an id that ended before is a new call.
	apply(t, tr, "CALL 3 STATUS ROUTING")
	if got, ok := tr.Get(3); !ok || got != (Call{ID: 3, Status: StatusRouting, RawStatus: "ROUTING"}) {
		t.Fatalf("Get(3) after Reset = %+v, %v", got, ok)
	}
}

func TestBoundedCalls(t *testing.T) {
	tr := New()
	for id := range 1000 {
		ch := apply(t, tr, fmt.Sprintf("CALL %d TYPE INCOMING_P2P", id))
		if want := []int{id - MaxCalls}; id >= MaxCalls && !slices.Equal(ch.Evicted, want) {
			t.Fatalf("adding call %d evicted %v, want %v", id, ch.Evicted, want)
		}
		apply(t, tr, fmt.Sprintf("CALL %d STATUS RINGING", id))
	}
	if got := tr.Len(); got != MaxCalls {
		t.Fatalf("Len() = %d, want %d", got, MaxCalls)
	}
	ringing := tr.Ringing()
	if len(ringing) != MaxCalls || ringing[0].ID != 1000-MaxCalls || ringing[MaxCalls-1].ID != 999 {
		t.Fatalf("Ringing() holds %d calls from %d to %d, want the last %d", len(ringing), ringing[0].ID, ringing[len(ringing)-1].ID, MaxCalls)
	}
}

// Calls that drive an indicator outlive a flood of calls that do not.
func TestEvictionPrefersIdleCalls(t *testing.T) {
	tr := New()
	apply(t, tr, "CALL 1 TYPE INCOMING_P2P", "CALL 1 STATUS RINGING", "CALL 2 STATUS INPROGRESS", "CALL 3 STATUS LOCALHOLD")
	for id := 100; id < 1000; id++ {
		apply(t, tr, fmt.Sprintf("CALL %d PARTNER_HANDLE spam%d", id, id))
	}
	got := snapshot(tr)
	if !slices.Equal(got.ringing, []int{1}) || got.active != 2 || !slices.Equal(got.onHold, []int{3}) || tr.Len() != MaxCalls {
		t.Fatalf("after flood: ringing %v active %d onHold %v len %d; want [1] 2 [3] %d", got.ringing, got.active, got.onHold, tr.Len(), MaxCalls)
	}
	if _, ok := tr.Get(1000 - MaxCalls + 3); !ok {
		t.Errorf("the newest idle calls should be kept")
	}
	if _, ok := tr.Get(1000 - MaxCalls + 2); ok {
		t.Errorf("an older idle call should have been evicted")
	}
}

func TestBoundedEndedMemory(t *testing.T) {
	tr := New()
	for id := range MaxEnded + 1 {
		apply(t, tr, fmt.Sprintf("CALL %d STATUS RINGING", id), fmt.Sprintf("CALL %d STATUS FINISHED", id))
	}
	if len(tr.endedSet) != MaxEnded || tr.endedLen != MaxEnded {
		t.Fatalf("ended memory holds %d (%d), want %d", len(tr.endedSet), tr.endedLen, MaxEnded)
	}
	// The oldest ended id is forgotten; the next one is still remembered.
	if ch := apply(t, tr, "CALL 0 STATUS ROUTING"); !ch.Added {
		t.Errorf("call 0 after it left the ended memory: %+v, want it added", ch)
	}
	if ch := apply(t, tr, "CALL 1 STATUS ROUTING"); ch.Ignored != "call already ended" {
		t.Errorf("call 1 still in the ended memory: %+v, want ignored", ch)
	}
}

func TestConcurrentUse(t *testing.T) {
	tr := New()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 500 {
			tr.Apply(phoneapi.CallMsg{ID: i % 10, Property: "STATUS", Value: []string{"RINGING", "INPROGRESS", "FINISHED"}[i%3]})
		}
	}()
	for range 500 {
		tr.Ringing()
		tr.Active()
		tr.InCall()
	}
	<-done
	// Every id got FINISHED at some point, and nothing brings it back.
	if n := tr.Len(); n != 0 {
		t.Fatalf("Len() = %d, want 0", n)
	}
}

func BenchmarkApply(b *testing.B) {
	tr := New()
	msgs := []phoneapi.CallMsg{
		{Property: "TYPE", Value: "INCOMING_P2P"},
		{Property: "PARTNER_HANDLE", Value: "echo123"},
		{Property: "STATUS", Value: "RINGING"},
		{Property: "STATUS", Value: "INPROGRESS"},
		{Property: "STATUS", Value: "FINISHED"},
	}
	b.ReportAllocs()
	id := 0
	for b.Loop() {
		for _, m := range msgs {
			m.ID = id
			tr.Apply(m)
		}
		id++
	}
}

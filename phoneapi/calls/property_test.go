package calls

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"handsetd/phoneapi"
)

// TestPermutations applies the notifications of calls in random orders,
// with random duplicates, and checks that the answers do not depend on the
// order wherever the contract says they must not.
func TestPermutations(t *testing.T) {
	incoming := func(id int) []string {
		return []string{
			fmt.Sprintf("CALL %d TYPE INCOMING_PSTN", id),
			fmt.Sprintf("CALL %d PARTNER_HANDLE +372555%d", id, id),
			fmt.Sprintf("CALL %d PARTNER_DISPNAME Caller %d", id, id),
			fmt.Sprintf("CALL %d STATUS RINGING", id),
		}
	}
	ringing := func(id int) Call {
		return Call{ID: id, Status: StatusRinging, RawStatus: "RINGING", Type: TypeIncomingPSTN,
			RawType: "INCOMING_PSTN", PartnerHandle: fmt.Sprintf("+372555%d", id), PartnerDispName: fmt.Sprintf("Caller %d", id)}
	}
	answered := func(id int) Call {
		c := ringing(id)
		c.Status, c.RawStatus = StatusInProgress, "INPROGRESS"
		return c
	}
	cat := func(parts ...[]string) []string { return slices.Concat(parts...) }

	tests := []struct {
		name  string
		lines []string
		want  state
	}{
		{
			name:  "one incoming call ringing",
			lines: incoming(1),
			want:  state{ringing: []int{1}, active: -1, all: []Call{ringing(1)}},
		},
		{
			name:  "one incoming call answered",
			lines: cat(incoming(1), []string{"CALL 1 STATUS INPROGRESS"}),
			want:  state{active: 1, inCall: true, all: []Call{answered(1)}},
		},
		{
			name:  "one incoming call finished",
			lines: cat(incoming(1), []string{"CALL 1 STATUS INPROGRESS", "CALL 1 STATUS FINISHED"}),
			want:  state{active: -1},
		},
		{
			name:  "three calls, one answered, one refused",
			lines: cat(incoming(30), incoming(4), incoming(12), []string{"CALL 12 STATUS INPROGRESS", "CALL 30 STATUS REFUSED"}),
			want:  state{ringing: []int{4}, active: 12, inCall: true, all: []Call{ringing(4), answered(12)}},
		},
		{
			name: "outgoing call never rings",
			lines: []string{"CALL 8 TYPE OUTGOING_P2P", "CALL 8 STATUS RINGING", "CALL 8 PARTNER_HANDLE echo123",
				"CALL 8 DURATION 0", "CALL 8 SUBJECT"},
			want: state{active: -1, all: []Call{{ID: 8, Status: StatusRinging, RawStatus: "RINGING",
				Type: TypeOutgoingP2P, RawType: "OUTGOING_P2P", PartnerHandle: "echo123"}}},
		},
		{
			name:  "incoming with unknown statuses mixed in",
			lines: cat(incoming(2), []string{"CALL 2 STATUS INPROGRESS", "CALL 2 FAILUREREASON 1"}),
			want:  state{active: 2, inCall: true, all: []Call{answered(2)}},
		},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 300 {
				lines := slices.Clone(tt.lines)
				// Duplicate a few notifications, as hosts do.
				for range rng.IntN(3) {
					lines = append(lines, lines[rng.IntN(len(lines))])
				}
				rng.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
				tr := New()
				apply(t, tr, lines...)
				if got := snapshot(tr); !got.equal(tt.want) {
					t.Fatalf("after %q\n got %v\nwant %v", lines, got, tt.want)
				}
			}
		})
	}
}

// FuzzTracker feeds arbitrary notification sequences and checks the
// invariants that hold whatever the host sends.
func FuzzTracker(f *testing.F) {
	f.Add([]byte{1, 0, 0, 0, 1, 0, 1, 4, 1, 0, 0, 5, 1, 0, 0, 9})
	f.Add([]byte{2, 0, 0, 4, 2, 0, 1, 0, 2, 0, 0, 9, 2, 0, 0, 4})
	f.Add([]byte{0, 1, 0, 6, 0, 1, 0, 5, 0, 1, 0, 16, 255, 1, 3, 1})
	// Seeds that reach both bounds: many ringing calls, many ended calls.
	var many, ended []byte
	for id := range 300 {
		many = append(many, byte(id), byte(id>>8), 1, 16, byte(id), byte(id>>8), 0, 0)
		ended = append(ended, byte(id), byte(id>>8), 0, 8)
	}
	f.Add(many)
	f.Add(slices.Concat(ended, many))
	props := []string{"STATUS", "TYPE", "PARTNER_HANDLE", "PARTNER_DISPNAME", "DURATION", "status"}
	values := []string{
		"RINGING", "INPROGRESS", "ONHOLD", "LOCALHOLD", "REMOTEHOLD", "ROUTING", "EARLYMEDIA", "UNPLACED",
		"FINISHED", "MISSED", "REFUSED", "BUSY", "CANCELLED", "FAILED", "VM_SENT", "TRANSFERRING",
		"INCOMING_P2P", "INCOMING_PSTN", "OUTGOING_P2P", "OUTGOING_PSTN", "", "ringing", "x y",
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tr := New()
		for len(data) >= 4 {
			m := phoneapi.CallMsg{
				// Ids spread over more than MaxCalls+MaxEnded so that both
				// bounds are reached.
				ID:       int(data[0]) | int(data[1]&1)<<8,
				Property: props[int(data[2])%len(props)],
				Value:    values[int(data[3])%len(values)],
			}
			data = data[4:]
			_, wasEnded := tr.endedSet[m.ID]
			ch := tr.Apply(m)
			if ch.Call.ID != m.ID {
				t.Fatalf("Apply(%+v) reports call %d", m, ch.Call.ID)
			}
			if wasEnded && (ch.Added || ch.Ended || ch.AskType) {
				t.Fatalf("Apply(%+v) on an ended call: %+v", m, ch)
			}
			if _, ok := tr.Get(m.ID); ch.Ended && ok {
				t.Fatalf("Apply(%+v) ended the call but it is still tracked", m)
			}
			if ch.AskType && !slices.Contains(tr.NeedType(), m.ID) {
				t.Fatalf("Apply(%+v) asks for the type of a call NeedType does not list", m)
			}
			checkInvariants(t, tr)
			// A duplicate changes no answer.
			before := snapshot(tr)
			if ch := tr.Apply(m); ch.Added || ch.AskType || ch.Ended {
				t.Fatalf("duplicate %+v: %+v", m, ch)
			}
			if after := snapshot(tr); !after.equal(before) {
				t.Fatalf("duplicate %+v changed the answers\n from %v\n   to %v", m, before, after)
			}
		}
	})
}

func checkInvariants(t *testing.T, tr *Tracker) {
	t.Helper()
	if n := tr.Len(); n > MaxCalls {
		t.Fatalf("%d calls tracked, limit %d", n, MaxCalls)
	}
	if len(tr.endedSet) != tr.endedLen || tr.endedLen > MaxEnded {
		t.Fatalf("ended memory: %d ids indexed, %d in the ring, limit %d", len(tr.endedSet), tr.endedLen, MaxEnded)
	}
	all := tr.All()
	for i, c := range all {
		if _, ended := tr.endedSet[c.ID]; ended {
			t.Fatalf("call %d is both tracked and ended", c.ID)
		}
		if c.Status.Ended() {
			t.Fatalf("call %d tracked with ending status %v", c.ID, c.Status)
		}
		if i > 0 && all[i-1].ID >= c.ID {
			t.Fatalf("All() not sorted: %d before %d", all[i-1].ID, c.ID)
		}
	}
	ringing := tr.Ringing()
	for i, c := range ringing {
		if !c.Type.Incoming() || c.Status != StatusRinging || !slices.Contains(all, c) {
			t.Fatalf("Ringing() holds %+v", c)
		}
		if i > 0 && ringing[i-1].ID >= c.ID {
			t.Fatalf("Ringing() not sorted")
		}
	}
	for _, id := range tr.NeedType() {
		c, ok := tr.Get(id)
		if !ok || c.Status != StatusRinging || c.RawType != "" || c.Rings() {
			t.Fatalf("NeedType() lists %+v", c)
		}
	}
	held := tr.OnHold()
	for _, c := range held {
		if !c.Status.Held() {
			t.Fatalf("OnHold() holds %+v", c)
		}
	}
	active, ok := tr.Active()
	if ok && (active.Status != StatusInProgress || !slices.Contains(all, active)) {
		t.Fatalf("Active() = %+v", active)
	}
	if tr.InCall() != (ok || len(held) > 0) {
		t.Fatalf("InCall() = %v with active %v and %d held", tr.InCall(), ok, len(held))
	}
}

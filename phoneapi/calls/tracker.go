package calls

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"handsetd/phoneapi"
)

// MaxCalls bounds the calls tracked at once. Real hosts hold a handful
// (conference calls are limited to a few participants); the bound is there
// for hostile or broken input.
const MaxCalls = 64

// MaxEnded bounds the memory of ended call ids.
const MaxEnded = 64

// Call is what the tracker knows of one call.
type Call struct {
	ID int
	// Status is the last status this package understood and applied;
	// RawStatus is the last STATUS value recorded, as sent, which may be a
	// status it does not know (a stale status it ignores is not recorded).
	Status    Status
	RawStatus string
	// Type is TypeUnknown until a TYPE notification names a known type;
	// RawType is the last TYPE value as sent ("" until one came).
	Type    Type
	RawType string
	// Caller id, for devices with a display.
	PartnerHandle   string
	PartnerDispName string
}

// Rings reports whether this call rings the handset: an incoming call in
// RINGING.
func (c Call) Rings() bool { return c.Status == StatusRinging && c.Type.Incoming() }

// Change tells what one notification did.
type Change struct {
	// Call is the call after the notification; for a call that ended, its
	// last state with the ending status.
	Call Call
	// Added is set when the notification introduced the call.
	Added bool
	// Ended is set when the notification ended the call: it is no longer
	// tracked.
	Ended bool
	// AskType is set when the call just entered RINGING with no TYPE
	// received: send GET CALL <id> TYPE.
	AskType bool
	// Ignored says why the notification changed no decision, "" when it
	// was applied. Ignored notifications are normal (late duplicates,
	// properties not tracked); callers may log them at debug level.
	Ignored string
	// Evicted lists calls dropped to stay within MaxCalls.
	Evicted []int
}

type entry struct {
	call Call
	// updated orders entries by last notification, for eviction.
	updated uint64
	// activeSince orders INPROGRESS calls by when they became active.
	activeSince uint64
	answered    bool
}

// Tracker is the set of the host's current calls. It is safe for
// concurrent use.
type Tracker struct {
	mu    sync.Mutex
	seq   uint64
	calls map[int]*entry
	// ended is a ring of recently ended ids; endedSet indexes it.
	ended    [MaxEnded]int
	endedLen int
	endedPos int
	endedSet map[int]struct{}
}

// New returns an empty tracker.
func New() *Tracker {
	return &Tracker{calls: make(map[int]*entry), endedSet: make(map[int]struct{})}
}

// Reset forgets every call and every ended id: the host went away, and the
// next one has its own calls.
func (t *Tracker) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	clear(t.calls)
	clear(t.endedSet)
	t.endedLen, t.endedPos = 0, 0
}

// Apply updates the set of calls from one CALL notification or reply.
// Properties other than STATUS, TYPE, PARTNER_HANDLE and PARTNER_DISPNAME
// are ignored.
func (t *Tracker) Apply(m phoneapi.CallMsg) Change {
	t.mu.Lock()
	defer t.mu.Unlock()

	prop := strings.ToUpper(m.Property)
	switch prop {
	case "STATUS", "TYPE", "PARTNER_HANDLE", "PARTNER_DISPNAME":
	default:
		return Change{Call: t.peek(m.ID), Ignored: "property " + strconv.Quote(prop) + " not tracked"}
	}
	if _, gone := t.endedSet[m.ID]; gone {
		return Change{Call: Call{ID: m.ID}, Ignored: "call already ended"}
	}

	var ch Change
	e := t.calls[m.ID]
	if e == nil {
		if prop == "STATUS" && ParseStatus(m.Value).Ended() {
			// Never seen and already over: remember it so that its
			// earlier notifications, if they come late, are dropped.
			t.remember(m.ID)
			return Change{Call: Call{ID: m.ID, Status: ParseStatus(m.Value), RawStatus: m.Value}, Ended: true}
		}
		ch.Evicted = t.makeRoom()
		e = &entry{call: Call{ID: m.ID}}
		t.calls[m.ID] = e
		ch.Added = true
	}
	t.seq++
	e.updated = t.seq
	neededType := needsType(e.call)

	switch prop {
	case "STATUS":
		s := ParseStatus(m.Value)
		switch {
		case s == StatusUnknown:
			e.call.RawStatus = m.Value
			ch.Ignored = "unknown status " + strconv.Quote(m.Value)
		case s.preAnswer() && e.answered:
			ch.Ignored = "status " + s.String() + " after the call was answered"
		case s.Ended():
			e.call.Status, e.call.RawStatus = s, m.Value
			delete(t.calls, m.ID)
			t.remember(m.ID)
			ch.Call = e.call
			ch.Ended = true
			return ch
		default:
			if s == StatusInProgress && e.call.Status != StatusInProgress {
				e.activeSince = t.seq
			}
			if s.answered() {
				e.answered = true
			}
			e.call.Status, e.call.RawStatus = s, m.Value
		}
	case "TYPE":
		e.call.RawType = m.Value
		e.call.Type = ParseType(m.Value)
		if e.call.Type == TypeUnknown {
			ch.Ignored = "unknown type " + strconv.Quote(m.Value)
		}
	case "PARTNER_HANDLE":
		e.call.PartnerHandle = m.Value
	case "PARTNER_DISPNAME":
		e.call.PartnerDispName = m.Value
	}
	ch.Call = e.call
	ch.AskType = needsType(e.call) && !neededType
	return ch
}

// needsType reports whether a call is RINGING with no TYPE received.
func needsType(c Call) bool { return c.Status == StatusRinging && c.RawType == "" }

// peek returns the call if tracked, or a call with just its id.
func (t *Tracker) peek(id int) Call {
	if e := t.calls[id]; e != nil {
		return e.call
	}
	return Call{ID: id}
}

// remember records an ended id, forgetting the oldest beyond MaxEnded.
func (t *Tracker) remember(id int) {
	if t.endedLen == MaxEnded {
		delete(t.endedSet, t.ended[t.endedPos])
	} else {
		t.endedLen++
	}
	t.ended[t.endedPos] = id
	t.endedPos = (t.endedPos + 1) % MaxEnded
	t.endedSet[id] = struct{}{}
}

// makeRoom evicts one call when the tracker is full: the least recently
// updated one that matters least.
func (t *Tracker) makeRoom() []int {
	if len(t.calls) < MaxCalls {
		return nil
	}
	var victim *entry
	for _, e := range t.calls {
		if victim == nil || less(e, victim) {
			victim = e
		}
	}
	delete(t.calls, victim.call.ID)
	return []int{victim.call.ID}
}

// less orders eviction candidates: calls that drive no indicator first,
// then the least recently updated.
func less(a, b *entry) bool {
	ka, kb := keeps(a.call), keeps(b.call)
	if ka != kb {
		return !ka
	}
	return a.updated < b.updated
}

func keeps(c Call) bool { return c.Status == StatusRinging || c.Status.answered() }

// Get returns a tracked call.
func (t *Tracker) Get(id int) (Call, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.calls[id]
	if !ok {
		return Call{}, false
	}
	return e.call, true
}

// Len returns the number of tracked calls.
func (t *Tracker) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.calls)
}

// All returns every tracked call, sorted by id.
func (t *Tracker) All() []Call {
	return t.filter(func(*entry) bool { return true })
}

// Ringing returns the incoming calls in RINGING, sorted by id: the handset
// rings while this is not empty.
func (t *Tracker) Ringing() []Call {
	return t.filter(func(e *entry) bool { return e.call.Rings() })
}

// OnHold returns the calls on hold (ONHOLD, LOCALHOLD, REMOTEHOLD), sorted
// by id.
func (t *Tracker) OnHold() []Call {
	return t.filter(func(e *entry) bool { return e.call.Status.Held() })
}

// NeedType returns the ids of calls in RINGING whose TYPE has not been
// received, sorted: the daemon asks GET CALL <id> TYPE for each.
func (t *Tracker) NeedType() []int {
	var ids []int
	for _, c := range t.filter(func(e *entry) bool { return needsType(e.call) }) {
		ids = append(ids, c.ID)
	}
	return ids
}

// Active returns the call in progress; when several are (a host that does
// not hold the others), the one that became active last.
func (t *Tracker) Active() (Call, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var best *entry
	for _, e := range t.calls {
		if e.call.Status == StatusInProgress && (best == nil || e.activeSince > best.activeSince) {
			best = e
		}
	}
	if best == nil {
		return Call{}, false
	}
	return best.call, true
}

// InCall reports whether a call is in progress or on hold: the off-hook
// indicator stays on for both, since clearing it makes some headsets hang
// up.
func (t *Tracker) InCall() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, e := range t.calls {
		if e.call.Status.answered() {
			return true
		}
	}
	return false
}

func (t *Tracker) filter(keep func(*entry) bool) []Call {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []Call
	for _, e := range t.calls {
		if keep(e) {
			out = append(out, e.call)
		}
	}
	slices.SortFunc(out, func(a, b Call) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

package baresip

import (
	"slices"
	"strings"
	"unicode/utf8"

	"handsetd/phoneapi"
)

// maxCalls bounds the calls one session tracks: baresip's own default
// (call_max_calls) is 4, so a table this full means events for calls that
// never close, and the oldest are forgotten.
const maxCalls = 32

// Events handsetd adds to baresip's own: 1.0.0 emits nothing when a call
// is put on hold or resumed, so the session reports its own successful
// hold and resume commands to every handset through the event stream.
const (
	evLocalHold   = "handsetd:LOCALHOLD"
	evLocalResume = "handsetd:RESUME"
)

// call is one baresip call as the phone API sees it.
type call struct {
	num      int    // the phone-API call id
	id       string // baresip's call id
	typ      string // INCOMING_P2P, OUTGOING_P2P, or "" when unknown
	status   string // the last STATUS reported
	handle   string // PARTNER_HANDLE
	peer     string // PARTNER_DISPNAME: the whole peer URI
	answered bool
	held     bool
	// hungUp is set when this side ended the call: its end is then
	// REFUSED or CANCELLED rather than MISSED or FAILED.
	hungUp bool
}

// callTable maps baresip's string call ids to small phone-API integers,
// per session, and remembers what was reported of each call so that GET
// CALL can be answered.
type callTable struct {
	next  int
	byNum map[int]*call
	byID  map[string]*call
}

func newCallTable() callTable {
	return callTable{byNum: map[int]*call{}, byID: map[string]*call{}}
}

func (t *callTable) reset() {
	clear(t.byNum)
	clear(t.byID)
}

func (t *callTable) lookup(num int) (*call, bool) {
	c, ok := t.byNum[num]
	return c, ok
}

// nums lists the calls in progress in id order (SEARCH ACTIVECALLS).
func (t *callTable) nums() []int {
	out := make([]int, 0, len(t.byNum))
	for n := range t.byNum {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func (t *callTable) remove(c *call) {
	delete(t.byNum, c.num)
	delete(t.byID, c.id)
}

// ensure returns the call for ev, creating it when the id is new.
func (t *callTable) ensure(ev Event) (*call, bool) {
	if c, ok := t.byID[ev.ID]; ok {
		return c, false
	}
	if len(t.byID) >= maxCalls {
		oldest := slices.Min(t.nums())
		t.remove(t.byNum[oldest])
	}
	t.next++
	c := &call{num: t.next, id: ev.ID, typ: callType(ev), handle: partnerHandle(ev.PeerURI), peer: cleanText(ev.PeerURI, 128)}
	t.byNum[c.num] = c
	t.byID[c.id] = c
	return c, true
}

// callType reads the direction, or infers it from the event when a
// version leaves it out.
func callType(ev Event) string {
	switch {
	case ev.Direction == "incoming", ev.Direction == "" && ev.Type == "CALL_INCOMING":
		return "INCOMING_P2P"
	case ev.Direction == "outgoing", ev.Direction == "" && (ev.Type == "CALL_RINGING" || ev.Type == "CALL_PROGRESS"):
		return "OUTGOING_P2P"
	}
	return ""
}

// apply turns one baresip event into the phone-API notifications that
// tell the same story, in the order the phone needs them: TYPE before
// STATUS, so that an incoming call rings at once instead of after a GET
// CALL round trip.
func (t *callTable) apply(ev Event) (msgs []phoneapi.Message, established *call) {
	if ev.ID == "" {
		// The first events of an outgoing call (CALL_LOCAL_SDP) carry
		// no id yet; the call is reported from its first one that does.
		return nil, nil
	}
	switch ev.Type {
	case "CALL_INCOMING", "CALL_RINGING", "CALL_PROGRESS", "CALL_ESTABLISHED":
	case "CALL_CLOSED":
		c, ok := t.byID[ev.ID]
		if !ok {
			return nil, nil
		}
		t.remove(c)
		return []phoneapi.Message{phoneapi.CallMsg{ID: c.num, Property: "STATUS", Value: endStatus(c, ev.Param)}}, nil
	case evLocalHold, evLocalResume:
		c, ok := t.byID[ev.ID]
		if !ok || !c.answered {
			return nil, nil
		}
		c.held = ev.Type == evLocalHold
		status := "INPROGRESS"
		if c.held {
			status = "LOCALHOLD"
		}
		return t.status(c, status, nil), nil
	default:
		// DTMF, RTCP, SDP and registration events change nothing on
		// the handset.
		return nil, nil
	}
	c, isNew := t.ensure(ev)
	if isNew {
		if c.typ != "" {
			msgs = append(msgs, phoneapi.CallMsg{ID: c.num, Property: "TYPE", Value: c.typ})
		}
		if c.handle != "" {
			msgs = append(msgs, phoneapi.CallMsg{ID: c.num, Property: "PARTNER_HANDLE", Value: c.handle})
		}
		if c.peer != "" {
			msgs = append(msgs, phoneapi.CallMsg{ID: c.num, Property: "PARTNER_DISPNAME", Value: c.peer})
		}
	}
	incoming := c.typ == "INCOMING_P2P"
	switch ev.Type {
	case "CALL_INCOMING":
		if incoming && !c.answered {
			msgs = t.status(c, "RINGING", msgs)
		}
	case "CALL_RINGING":
		// 180 Ringing from the far end: this side's outgoing call.
		if !incoming && !c.answered {
			msgs = t.status(c, "RINGING", msgs)
		}
	case "CALL_PROGRESS":
		if !incoming && !c.answered {
			msgs = t.status(c, "EARLYMEDIA", msgs)
		}
	case "CALL_ESTABLISHED":
		first := !c.answered
		c.answered = true
		msgs = t.status(c, "INPROGRESS", msgs)
		if first {
			established = c
		}
	}
	return msgs, established
}

func (t *callTable) status(c *call, s string, msgs []phoneapi.Message) []phoneapi.Message {
	if c.status == s {
		return msgs
	}
	c.status = s
	return append(msgs, phoneapi.CallMsg{ID: c.num, Property: "STATUS", Value: s})
}

// endStatus is the final STATUS of a call baresip closed. The handset
// only needs to know that it ended; the status tells the log why.
func endStatus(c *call, reason string) string {
	switch {
	case c.answered:
		return "FINISHED"
	case c.typ == "INCOMING_P2P" && c.hungUp:
		return "REFUSED"
	case c.typ == "INCOMING_P2P":
		return "MISSED"
	case c.hungUp:
		return "CANCELLED"
	case strings.Contains(reason, "486") || strings.Contains(strings.ToLower(reason), "busy"):
		return "BUSY"
	}
	return "FAILED"
}

// partnerHandle is what a handset's display shows of a SIP peer: the user
// part of the URI (a number, usually), else the host.
func partnerHandle(uri string) string {
	s := uri
	if i := strings.IndexByte(s, '<'); i >= 0 {
		s = s[i+1:]
		if j := strings.IndexByte(s, '>'); j >= 0 {
			s = s[:j]
		}
	}
	for _, scheme := range []string{"sip:", "sips:", "tel:"} {
		if len(s) >= len(scheme) && strings.EqualFold(s[:len(scheme)], scheme) {
			s = s[len(scheme):]
			break
		}
	}
	if i := strings.IndexAny(s, ";?"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[:i]
		// user:password@host
		if j := strings.IndexByte(s, ':'); j >= 0 {
			s = s[:j]
		}
	}
	return cleanText(s, 64)
}

// cleanText makes untrusted text safe for a phone-API value and a
// display: valid UTF-8, no control characters, at most max bytes.
func cleanText(s string, max int) string {
	var b strings.Builder
	for _, r := range s {
		if r == utf8.RuneError || r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			continue
		}
		if b.Len()+utf8.RuneLen(r) > max {
			break
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

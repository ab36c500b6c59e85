package phoneapitest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"

	"handsetd/phoneapi"
)

// notifyWindow bounds how many notifications NotifyAll has in flight.
const notifyWindow = 64

func callNote(id int, prop, value string) string {
	return phoneapi.FormatMessage("", phoneapi.CallMsg{ID: id, Property: prop, Value: value})
}

func pstn(target string) bool {
	return target != "" && (target[0] == '+' || (target[0] >= '0' && target[0] <= '9'))
}

func (h *Host) setMuteLocked(on bool) []string {
	h.mute = on
	return []string{phoneapi.FormatMessage("", phoneapi.MuteMsg{On: on})}
}

func (h *Host) newCallLocked(typ, partner, dispName, status string) *Call {
	h.nextCall++
	c := &Call{ID: h.nextCall, Type: typ, Status: status, Partner: partner, DispName: dispName}
	h.calls[c.ID] = c
	return c
}

// firstLocked returns the lowest-numbered call that satisfies ok.
func (h *Host) firstLocked(ok func(*Call) bool) *Call {
	ids := make([]int, 0, len(h.calls))
	for id := range h.calls {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if c := h.calls[id]; ok(c) {
			return c
		}
	}
	return nil
}

func isRinging(c *Call) bool         { return c.Status == "RINGING" }
func isIncomingRinging(c *Call) bool { return c.Incoming() && c.Status == "RINGING" }
func isActive(c *Call) bool          { return c.Status == "INPROGRESS" }
func isHeld(c *Call) bool {
	return c.Status == "LOCALHOLD" || c.Status == "ONHOLD" || c.Status == "REMOTEHOLD"
}

func (h *Host) setStatusLocked(c *Call, status string) string {
	c.Status = status
	return callNote(c.ID, "STATUS", status)
}

// holdOthersLocked puts every call in progress but keep on hold, as a
// softphone does when the user takes another call.
func (h *Host) holdOthersLocked(keep int) []string {
	var notes []string
	for {
		c := h.firstLocked(func(c *Call) bool { return c.ID != keep && isActive(c) })
		if c == nil {
			return notes
		}
		notes = append(notes, h.setStatusLocked(c, "LOCALHOLD"))
	}
}

func (h *Host) answerLocked(id int) ([]string, error) {
	c := h.calls[id]
	if c == nil || !isRinging(c) {
		return nil, fmt.Errorf("%w: %d is not ringing", ErrNoCall, id)
	}
	notes := h.holdOthersLocked(id)
	return append(notes, h.setStatusLocked(c, "INPROGRESS")), nil
}

func (h *Host) holdLocked(id int) ([]string, error) {
	c := h.calls[id]
	if c == nil || !isActive(c) {
		return nil, fmt.Errorf("%w: %d is not in progress", ErrNoCall, id)
	}
	return []string{h.setStatusLocked(c, "LOCALHOLD")}, nil
}

func (h *Host) resumeLocked(id int) ([]string, error) {
	c := h.calls[id]
	if c == nil || !isHeld(c) {
		return nil, fmt.Errorf("%w: %d is not on hold", ErrNoCall, id)
	}
	notes := h.holdOthersLocked(id)
	return append(notes, h.setStatusLocked(c, "INPROGRESS")), nil
}

// hangupLocked ends a call. local is true when this side hangs up (the
// device or the softphone user), false when the partner does.
func (h *Host) hangupLocked(id int, local bool) []string {
	c := h.calls[id]
	status := "FINISHED"
	switch {
	case isIncomingRinging(c) && local:
		status = "REFUSED"
	case isIncomingRinging(c):
		status = "MISSED"
	case !c.Incoming() && (c.Status == "RINGING" || c.Status == "ROUTING"):
		status = "CANCELLED"
	}
	return []string{h.setStatusLocked(c, status)}
}

func (h *Host) answerRingingLocked() []string {
	c := h.firstLocked(isIncomingRinging)
	if c == nil {
		return nil
	}
	notes, _ := h.answerLocked(c.ID)
	return notes
}

// endCurrentLocked is the phone's hang-up: the call in progress ends; with
// none, a ringing incoming call is refused.
func (h *Host) endCurrentLocked() []string {
	if c := h.firstLocked(isActive); c != nil {
		return h.hangupLocked(c.ID, true)
	}
	if c := h.firstLocked(isIncomingRinging); c != nil {
		return h.hangupLocked(c.ID, true)
	}
	return nil
}

func (h *Host) ringLocked(partner, dispName string, typed bool) (*Call, []string) {
	typ := "INCOMING_P2P"
	if pstn(partner) {
		typ = "INCOMING_PSTN"
	}
	c := h.newCallLocked(typ, partner, dispName, "RINGING")
	var notes []string
	if typed {
		notes = append(notes, callNote(c.ID, "TYPE", typ))
	}
	notes = append(notes, callNote(c.ID, "PARTNER_HANDLE", partner))
	if dispName != "" {
		notes = append(notes, callNote(c.ID, "PARTNER_DISPNAME", dispName))
	}
	return c, append(notes, callNote(c.ID, "STATUS", "RINGING"))
}

func (h *Host) placeLocked(target string) (*Call, []string) {
	typ := "OUTGOING_P2P"
	if pstn(target) {
		typ = "OUTGOING_PSTN"
	}
	c := h.newCallLocked(typ, target, "", "ROUTING")
	return c, []string{
		callNote(c.ID, "TYPE", typ),
		callNote(c.ID, "PARTNER_HANDLE", target),
		callNote(c.ID, "STATUS", "ROUTING"),
		h.setStatusLocked(c, "RINGING"),
	}
}

// act runs one host-side action under the lock and sends what it caused.
func (h *Host) act(ctx context.Context, f func() ([]string, error)) error {
	h.mu.Lock()
	notes, err := f()
	h.mu.Unlock()
	if err != nil {
		return err
	}
	return h.broadcastWait(ctx, notes)
}

// Ring starts an incoming call from partner (a handle, or a number for a
// PSTN call) and returns its id. Every attached client receives TYPE,
// PARTNER_HANDLE, PARTNER_DISPNAME (when dispName is set) and STATUS RINGING.
func (h *Host) Ring(ctx context.Context, partner, dispName string) (int, error) {
	var id int
	err := h.act(ctx, func() ([]string, error) {
		c, notes := h.ringLocked(partner, dispName, true)
		id = c.ID
		return notes, nil
	})
	return id, err
}

// RingUntyped is Ring without the TYPE notification, so that a client has
// to ask GET CALL <id> TYPE.
func (h *Host) RingUntyped(ctx context.Context, partner string) (int, error) {
	var id int
	err := h.act(ctx, func() ([]string, error) {
		c, notes := h.ringLocked(partner, "", false)
		id = c.ID
		return notes, nil
	})
	return id, err
}

// Place starts an outgoing call to target, as if the softphone's user
// dialled it, and returns its id. It stops at RINGING (the partner's phone
// rings); Answer is the partner picking up.
func (h *Host) Place(ctx context.Context, target string) (int, error) {
	var id int
	err := h.act(ctx, func() ([]string, error) {
		c, notes := h.placeLocked(target)
		id = c.ID
		return notes, nil
	})
	return id, err
}

// Answer takes a ringing call: the softphone's user answering an incoming
// call, or the partner picking up an outgoing one. Calls in progress go on
// hold.
func (h *Host) Answer(ctx context.Context, id int) error {
	return h.act(ctx, func() ([]string, error) { return h.answerLocked(id) })
}

// Hold puts a call in progress on hold.
func (h *Host) Hold(ctx context.Context, id int) error {
	return h.act(ctx, func() ([]string, error) { return h.holdLocked(id) })
}

// Resume takes a call off hold, holding any other call in progress.
func (h *Host) Resume(ctx context.Context, id int) error {
	return h.act(ctx, func() ([]string, error) { return h.resumeLocked(id) })
}

// Hangup ends a call from the partner's side: FINISHED once answered,
// MISSED for an incoming call still ringing, CANCELLED for an outgoing one.
func (h *Host) Hangup(ctx context.Context, id int) error {
	return h.act(ctx, func() ([]string, error) {
		c := h.calls[id]
		if c == nil || c.ended() {
			return nil, fmt.Errorf("%w: %d", ErrNoCall, id)
		}
		return h.hangupLocked(id, false), nil
	})
}

// End ends a call from the softphone user's side: FINISHED once answered,
// REFUSED for an incoming call still ringing, CANCELLED for an outgoing one.
func (h *Host) End(ctx context.Context, id int) error {
	return h.act(ctx, func() ([]string, error) {
		c := h.calls[id]
		if c == nil || c.ended() {
			return nil, fmt.Errorf("%w: %d", ErrNoCall, id)
		}
		return h.hangupLocked(id, true), nil
	})
}

// SetMute sets the host's microphone mute and notifies every client.
func (h *Host) SetMute(ctx context.Context, on bool) error {
	return h.act(ctx, func() ([]string, error) { return h.setMuteLocked(on), nil })
}

// Find returns the id of the first call that is ringing ("ringing"), in
// progress ("active"), on hold ("held"), or any of these ("current", in that
// order of preference: active, ringing, held).
func (h *Host) Find(what string) (int, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var c *Call
	switch what {
	case "ringing":
		c = h.firstLocked(isRinging)
	case "active":
		c = h.firstLocked(isActive)
	case "held":
		c = h.firstLocked(isHeld)
	case "current":
		for _, ok := range []func(*Call) bool{isActive, isRinging, isHeld} {
			if c = h.firstLocked(ok); c != nil {
				break
			}
		}
	}
	if c == nil {
		return 0, false
	}
	return c.ID, true
}

// attached returns the senders of attached clients.
func (h *Host) attached() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.order)
}

// send puts one Notify on the wire without waiting for the answer. Callers
// hold notifyMu, which is what keeps notifications in order.
func (h *Host) send(ctx context.Context, dest, line string) *dbus.Call {
	return h.conn.Object(dest, clientPath).GoWithContext(ctx, clientInterface+".Notify", dbus.FlagNoAutoStart, make(chan *dbus.Call, 1), line)
}

// Notify sends one notification to a client (by unique name) and waits for
// its answer. A client that refuses it returns its D-Bus error.
func (h *Host) Notify(ctx context.Context, dest, line string) error {
	return h.NotifyAll(ctx, dest, []string{line})
}

// NotifyAll sends lines to one client in order, with a bounded number in
// flight, and returns the first error. It is how tests make bursts.
func (h *Host) NotifyAll(ctx context.Context, dest string, lines []string) error {
	inflight := make([]*dbus.Call, 0, notifyWindow)
	var first error
	wait := func(c *dbus.Call) {
		select {
		case <-c.Done:
			if c.Err != nil && first == nil {
				first = fmt.Errorf("phoneapitest: notify %s: %w", dest, c.Err)
			}
		case <-ctx.Done():
			if first == nil {
				first = fmt.Errorf("phoneapitest: notify %s: %w", dest, ctx.Err())
			}
		}
	}
	for _, l := range lines {
		if len(inflight) == notifyWindow {
			wait(inflight[0])
			inflight = inflight[1:]
		}
		if first != nil {
			break
		}
		h.notifyMu.Lock()
		inflight = append(inflight, h.send(ctx, dest, l))
		h.notifyMu.Unlock()
	}
	for _, c := range inflight {
		wait(c)
	}
	return first
}

// Broadcast sends a notification to every attached client and waits for
// their answers.
func (h *Host) Broadcast(ctx context.Context, line string) error {
	return h.broadcastWait(ctx, []string{line})
}

func (h *Host) broadcastWait(ctx context.Context, lines []string) error {
	calls := h.sendAll(ctx, lines)
	var errs []error
	for _, c := range calls {
		select {
		case <-c.Done:
			if c.Err != nil {
				errs = append(errs, c.Err)
			}
		case <-ctx.Done():
			return fmt.Errorf("phoneapitest: broadcast: %w", ctx.Err())
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("phoneapitest: broadcast: %w", err)
	}
	return nil
}

// broadcast sends without waiting, for notifications caused by a command:
// the reply to Invoke must not wait for clients. Failures are logged.
func (h *Host) broadcast(lines []string) {
	if len(lines) == 0 {
		return
	}
	for _, c := range h.sendAll(context.Background(), lines) {
		// Close waits for these goroutines: none may start once it has
		// begun waiting (sync.WaitGroup), so the check and the start
		// happen under the lock Close closes h.closed under.
		h.mu.Lock()
		select {
		case <-h.closed:
			h.mu.Unlock()
			continue
		default:
		}
		h.wg.Go(func() {
			<-c.Done // closing the host ends every pending call
			if c.Err != nil {
				h.log.Debug("phoneapitest: notification not delivered", "to", c.Destination, "err", c.Err)
			}
		})
		h.mu.Unlock()
	}
}

func (h *Host) sendAll(ctx context.Context, lines []string) []*dbus.Call {
	var calls []*dbus.Call
	dests := h.attached()
	h.notifyMu.Lock()
	defer h.notifyMu.Unlock()
	for _, l := range lines {
		for _, d := range dests {
			if h.onNotify != nil {
				h.onNotify(d, l)
			}
			calls = append(calls, h.send(ctx, d, l))
			h.log.Info("phoneapitest: notify", "to", d, "line", l)
		}
	}
	return calls
}

// Script names, for Play.
const (
	ScriptIncoming = "incoming" // rings, answered, hung up by the partner
	ScriptMissed   = "missed"   // rings, the partner gives up
	ScriptWaiting  = "waiting"  // a second call rings during the first
	ScriptOutgoing = "outgoing" // placed, ringback, answered, hung up
)

// Scripts lists the scripts Play knows.
var Scripts = []string{ScriptIncoming, ScriptMissed, ScriptWaiting, ScriptOutgoing}

// Play runs a scripted scenario against every attached client, waiting
// pause between steps (0 in tests) on the host's clock.
func (h *Host) Play(ctx context.Context, script string, pause time.Duration) error {
	step := func() error {
		if pause <= 0 {
			return ctx.Err()
		}
		t := h.clock.NewTimer(pause)
		defer t.Stop()
		select {
		case <-t.C():
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	do := func(fs ...func() error) error {
		for i, f := range fs {
			if i > 0 {
				if err := step(); err != nil {
					return fmt.Errorf("phoneapitest: script %s: %w", script, err)
				}
			}
			if err := f(); err != nil {
				return fmt.Errorf("phoneapitest: script %s: %w", script, err)
			}
		}
		return nil
	}
	var a, b int
	switch script {
	case ScriptIncoming:
		return do(
			func() (err error) { a, err = h.Ring(ctx, "echo123", "Echo / Sound Test Service"); return },
			func() error { return h.Answer(ctx, a) },
			func() error { return h.Hangup(ctx, a) },
		)
	case ScriptMissed:
		return do(
			func() (err error) { a, err = h.Ring(ctx, "+15551234567", "Ada Lovelace"); return },
			func() error { return h.Hangup(ctx, a) },
		)
	case ScriptWaiting:
		return do(
			func() (err error) { a, err = h.Ring(ctx, "alice", "Alice"); return },
			func() error { return h.Answer(ctx, a) },
			func() (err error) { b, err = h.Ring(ctx, "bob", "Bob"); return },
			func() error { return h.Answer(ctx, b) },
			func() error { return h.Hangup(ctx, b) },
			func() error { return h.Resume(ctx, a) },
			func() error { return h.Hangup(ctx, a) },
		)
	case ScriptOutgoing:
		return do(
			func() (err error) { a, err = h.Place(ctx, "+15557654321"); return },
			func() error { return h.Answer(ctx, a) },
			func() error { return h.Hangup(ctx, a) },
		)
	}
	return fmt.Errorf("phoneapitest: unknown script %q (known: %s)", script, strings.Join(Scripts, ", "))
}

package baresip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"

	"handsetd/daemon"
	"handsetd/phoneapi"
)

// Sentinel errors of Send.
var (
	// ErrNotAttached is a command while baresip is not connected.
	ErrNotAttached = errors.New("baresip: not connected to baresip")
	// ErrNoCall is a command for a call baresip no longer has.
	ErrNoCall = errors.New("baresip: no such call")
)

// Phone-API errors the session answers with, numbered as the Skype API
// numbers the same conditions.
var (
	errUnknownCommand = phoneapi.ErrorMsg{Code: 2, Text: "Unknown command"}
	errInvalidCallID  = phoneapi.ErrorMsg{Code: 11, Text: "Invalid call id"}
	errUnknownProp    = phoneapi.ErrorMsg{Code: 7, Text: "Invalid property"}
	errInvalidAction  = phoneapi.ErrorMsg{Code: 71, Text: "Invalid action"}
	errInvalidDTMF    = phoneapi.ErrorMsg{Code: 21, Text: "Invalid DTMF code"}
	errInvalidTarget  = phoneapi.ErrorMsg{Code: 38, Text: "Invalid target"}
	errPhoneMode      = phoneapi.ErrorMsg{Code: 2, Text: "phone-mode commands are not supported by the baresip host: run in access mode"}
)

// session is one handset's view of baresip: its own call numbering over
// the shared connection.
type session struct {
	hub  *hub
	name string
	log  *slog.Logger
	q    queue

	mu    sync.Mutex
	calls callTable
	muted bool
}

var _ daemon.HostSession = (*session)(nil)

func newSession(h *hub, name string, log *slog.Logger) *session {
	return &session{hub: h, name: name, log: log, q: newQueue(), calls: newCallTable()}
}

// Run subscribes to the shared connection and tells l of every attach,
// detach and call notification until ctx ends. It returns nil then:
// baresip being away is not a failure, it is waited for.
func (s *session) Run(ctx context.Context, l daemon.HostListener) error {
	s.hub.join(s)
	defer s.hub.leave(s)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.q.ready:
		}
		items, lost := s.q.take()
		if lost {
			s.log.Warn("baresip: events lost while the handset was busy; starting over")
			s.resetCalls()
			l.HostDetached(ctx)
			if s.hub.connected() {
				l.HostAttached(ctx)
			}
		}
		for _, it := range items {
			switch it.kind {
			case itemAttached:
				l.HostAttached(ctx)
			case itemDetached:
				// A reconnected baresip may be a restarted one:
				// its call ids start afresh.
				s.resetCalls()
				l.HostDetached(ctx)
			case itemEvent:
				s.mu.Lock()
				msgs, established := s.calls.apply(it.event)
				muted := s.muted
				s.mu.Unlock()
				for _, m := range msgs {
					l.HostMessage(ctx, m)
				}
				if established != nil && muted {
					// A new call starts unmuted in baresip;
					// the handset's mute carries over.
					if err := s.setMute(ctx, established.id, true); err != nil {
						s.log.Warn("baresip: cannot mute the new call", "err", err)
					}
				}
			}
		}
	}
}

func (s *session) resetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls.reset()
}

// Send translates one phone-API command into baresip commands. The reply
// is what a phone-API host would answer; refusals are phoneapi.ErrorMsg
// errors.
func (s *session) Send(ctx context.Context, c phoneapi.Command) (phoneapi.Message, error) {
	switch c := c.(type) {
	case phoneapi.PingCmd:
		return phoneapi.PongMsg{}, nil
	case phoneapi.AlterCallCmd:
		return s.alter(ctx, c)
	case phoneapi.CallCmd:
		return s.dial(ctx, c)
	case phoneapi.SetMuteCmd:
		return s.setMuteCmd(ctx, c)
	case phoneapi.GetCallCmd:
		return s.getCall(c)
	case phoneapi.AudioInCmd:
		return phoneapi.AudioInMsg(c), s.switchAudio(ctx, "ausrc", c.Device)
	case phoneapi.AudioOutCmd:
		return phoneapi.AudioOutMsg(c), s.switchAudio(ctx, "auplay", c.Device)
	case phoneapi.HookCmd, phoneapi.MuteCmd, phoneapi.BtnPressedCmd, phoneapi.BtnReleasedCmd:
		return nil, errPhoneMode
	case phoneapi.RawCmd:
		if f := strings.Fields(strings.ToUpper(c.Line)); len(f) == 2 && f[0] == "SEARCH" && f[1] == "ACTIVECALLS" {
			return s.activeCalls(), nil
		}
	}
	return nil, errUnknownCommand
}

// activeCalls answers SEARCH ACTIVECALLS: "CALLS 1, 2".
func (s *session) activeCalls() phoneapi.Message {
	s.mu.Lock()
	nums := s.calls.nums()
	s.mu.Unlock()
	var b strings.Builder
	b.WriteString("CALLS")
	for i, n := range nums {
		if i == 0 {
			b.WriteByte(' ')
		} else {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(n))
	}
	return phoneapi.UnknownMsg{Line: b.String()}
}

// callID returns baresip's id of a phone-API call number.
func (s *session) callID(num int) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.calls.lookup(num)
	if !ok {
		return "", false
	}
	return c.id, true
}

func (s *session) markHungUp(num int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.calls.lookup(num); ok {
		c.hungUp = true
	}
}

// alter maps ALTER CALL onto baresip 1.0.0's commands, which act on the
// current call: callfind makes the addressed call current first.
func (s *session) alter(ctx context.Context, c phoneapi.AlterCallCmd) (phoneapi.Message, error) {
	id, ok := s.callID(c.ID)
	if !ok {
		return nil, errInvalidCallID
	}
	echo := phoneapi.UnknownMsg{Line: c.String()}
	var err error
	switch c.Action {
	case "ANSWER":
		err = s.onCall(ctx, id, "accept", "")
	case "HANGUP", "END":
		// END HANGUP rejects a ringing call; baresip's hangup
		// answers an unanswered incoming call with 486 Busy Here.
		s.markHungUp(c.ID)
		err = s.onCall(ctx, id, "hangup", "")
	case "DTMF":
		if !validDTMF(c.Arg) {
			return nil, errInvalidDTMF
		}
		err = s.onCall(ctx, id, "sndcode", c.Arg)
	case "HOLD":
		if err = s.onCall(ctx, id, "hold", ""); err == nil {
			s.hub.inject(Event{Type: evLocalHold, ID: id})
		}
	case "RESUME":
		if err = s.onCall(ctx, id, "resume", ""); err == nil {
			s.hub.inject(Event{Type: evLocalResume, ID: id})
		}
	default:
		return nil, errInvalidAction
	}
	if err != nil {
		return nil, err
	}
	return echo, nil
}

func validDTMF(k string) bool {
	return len(k) == 1 && strings.ContainsRune("0123456789*#ABCD", rune(k[0]))
}

// onCall makes call id current and runs one command on it.
func (s *session) onCall(ctx context.Context, id, cmd, params string) error {
	return s.hub.do(ctx, func(ctx context.Context, c *Conn) error {
		if err := findCall(ctx, c, id); err != nil {
			return err
		}
		_, err := c.Command(ctx, cmd, params)
		return err
	})
}

func findCall(ctx context.Context, c *Conn, id string) error {
	r, err := c.Command(ctx, "callfind", id)
	if err != nil {
		return err
	}
	// 1.0.0 answers ok even when the call is gone.
	if strings.Contains(r.Data, "not found") {
		return fmt.Errorf("%w: %s", ErrNoCall, id)
	}
	return nil
}

// dial places a call. baresip completes a bare number into a URI with the
// account's domain (1234 from sip:me@example.com dials
// sip:1234@example.com).
func (s *session) dial(ctx context.Context, c phoneapi.CallCmd) (phoneapi.Message, error) {
	target := strings.TrimSpace(c.Target)
	if target == "" || strings.ContainsAny(target, ", \t") || cleanText(target, maxCommandLine) != target {
		return nil, errInvalidTarget
	}
	err := s.hub.do(ctx, func(ctx context.Context, conn *Conn) error {
		_, err := conn.Command(ctx, "dial", target)
		return err
	})
	if err != nil {
		return nil, err
	}
	return phoneapi.UnknownMsg{Line: "CALL " + target}, nil
}

// setMuteCmd remembers the handset's mute and applies it to the call in
// progress, if any; later calls get it when they are established.
func (s *session) setMuteCmd(ctx context.Context, c phoneapi.SetMuteCmd) (phoneapi.Message, error) {
	s.mu.Lock()
	s.muted = c.On
	var id string
	for _, n := range s.calls.nums() {
		if cl := s.calls.byNum[n]; cl.answered && !cl.held {
			id = cl.id // the newest answered call
		}
	}
	s.mu.Unlock()
	if id != "" {
		if err := s.setMute(ctx, id, c.On); err != nil {
			return nil, err
		}
	}
	return phoneapi.MuteMsg(c), nil
}

// setMute sets a call's mute. baresip 1.0.0 only toggles, and says which
// way it went ("call muted", "call un-muted"): toggle until it matches.
func (s *session) setMute(ctx context.Context, id string, on bool) error {
	return s.hub.do(ctx, func(ctx context.Context, c *Conn) error {
		if err := findCall(ctx, c, id); err != nil {
			return err
		}
		for range 2 {
			r, err := c.Command(ctx, "mute", "")
			if err != nil {
				return err
			}
			var now bool
			switch {
			case strings.Contains(r.Data, "un-muted"):
				now = false
			case strings.Contains(r.Data, "muted"):
				now = true
			default:
				return fmt.Errorf("%w: mute: unexpected answer %q", ErrRefused, trimData(r.Data))
			}
			if now == on {
				return nil
			}
		}
		return fmt.Errorf("%w: mute did not change", ErrRefused)
	})
}

// switchAudio follows AUDIO_IN/AUDIO_OUT when Config.AudioDriver names a
// baresip audio module; otherwise baresip's own configuration decides.
func (s *session) switchAudio(ctx context.Context, cmd, device string) error {
	drv := s.hub.cfg.AudioDriver
	if drv == "" || device == "" {
		return nil
	}
	// baresip splits "driver,device" at the first comma, so the device
	// itself may hold commas (ALSA's plughw:1,0).
	if cleanText(device, 128) != device {
		return fmt.Errorf("baresip: unusable audio device name %q", device)
	}
	return s.hub.do(ctx, func(ctx context.Context, c *Conn) error {
		r, err := c.Command(ctx, cmd, drv+","+device)
		if err != nil {
			return err
		}
		// 1.0.0 answers ok to an unknown module or device.
		if strings.HasPrefix(r.Data, "no such") || strings.Contains(r.Data, "failed") {
			return fmt.Errorf("%w: %s %s,%s: %s", ErrRefused, cmd, drv, device, trimData(r.Data))
		}
		return nil
	})
}

// getCall answers GET CALL from what was reported: the phone asks for a
// call's TYPE when it sees RINGING first, and for TYPE and STATUS after
// an attach.
func (s *session) getCall(c phoneapi.GetCallCmd) (phoneapi.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cl, ok := s.calls.lookup(c.ID)
	if !ok {
		return nil, errInvalidCallID
	}
	var v string
	switch c.Property {
	case "TYPE":
		v = cl.typ
	case "STATUS":
		v = cl.status
	case "PARTNER_HANDLE":
		v = cl.handle
	case "PARTNER_DISPNAME":
		v = cl.peer
	default:
		return nil, errUnknownProp
	}
	if v == "" && (c.Property == "TYPE" || c.Property == "STATUS") {
		v = "UNKNOWN"
	}
	return phoneapi.CallMsg{ID: c.ID, Property: c.Property, Value: v}, nil
}

// queue is a session's inbox: the hub pushes without ever blocking, the
// session's Run takes everything in order. It is bounded; when a session
// falls that far behind, it drops the backlog and starts over (detach,
// attach), which the phone handles like a reconnect.
type queue struct {
	mu    sync.Mutex
	items []item
	lost  bool
	ready chan struct{}
}

const maxQueued = 1024

type itemKind int

const (
	itemAttached itemKind = iota
	itemDetached
	itemEvent
)

type item struct {
	kind  itemKind
	event Event
}

func newQueue() queue { return queue{ready: make(chan struct{}, 1)} }

func (q *queue) push(it item) {
	q.mu.Lock()
	if len(q.items) >= maxQueued {
		q.items, q.lost = q.items[:0], true
	}
	q.items = append(q.items, it)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

func (q *queue) take() ([]item, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	items, lost := q.items, q.lost
	q.items, q.lost = nil, false
	return items, lost
}

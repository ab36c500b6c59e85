package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"handsetd/internal/clock"
	"handsetd/phoneapi"
	"handsetd/phoneapi/transport"
)

// Defaults for Config fields left zero.
const (
	DefaultReplyTimeout   = 5 * time.Second
	DefaultProtocol       = 5
	DefaultBackoffInitial = time.Second
	DefaultBackoffMax     = time.Minute
	DefaultQueueLen       = 256
)

// maxHeld bounds the notifications kept while attaching.
const maxHeld = 256

var (
	// ErrNotAttached is returned by Send while no host has accepted the
	// device.
	ErrNotAttached = errors.New("session: not attached to a host")
	// ErrTimeout is returned by Send when the reply did not come within
	// ReplyTimeout.
	ErrTimeout = errors.New("session: no reply in time")
	// ErrDetached is returned by Send when the host went away while the
	// command waited for its reply.
	ErrDetached = errors.New("session: host went away before replying")
	// ErrNoReply is returned by Send when a host speaking a protocol older
	// than 4 (no command ids) returned an empty synchronous reply.
	ErrNoReply = errors.New("session: empty reply from a host without command ids")
	// ErrRefused means the host answered NAME with ERROR 68: the user did
	// not allow the device. It appears in logs and Detached reasons.
	ErrRefused = errors.New("session: host refused the device (ERROR 68)")
	// ErrOffline means the host answered NAME with CONNSTATUS OFFLINE.
	ErrOffline = errors.New("session: host is offline (CONNSTATUS OFFLINE)")
	// ErrRunning is returned by a second call to Run.
	ErrRunning = errors.New("session: Run called twice")

	errHostChanged = errors.New("session: host changed during attach")
	errConnLost    = errors.New("session: bus connection lost")
)

// Backoff sets the delays between attach attempts: Initial after the first
// failure, doubling up to Max. Max is also the safety-net retry while no
// host is on the bus (the session otherwise waits for NameOwnerChanged).
type Backoff struct {
	Initial time.Duration
	Max     time.Duration
}

// Config configures a Session. Zero fields take the defaults named.
type Config struct {
	// Name is sent with NAME, as the host will show it to the user.
	Name string
	// Bus is "session" (default), "system" or a D-Bus address.
	Bus    string
	Logger *slog.Logger // default discards
	Clock  clock.Clock  // default clock.Real
	// ReplyTimeout bounds every command's wait for its reply
	// (DefaultReplyTimeout).
	ReplyTimeout time.Duration
	// PingInterval, when positive, sends PING that often while attached and
	// treats a PING without PONG as the host gone. Off by default: the
	// session learns of a host that quits from NameOwnerChanged, and an idle
	// daemon should not wake up periodically.
	PingInterval time.Duration
	Backoff      Backoff
	// Protocol is the version asked for with PROTOCOL (DefaultProtocol).
	Protocol int
	// QueueLen is the capacity of Events (DefaultQueueLen).
	QueueLen int
	// OnAttach runs after every attach and before its Attached event and the
	// notifications that follow, so the device can re-send its state (HOOK
	// OFF, MUTE ON) with Send. An error is logged; the session stays
	// attached.
	OnAttach func(ctx context.Context) error
}

// EventKind says what an Event reports.
type EventKind int

const (
	// Attached: the host accepted the device; Protocol is in use.
	Attached EventKind = iota + 1
	// Detached: the host went away or stopped answering; Reason says which.
	Detached
	// Notification: Msg is a notification from the host.
	Notification
)

func (k EventKind) String() string {
	switch k {
	case Attached:
		return "attached"
	case Detached:
		return "detached"
	case Notification:
		return "notification"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is one entry of a Session's ordered stream.
type Event struct {
	Kind     EventKind
	Msg      phoneapi.Message // for Notification
	Protocol int              // for Attached
	Reason   string           // for Detached
}

type result struct {
	line string
	err  error
}

// Session is one device attached to the phone-API host: it connects,
// attaches, re-attaches, correlates replies and delivers notifications.
type Session struct {
	cfg    Config
	log    *slog.Logger
	events chan Event
	ran    atomic.Bool

	mu       sync.Mutex
	conn     *transport.Conn // set while attached
	protocol int
	pending  map[string]chan result
	nextID   uint64
}

// New checks cfg and returns a Session; Run starts it.
func New(cfg Config) (*Session, error) {
	if cfg.Name == "" {
		return nil, errors.New("session: config: Name is empty")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real
	}
	if cfg.ReplyTimeout <= 0 {
		cfg.ReplyTimeout = DefaultReplyTimeout
	}
	if cfg.Protocol <= 0 {
		cfg.Protocol = DefaultProtocol
	}
	if cfg.Backoff.Initial <= 0 {
		cfg.Backoff.Initial = DefaultBackoffInitial
	}
	if cfg.Backoff.Max < cfg.Backoff.Initial {
		cfg.Backoff.Max = max(DefaultBackoffMax, cfg.Backoff.Initial)
	}
	if cfg.QueueLen <= 0 {
		cfg.QueueLen = DefaultQueueLen
	}
	return &Session{
		cfg:     cfg,
		log:     cfg.Logger.With("device", cfg.Name),
		events:  make(chan Event, cfg.QueueLen),
		pending: make(map[string]chan result),
	}, nil
}

// Events is the ordered stream of attach, detach and notification events.
// It must be drained: when it is full the session stops reading the bus
// (see package transport). It is closed when Run returns.
func (s *Session) Events() <-chan Event { return s.events }

// Protocol returns the protocol in use, 0 while not attached.
func (s *Session) Protocol() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return 0
	}
	return s.protocol
}

// Run connects to the bus and keeps the device attached until ctx ends,
// reconnecting after the bus goes away and re-attaching after the host
// restarts. It returns ctx's error; it can be called once.
func (s *Session) Run(ctx context.Context) error {
	if !s.ran.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer close(s.events)
	fails := 0
	for {
		conn, err := transport.Dial(ctx, s.cfg.Bus,
			transport.WithLogger(s.log), transport.WithClock(s.cfg.Clock))
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			d := s.delay(fails)
			fails++
			s.log.Warn("session: cannot connect to the bus; retrying", "bus", transport.BusLabel(s.cfg.Bus), "err", err, "retry_in", d)
			if err := s.sleep(ctx, d); err != nil {
				return err
			}
			continue
		}
		fails = 0
		s.log.Debug("session: connected to the bus", "bus", transport.BusLabel(s.cfg.Bus), "unique_name", conn.UniqueName())
		s.serve(ctx, conn)
		conn.Close()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.log.Warn("session: lost the bus connection; reconnecting", "bus", transport.BusLabel(s.cfg.Bus))
	}
}

// delay is the backoff before attempt n+1 after n failures.
func (s *Session) delay(n int) time.Duration {
	d := s.cfg.Backoff.Initial
	for range n {
		d *= 2
		if d >= s.cfg.Backoff.Max {
			return s.cfg.Backoff.Max
		}
	}
	return d
}

func (s *Session) sleep(ctx context.Context, d time.Duration) error {
	t := s.cfg.Clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Session) emit(ctx context.Context, ev Event) {
	select {
	case s.events <- ev:
	case <-ctx.Done():
	}
}

// serve runs one bus connection until it is lost or ctx ends.
func (s *Session) serve(ctx context.Context, conn *transport.Conn) {
	ctx, cancel := context.WithCancel(ctx)
	in := make(chan transport.Event, 16)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Go(func() { s.pump(ctx, conn, in) })

	c := &connState{s: s, conn: conn, in: in}
	fails := 0
	for ctx.Err() == nil {
		owner := conn.Owner()
		if owner == "" {
			s.log.Info("session: waiting for the host to appear on the bus", "name", transport.HostName, "safety_retry", s.cfg.Backoff.Max)
			if err := c.waitRetry(ctx, s.cfg.Backoff.Max); err != nil {
				return
			}
			continue
		}
		proto, err := c.attach(ctx, owner)
		switch {
		case err == nil:
			fails = 0
		case errors.Is(err, errConnLost) || ctx.Err() != nil:
			return
		case errors.Is(err, errHostChanged):
			continue
		default:
			d := s.delay(fails)
			fails++
			switch {
			case errors.Is(err, ErrRefused):
				s.log.Warn("session: the host refused the device; allow it in the softphone. Retrying",
					"host", owner, "err", err, "retry_in", d)
			case errors.Is(err, ErrOffline):
				s.log.Info("session: the host is offline (not signed in); retrying", "host", owner, "retry_in", d)
			default:
				s.log.Warn("session: attach failed; retrying", "host", owner, "err", err, "retry_in", d)
			}
			if err := c.waitRetry(ctx, d); err != nil {
				return
			}
			continue
		}
		reason := c.attached(ctx, owner, proto)
		if ctx.Err() != nil {
			return
		}
		s.log.Warn("session: detached from the host", "host", owner, "reason", reason)
		s.emit(ctx, Event{Kind: Detached, Reason: reason})
	}
}

// pump moves the transport's stream into in, handing replies that carry an
// id to the Send waiting for them on the way, so that replies keep flowing
// while the main loop is busy (in OnAttach, say). in is closed when the
// connection is lost.
func (s *Session) pump(ctx context.Context, conn *transport.Conn, in chan<- transport.Event) {
	defer close(in)
	forward := func(ev transport.Event) bool {
		if ev.Kind == transport.Line {
			if id, rest, ok := phoneapi.SplitID(ev.Line); ok {
				s.deliver(id, result{line: rest})
				return true
			}
		}
		select {
		case in <- ev:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		select {
		case ev := <-conn.Events():
			if !forward(ev) {
				return
			}
		case <-conn.Done():
			// What was accepted before the loss still counts, in order.
			for {
				select {
				case ev := <-conn.Events():
					if !forward(ev) {
						return
					}
				default:
					return
				}
			}
		case <-ctx.Done():
			return
		}
	}
}

// deliver hands a reply to the Send waiting for id.
func (s *Session) deliver(id string, r result) {
	s.mu.Lock()
	ch := s.pending[id]
	delete(s.pending, id)
	s.mu.Unlock()
	if ch == nil {
		s.log.Debug("session: dropped a reply nobody waits for", "id", id, "line", r.line)
		return
	}
	ch <- r // buffered, and removed from pending: never blocks
}

func (s *Session) setAttached(conn *transport.Conn, proto int) {
	s.mu.Lock()
	s.conn, s.protocol = conn, proto
	s.mu.Unlock()
}

// setDetached forgets the host and fails every command still waiting.
func (s *Session) setDetached(reason string) {
	s.mu.Lock()
	s.conn, s.protocol = nil, 0
	pending := s.pending
	s.pending = make(map[string]chan result)
	s.mu.Unlock()
	for _, ch := range pending {
		ch <- result{err: fmt.Errorf("%w: %s", ErrDetached, reason)}
	}
}

// connState is the main loop's view of one connection.
type connState struct {
	s    *Session
	conn *transport.Conn
	in   <-chan transport.Event
	held []phoneapi.Message // notifications that arrived while attaching
}

// waitRetry waits d, or less if a new host appears. Lines arriving while
// detached belong to no attach and are dropped.
func (c *connState) waitRetry(ctx context.Context, d time.Duration) error {
	t := c.s.cfg.Clock.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case ev, ok := <-c.in:
			if !ok {
				return errConnLost
			}
			if ev.Kind == transport.OwnerChanged && ev.Owner != "" {
				c.s.log.Info("session: the host appeared on the bus", "host", ev.Owner)
				return nil
			}
			if ev.Kind == transport.Line {
				c.s.log.Debug("session: dropped a notification while detached", "line", ev.Line)
			}
		case <-t.C():
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// attach runs NAME and PROTOCOL against owner and returns the protocol.
// These go without ids: ids belong to protocol 4 and the version is not
// agreed yet. A reply the host sends through Notify instead of Invoke's
// result is taken from the stream.
func (c *connState) attach(ctx context.Context, owner string) (int, error) {
	c.held = c.held[:0]
	msg, err := c.handshake(ctx, owner, phoneapi.NameCmd{Name: c.s.cfg.Name}, func(m phoneapi.Message) bool {
		switch m.(type) {
		case phoneapi.OKMsg, phoneapi.ErrorMsg, phoneapi.ConnStatusMsg:
			return true
		}
		return false
	})
	if err != nil {
		return 0, err
	}
	switch m := msg.(type) {
	case phoneapi.OKMsg:
	case phoneapi.ErrorMsg:
		if m.Code == 68 {
			return 0, fmt.Errorf("%w: %s", ErrRefused, m.Text)
		}
		return 0, fmt.Errorf("session: NAME refused: %w", m)
	case phoneapi.ConnStatusMsg:
		if m.Status == "OFFLINE" || m.Status == "LOGGEDOUT" {
			return 0, ErrOffline
		}
		return 0, fmt.Errorf("session: NAME answered with CONNSTATUS %s", m.Status)
	}
	want := c.s.cfg.Protocol
	msg, err = c.handshake(ctx, owner, phoneapi.ProtocolCmd{Version: want}, func(m phoneapi.Message) bool {
		switch m.(type) {
		case phoneapi.ProtocolMsg, phoneapi.ErrorMsg:
			return true
		}
		return false
	})
	if err != nil {
		return 0, err
	}
	switch m := msg.(type) {
	case phoneapi.ErrorMsg:
		return 0, fmt.Errorf("session: PROTOCOL %d refused: %w", want, m)
	case phoneapi.ProtocolMsg:
		switch {
		case m.Version < 1:
			return 0, fmt.Errorf("session: host answered PROTOCOL %d", m.Version)
		case m.Version > want:
			c.s.log.Warn("session: host answered a higher protocol than asked; using ours", "asked", want, "answered", m.Version)
			return want, nil
		}
		return m.Version, nil
	}
	return 0, fmt.Errorf("session: unexpected reply %T to PROTOCOL", msg)
}

// handshake sends one attach command and returns its reply.
func (c *connState) handshake(ctx context.Context, owner string, cmd phoneapi.Command, isReply func(phoneapi.Message) bool) (phoneapi.Message, error) {
	tctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	t := c.s.cfg.Clock.AfterFunc(c.s.cfg.ReplyTimeout, func() { cancel(ErrTimeout) })
	defer t.Stop()

	raw, err := c.conn.Invoke(tctx, cmd.String())
	switch {
	case errors.Is(err, transport.ErrClosed):
		return nil, errConnLost
	case err != nil && context.Cause(tctx) == ErrTimeout && ctx.Err() == nil:
		return nil, fmt.Errorf("session: %s: %w", cmd, ErrTimeout)
	case err != nil:
		return nil, fmt.Errorf("session: %s: %w", cmd, err)
	}
	if raw != "" {
		_, rest, _ := phoneapi.SplitID(raw)
		msg, err := phoneapi.Parse(rest)
		if err != nil {
			return nil, fmt.Errorf("session: %s: reply: %w", cmd, err)
		}
		return msg, nil
	}
	for {
		select {
		case ev, ok := <-c.in:
			if !ok {
				return nil, errConnLost
			}
			if ev.Kind == transport.OwnerChanged {
				if ev.Owner != owner {
					return nil, errHostChanged
				}
				continue
			}
			msg, err := phoneapi.Parse(ev.Line)
			if err != nil {
				c.s.log.Warn("session: dropped a malformed notification", "line", clip(ev.Line), "err", err)
				continue
			}
			if isReply(msg) {
				return msg, nil
			}
			if len(c.held) < maxHeld {
				c.held = append(c.held, msg)
			} else {
				c.s.log.Warn("session: dropped a notification that arrived while attaching", "line", clip(ev.Line))
			}
		case <-tctx.Done():
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("session: %s: %w", cmd, ErrTimeout)
		}
	}
}

// attached runs while the device is attached and returns why it stopped.
func (c *connState) attached(ctx context.Context, owner string, proto int) string {
	s := c.s
	s.setAttached(c.conn, proto)
	s.log.Info("session: attached to the host", "host", owner, "protocol", proto)
	if s.cfg.OnAttach != nil {
		if err := s.cfg.OnAttach(ctx); err != nil {
			s.log.Warn("session: re-sending the device state after attach failed", "err", err)
		}
	}
	s.emit(ctx, Event{Kind: Attached, Protocol: proto})
	for _, m := range c.held {
		s.emit(ctx, Event{Kind: Notification, Msg: m})
	}
	c.held = c.held[:0]

	var (
		ping     clock.Timer
		pingC    <-chan time.Time
		pingDone = make(chan error, 1)
		pinging  bool
		wg       sync.WaitGroup
	)
	pctx, stopPing := context.WithCancel(ctx)
	defer wg.Wait()
	defer stopPing()
	if s.cfg.PingInterval > 0 {
		ping = s.cfg.Clock.NewTimer(s.cfg.PingInterval)
		defer ping.Stop()
		pingC = ping.C()
	}
	reason := func() string {
		for {
			select {
			case ev, ok := <-c.in:
				if !ok {
					return "bus connection lost"
				}
				switch ev.Kind {
				case transport.OwnerChanged:
					if ev.Owner == "" {
						return "host left the bus"
					}
					if ev.Owner != owner {
						return "host replaced by " + ev.Owner
					}
				case transport.Line:
					msg, err := phoneapi.Parse(ev.Line)
					if err != nil {
						s.log.Warn("session: dropped a malformed notification", "line", clip(ev.Line), "err", err)
						continue
					}
					s.emit(ctx, Event{Kind: Notification, Msg: msg})
				}
			case <-pingC:
				if !pinging {
					pinging = true
					wg.Go(func() {
						_, err := s.Send(pctx, phoneapi.PingCmd{})
						pingDone <- err
					})
				}
			case err := <-pingDone:
				pinging = false
				if errors.Is(err, ErrTimeout) {
					return "host did not answer PING"
				}
				if err != nil {
					s.log.Warn("session: PING failed", "err", err)
				} else {
					s.log.Debug("session: host answered PING")
				}
				ping.Reset(s.cfg.PingInterval)
			case <-ctx.Done():
				return "stopped"
			}
		}
	}()
	s.setDetached(reason)
	return reason
}

// clip shortens a line for a log record.
func clip(s string) string {
	const n = 200
	if len(s) <= n {
		return s
	}
	return s[:n] + "…(" + strconv.Itoa(len(s)) + " bytes)"
}

// Send sends one command and waits for its reply, matched by command id
// whether it comes back as Invoke's result or through Notify. A reply that
// does not come within ReplyTimeout is ErrTimeout; an ERROR reply is
// returned as the message and as an error wrapping phoneapi.ErrorMsg.
func (s *Session) Send(ctx context.Context, cmd phoneapi.Command) (phoneapi.Message, error) {
	s.mu.Lock()
	conn, proto := s.conn, s.protocol
	if conn == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("session: %s: %w", cmd, ErrNotAttached)
	}
	var id string
	var ch chan result
	if proto >= 4 {
		s.nextID++
		id = strconv.FormatUint(s.nextID, 10)
		ch = make(chan result, 1)
		s.pending[id] = ch
	}
	s.mu.Unlock()
	defer func() {
		if id != "" {
			s.mu.Lock()
			delete(s.pending, id)
			s.mu.Unlock()
		}
	}()

	tctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	t := s.cfg.Clock.AfterFunc(s.cfg.ReplyTimeout, func() { cancel(ErrTimeout) })
	defer t.Stop()
	fail := func(err error) (phoneapi.Message, error) {
		if context.Cause(tctx) == ErrTimeout && ctx.Err() == nil {
			err = ErrTimeout
		}
		return nil, fmt.Errorf("session: %s: %w", cmd, err)
	}

	raw, err := conn.Invoke(tctx, phoneapi.Format(id, cmd))
	if err != nil {
		return fail(err)
	}
	if raw != "" {
		rid, rest, ok := phoneapi.SplitID(raw)
		if !ok || rid == id {
			return s.reply(cmd, rest)
		}
		// Another command's reply came back here: pass it on, keep waiting.
		s.deliver(rid, result{line: rest})
	}
	if ch == nil {
		return nil, fmt.Errorf("session: %s: %w", cmd, ErrNoReply)
	}
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, fmt.Errorf("session: %s: %w", cmd, r.err)
		}
		return s.reply(cmd, r.line)
	case <-tctx.Done():
		return fail(tctx.Err())
	}
}

func (s *Session) reply(cmd phoneapi.Command, line string) (phoneapi.Message, error) {
	msg, err := phoneapi.Parse(line)
	if err != nil {
		return nil, fmt.Errorf("session: %s: reply: %w", cmd, err)
	}
	if e, ok := msg.(phoneapi.ErrorMsg); ok {
		return msg, fmt.Errorf("session: %s: %w", cmd, e)
	}
	return msg, nil
}

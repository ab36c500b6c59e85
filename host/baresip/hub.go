package baresip

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// hub holds the one ctrl_tcp connection that every handset's session
// shares (ctrl_tcp serves a single client: two connections would keep
// replacing each other). It connects while at least one session runs,
// reconnects with backoff when baresip goes away, and fans events, attach
// and detach out to the sessions in order.
type hub struct {
	cfg Config
	log *slog.Logger

	// life serialises starting and stopping the connection loop.
	life sync.Mutex
	refs int
	stop context.CancelFunc
	done chan struct{}

	mu   sync.Mutex
	conn *Conn
	subs map[*session]struct{}

	// sem makes command sequences (callfind, then accept) atomic with
	// respect to other sessions' sequences.
	sem chan struct{}
}

func newHub(cfg Config) *hub {
	return &hub{cfg: cfg, log: cfg.Logger, subs: map[*session]struct{}{}, sem: make(chan struct{}, 1)}
}

// join subscribes s and starts the connection loop for the first session.
func (h *hub) join(s *session) {
	h.life.Lock()
	defer h.life.Unlock()
	h.mu.Lock()
	h.subs[s] = struct{}{}
	if h.conn != nil {
		s.q.push(item{kind: itemAttached})
	}
	h.mu.Unlock()
	h.refs++
	if h.refs == 1 {
		ctx, cancel := context.WithCancel(context.Background())
		h.stop, h.done = cancel, make(chan struct{})
		go func() {
			defer close(h.done)
			h.run(ctx)
		}()
	}
}

// leave unsubscribes s; the last session out stops the loop and waits
// for it, closing the connection.
func (h *hub) leave(s *session) {
	h.life.Lock()
	defer h.life.Unlock()
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
	h.refs--
	if h.refs == 0 {
		h.stop()
		<-h.done
	}
}

func (h *hub) connected() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.conn != nil
}

// run connects, serves and reconnects until ctx ends. Backoff doubles
// from MinBackoff to MaxBackoff while baresip cannot be reached, and
// starts again from MinBackoff after a connection that lasted.
func (h *hub) run(ctx context.Context) {
	backoff := h.cfg.MinBackoff
	failing := false
	for {
		c, err := h.connect(ctx)
		switch {
		case ctx.Err() != nil:
			if c != nil {
				c.Close()
			}
			return
		case err != nil:
			if !failing {
				h.log.Error("baresip: cannot use ctrl_tcp; retrying with backoff", "addr", h.cfg.Addr, "err", err)
				failing = true
			} else {
				h.log.Debug("baresip: still cannot use ctrl_tcp", "addr", h.cfg.Addr, "err", err, "retry_in", backoff)
			}
		default:
			failing = false
			started := h.cfg.Clock.Now()
			h.log.Info("baresip: connected to ctrl_tcp", "addr", h.cfg.Addr)
			h.setConn(c)
			select {
			case <-c.Done():
			case <-ctx.Done():
			}
			h.setConn(nil)
			c.Close()
			if ctx.Err() != nil {
				return
			}
			h.log.Warn("baresip: ctrl_tcp connection lost; reconnecting", "addr", h.cfg.Addr, "err", c.Err())
			if h.cfg.Clock.Now().Sub(started) >= h.cfg.MaxBackoff {
				backoff = h.cfg.MinBackoff
			}
		}
		if !h.sleep(ctx, backoff) {
			return
		}
		backoff = min(2*backoff, h.cfg.MaxBackoff)
	}
}

func (h *hub) sleep(ctx context.Context, d time.Duration) bool {
	t := h.cfg.Clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return true
	case <-ctx.Done():
		return false
	}
}

// connect dials and checks that the peer is ctrl_tcp with the menu
// module's call commands: baresip without menu accepts the connection
// and sends events, but refuses accept, hangup and dial.
func (h *hub) connect(ctx context.Context) (*Conn, error) {
	c, err := Dial(ctx, h.cfg.Addr, DialOptions{OnEvent: h.event, Logger: h.log, Timeout: h.cfg.DialTimeout})
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, h.cfg.DialTimeout)
	defer cancel()
	r, err := c.Command(pctx, "help", "")
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("baresip: %s accepts connections but does not answer like ctrl_tcp: %w", h.cfg.Addr, err)
	}
	for _, cmd := range []string{"accept", "hangup", "dial"} {
		if !strings.Contains(r.Data, "/"+cmd) {
			h.log.Error("baresip: the menu module is not loaded (module_app menu.so): calls cannot be answered, placed or ended", "addr", h.cfg.Addr, "missing", cmd)
			break
		}
	}
	return c, nil
}

// setConn publishes the connection (nil: gone) and tells every session.
func (h *hub) setConn(c *Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.conn = c
	kind := itemAttached
	if c == nil {
		kind = itemDetached
	}
	for s := range h.subs {
		s.q.push(item{kind: kind})
	}
}

// event runs on the connection's reader goroutine; pushing never blocks.
// Events that arrive before the connection is published (during the
// probe) belong to no attach and are dropped.
func (h *hub) event(ev Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.conn == nil {
		return
	}
	for s := range h.subs {
		s.q.push(item{kind: itemEvent, event: ev})
	}
}

// inject delivers an event of handsetd's own to every session, in order
// with baresip's.
func (h *hub) inject(ev Event) { h.event(ev) }

// do runs fn with the connection, alone: no other session's commands
// come between fn's.
func (h *hub) do(ctx context.Context, fn func(ctx context.Context, c *Conn) error) error {
	ctx, cancel := context.WithTimeout(ctx, h.cfg.CommandTimeout)
	defer cancel()
	select {
	case h.sem <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("baresip: waiting for the connection: %w", ctx.Err())
	}
	defer func() { <-h.sem }()
	h.mu.Lock()
	c := h.conn
	h.mu.Unlock()
	if c == nil {
		return ErrNotAttached
	}
	return fn(ctx, c)
}

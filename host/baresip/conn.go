package baresip

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

var (
	// ErrNoControlPort is a ctrl_tcp address nobody listens on: baresip
	// is not running, or runs without the ctrl_tcp module, or listens
	// elsewhere (ctrl_tcp_listen).
	ErrNoControlPort = errors.New("baresip: no ctrl_tcp listener")
	// ErrClosed is a command on a connection that has ended.
	ErrClosed = errors.New("baresip: connection closed")
	// ErrRefused is a command baresip answered with ok=false, or with
	// the text of a failure where 1.0.0 still says ok.
	ErrRefused = errors.New("baresip: command refused")
)

// Conn is one connection to baresip's ctrl_tcp module. Commands may be
// sent from any goroutine; their responses are matched by token. Events
// go to the function given to Dial, called from the connection's reader
// goroutine in the order baresip sent them.
//
// ctrl_tcp serves one connection at a time: a second one replaces the
// first, so a program should hold a single Conn per baresip (Hosts shares
// one among all handsets).
type Conn struct {
	nc      net.Conn
	onEvent func(Event)
	log     *slog.Logger

	writeMu sync.Mutex

	mu      sync.Mutex
	next    uint64
	waiting map[string]chan Response
	err     error

	done chan struct{}
}

// DialOptions tune Dial. The zero value is usable.
type DialOptions struct {
	// OnEvent receives every event. It runs on the reader goroutine:
	// it must not block, nor send commands on the same Conn and wait.
	OnEvent func(Event)
	// Logger receives dropped (malformed or unmatched) messages.
	Logger *slog.Logger
	// Timeout bounds the TCP connect. Zero means 2 s.
	Timeout time.Duration
}

// Dial connects to ctrl_tcp at addr (host:port). A refused connection is
// an error wrapping ErrNoControlPort.
func Dial(ctx context.Context, addr string, opts DialOptions) (*Conn, error) {
	if opts.Timeout == 0 {
		opts.Timeout = 2 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	d := net.Dialer{Timeout: opts.Timeout, KeepAlive: 15 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			return nil, fmt.Errorf("%w at %s (is baresip running with module_app ctrl_tcp.so and ctrl_tcp_listen %s?): %w",
				ErrNoControlPort, addr, addr, err)
		}
		return nil, fmt.Errorf("baresip: connect to ctrl_tcp at %s: %w", addr, err)
	}
	c := &Conn{
		nc:      nc,
		onEvent: opts.OnEvent,
		log:     opts.Logger,
		waiting: map[string]chan Response{},
		done:    make(chan struct{}),
	}
	go c.readLoop()
	return c, nil
}

// Done is closed when the connection has ended (Close, baresip gone, or
// bad framing); Err then says why.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err is why the connection ended, nil while it lasts.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close ends the connection and waits for its reader goroutine.
func (c *Conn) Close() error {
	err := c.nc.Close()
	<-c.done
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// Command runs one baresip command ("accept", "dial" with params
// "sip:bob@example.com", ...) and returns its response. A response with
// ok=false is returned with an error wrapping ErrRefused.
func (c *Conn) Command(ctx context.Context, name, params string) (Response, error) {
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return Response{}, fmt.Errorf("%w: %w", ErrClosed, err)
	}
	c.next++
	token := "h" + strconv.FormatUint(c.next, 10)
	ch := make(chan Response, 1)
	c.waiting[token] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.waiting, token)
		c.mu.Unlock()
	}()

	frame, err := encodeCommand(name, params, token)
	if err != nil {
		return Response{}, err
	}
	if err := c.write(ctx, frame); err != nil {
		return Response{}, err
	}
	select {
	case r := <-ch:
		if !r.OK {
			return r, fmt.Errorf("%w: %s: %s", ErrRefused, commandLine(name, params), trimData(r.Data))
		}
		return r, nil
	case <-c.done:
		return Response{}, fmt.Errorf("%w: %s: %w", ErrClosed, commandLine(name, params), c.Err())
	case <-ctx.Done():
		return Response{}, fmt.Errorf("baresip: %s: no response: %w", commandLine(name, params), ctx.Err())
	}
}

func (c *Conn) write(ctx context.Context, frame []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if dl, ok := ctx.Deadline(); ok {
		c.nc.SetWriteDeadline(dl)
		defer c.nc.SetWriteDeadline(time.Time{})
	}
	if _, err := c.nc.Write(frame); err != nil {
		return fmt.Errorf("baresip: send command: %w", err)
	}
	return nil
}

func (c *Conn) readLoop() {
	defer close(c.done)
	nr := newNetstringReader(c.nc, MaxMessage)
	for {
		p, err := nr.next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = fmt.Errorf("baresip: ctrl_tcp closed the connection: %w", err)
			} else if !errors.Is(err, ErrFraming) && !errors.Is(err, ErrTooLong) {
				err = fmt.Errorf("baresip: read: %w", err)
			}
			c.mu.Lock()
			c.err = err
			c.mu.Unlock()
			c.nc.Close()
			return
		}
		m, err := decodeMessage(p)
		if err != nil {
			c.log.Warn("baresip: message dropped", "err", err, "payload", truncate(string(p), 200))
			continue
		}
		if m.isEvent {
			if c.onEvent != nil {
				c.onEvent(m.event)
			}
			continue
		}
		c.mu.Lock()
		ch := c.waiting[m.token]
		delete(c.waiting, m.token)
		c.mu.Unlock()
		if ch == nil {
			c.log.Debug("baresip: response without a waiting command", "token", truncate(m.token, 40))
			continue
		}
		ch <- m.resp
	}
}

func commandLine(name, params string) string {
	if params == "" {
		return name
	}
	return name + " " + params
}

// trimData shortens a command's output for an error message.
func trimData(s string) string {
	return truncate(strings.TrimSpace(s), 200)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

package transport

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"

	"handsetd/internal/clock"
	"handsetd/phoneapi"
)

// The names of the phone API on D-Bus.
const (
	HostName        = "com.Skype.API"
	HostPath        = dbus.ObjectPath("/com/Skype")
	HostInterface   = "com.Skype.API"
	ClientPath      = dbus.ObjectPath("/com/Skype/Client")
	ClientInterface = "com.Skype.API.Client"

	// ErrorNotAllowed is the D-Bus error a Notify from anyone but the host
	// receives.
	ErrorNotAllowed = "com.Skype.API.Client.Error.NotAllowed"
	// ErrorTooLong is the D-Bus error for a notification longer than
	// phoneapi.MaxLineLen.
	ErrorTooLong = "com.Skype.API.Client.Error.TooLong"
)

// DefaultQueueLen is the default capacity of the Events channel.
const DefaultQueueLen = 256

// refusedLogEvery bounds how often a refused Notify is logged.
const refusedLogEvery = 10 * time.Second

var (
	// ErrNoHost means nobody owns com.Skype.API: the softphone is not
	// running (or not on this bus).
	ErrNoHost = errors.New("transport: no host owns " + HostName)
	// ErrClosed means the connection was closed, by Close or because the
	// bus went away.
	ErrClosed = errors.New("transport: connection closed")
	// ErrBadBus means the bus argument of Dial is neither "session",
	// "system" nor a D-Bus address.
	ErrBadBus = errors.New("transport: bad bus")
)

// EventKind says what an Event carries.
type EventKind int

const (
	// Line is a notification (or a reply sent through Notify) from the host.
	Line EventKind = iota + 1
	// OwnerChanged means com.Skype.API changed hands: Owner is the new
	// owner's unique name, or "" when the host left.
	OwnerChanged
)

func (k EventKind) String() string {
	switch k {
	case Line:
		return "line"
	case OwnerChanged:
		return "owner-changed"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is one entry of the ordered stream a Conn delivers.
type Event struct {
	Kind  EventKind
	Line  string // for Line
	Owner string // for OwnerChanged
}

// Option configures Dial.
type Option func(*options)

type options struct {
	logger   *slog.Logger
	clock    clock.Clock
	queueLen int
}

// WithLogger sets where refused notifications and connection trouble are
// logged. The default discards.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithClock sets the clock that rate-limits log lines; tests pass a fake.
func WithClock(c clock.Clock) Option { return func(o *options) { o.clock = c } }

// WithQueueLen sets the capacity of the Events channel (DefaultQueueLen when
// n <= 0). It bounds what the Conn holds before it stops reading the bus.
func WithQueueLen(n int) Option { return func(o *options) { o.queueLen = n } }

// verdict is what the interceptor decided for one Notify call.
type verdict int

const (
	accepted verdict = iota + 1
	refused
	tooLong
)

type callKey struct {
	sender string
	serial uint32
}

// Conn is a private connection to a bus, speaking the phone API as a device.
type Conn struct {
	bus    *dbus.Conn
	log    *slog.Logger
	clock  clock.Clock
	events chan Event
	done   <-chan struct{}

	mu        sync.Mutex
	owner     string
	sawSignal bool // a NameOwnerChanged arrived, so it beats GetNameOwner
	verdicts  map[callKey]verdict
	lastWarn  time.Time
	warned    bool
	muted     int // refused calls not logged since lastWarn
}

// Dial opens a private connection to bus: "session" (or "") for the user's
// session bus (DBUS_SESSION_BUS_ADDRESS), "system" for the system bus, or a
// D-Bus address such as "unix:path=/run/user/1000/bus". It exports the
// Notify object, starts following the owner of com.Skype.API and returns.
// A host need not be present: Owner reports "" until one arrives.
func Dial(ctx context.Context, bus string, opts ...Option) (*Conn, error) {
	o := options{logger: slog.New(slog.DiscardHandler), clock: clock.Real, queueLen: DefaultQueueLen}
	for _, opt := range opts {
		opt(&o)
	}
	if o.queueLen <= 0 {
		o.queueLen = DefaultQueueLen
	}
	c := &Conn{
		log:      o.logger,
		clock:    o.clock,
		events:   make(chan Event, o.queueLen),
		verdicts: make(map[callKey]verdict),
	}
	dopts := []dbus.ConnOption{dbus.WithIncomingInterceptor(c.intercept)}
	var (
		bc  *dbus.Conn
		err error
	)
	switch {
	case bus == "" || bus == "session":
		bc, err = dbus.SessionBusPrivate(dopts...)
	case bus == "system":
		bc, err = dbus.SystemBusPrivate(dopts...)
	case strings.Contains(bus, ":"):
		bc, err = dbus.Dial(bus, dopts...)
	default:
		return nil, fmt.Errorf("%w %q: want session, system or a D-Bus address", ErrBadBus, bus)
	}
	if err != nil {
		return nil, fmt.Errorf("transport: connect to %s bus: %w", BusLabel(bus), err)
	}
	c.bus = bc
	c.done = bc.Context().Done()
	// Auth and Hello take no context: closing the connection is what
	// unblocks them when ctx ends first.
	stop := context.AfterFunc(ctx, func() { bc.Close() })
	defer stop()
	fail := func(what string, err error) (*Conn, error) {
		bc.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("transport: %s: %w", what, ctx.Err())
		}
		return nil, fmt.Errorf("transport: %s: %w", what, err)
	}
	if err := bc.Auth(nil); err != nil {
		return fail("authenticate", err)
	}
	if err := bc.Hello(); err != nil {
		return fail("hello", err)
	}
	if err := bc.Export(client{c}, ClientPath, ClientInterface); err != nil {
		return fail("export Notify", err)
	}
	if err := bc.Export(introspect.Introspectable(clientIntrospection), ClientPath, "org.freedesktop.DBus.Introspectable"); err != nil {
		return fail("export introspection", err)
	}
	// Match before asking, so no change falls between the answer and the
	// subscription.
	if err := bc.AddMatchSignalContext(ctx,
		dbus.WithMatchSender("org.freedesktop.DBus"),
		dbus.WithMatchInterface("org.freedesktop.DBus"),
		dbus.WithMatchMember("NameOwnerChanged"),
		dbus.WithMatchArg(0, HostName),
	); err != nil {
		return fail("watch "+HostName, err)
	}
	var owner string
	err = bc.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.GetNameOwner", 0, HostName).Store(&owner)
	if err != nil && !isNoOwner(err) {
		return fail("ask for the owner of "+HostName, err)
	}
	c.mu.Lock()
	if !c.sawSignal {
		c.owner = owner
	}
	c.mu.Unlock()
	return c, nil
}

// BusLabel names a bus setting for logs: "" is the session bus.
func BusLabel(bus string) string {
	if bus == "" {
		return "session"
	}
	return bus
}

func isNoOwner(err error) bool {
	var de dbus.Error
	if errors.As(err, &de) {
		return de.Name == "org.freedesktop.DBus.Error.NameHasNoOwner" || de.Name == "org.freedesktop.DBus.Error.ServiceUnknown"
	}
	var dep *dbus.Error
	if errors.As(err, &dep) {
		return dep.Name == "org.freedesktop.DBus.Error.NameHasNoOwner" || dep.Name == "org.freedesktop.DBus.Error.ServiceUnknown"
	}
	return false
}

// Invoke sends one command line to the host and returns its synchronous
// reply, which may be empty when the host answers through Notify. It does
// not start a host that is not running (no D-Bus activation).
func (c *Conn) Invoke(ctx context.Context, line string) (string, error) {
	call := c.bus.Object(HostName, HostPath).CallWithContext(ctx, HostInterface+".Invoke", dbus.FlagNoAutoStart, line)
	if call.Err != nil {
		switch {
		case ctx.Err() != nil:
			return "", fmt.Errorf("transport: invoke %q: %w", line, context.Cause(ctx))
		case isNoOwner(call.Err):
			return "", fmt.Errorf("transport: invoke %q: %w", line, ErrNoHost)
		case errors.Is(call.Err, dbus.ErrClosed) || !c.bus.Connected():
			return "", fmt.Errorf("transport: invoke %q: %w", line, ErrClosed)
		}
		return "", fmt.Errorf("transport: invoke %q: %w", line, call.Err)
	}
	var reply string
	if err := call.Store(&reply); err != nil {
		return "", fmt.Errorf("transport: invoke %q: reply: %w", line, err)
	}
	return reply, nil
}

// Events is the ordered stream of accepted notifications and owner changes.
// It is never closed: stop reading when Done is closed (after draining what
// is buffered, if the lines still matter).
func (c *Conn) Events() <-chan Event { return c.events }

// Done is closed when the connection is closed or lost.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Owner is the unique name of the current owner of com.Skype.API, "" when
// there is none.
func (c *Conn) Owner() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.owner
}

// UniqueName is this connection's unique bus name, the one the host sends
// Notify to.
func (c *Conn) UniqueName() string {
	names := c.bus.Names()
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// Close closes the connection. Blocked Invoke calls return ErrClosed.
func (c *Conn) Close() error {
	err := c.bus.Close()
	c.mu.Lock()
	clear(c.verdicts)
	c.mu.Unlock()
	if err != nil {
		return fmt.Errorf("transport: close: %w", err)
	}
	return nil
}

// intercept runs on godbus's reading goroutine for every incoming message,
// in wire order, before godbus dispatches it. See the package doc.
func (c *Conn) intercept(msg *dbus.Message) {
	switch msg.Type {
	case dbus.TypeSignal:
		c.interceptSignal(msg)
	case dbus.TypeMethodCall:
		c.interceptCall(msg)
	}
}

func header(msg *dbus.Message, f dbus.HeaderField) string {
	v, ok := msg.Headers[f]
	if !ok {
		return ""
	}
	switch s := v.Value().(type) {
	case string:
		return s
	case dbus.ObjectPath:
		return string(s)
	}
	return ""
}

func (c *Conn) interceptSignal(msg *dbus.Message) {
	// The bus daemon sets the sender field itself, so a client cannot
	// forge a NameOwnerChanged from org.freedesktop.DBus.
	if header(msg, dbus.FieldSender) != "org.freedesktop.DBus" ||
		header(msg, dbus.FieldInterface) != "org.freedesktop.DBus" ||
		header(msg, dbus.FieldMember) != "NameOwnerChanged" || len(msg.Body) != 3 {
		return
	}
	name, _ := msg.Body[0].(string)
	newOwner, ok := msg.Body[2].(string)
	if name != HostName || !ok {
		return
	}
	c.mu.Lock()
	c.sawSignal = true
	changed := c.owner != newOwner
	c.owner = newOwner
	c.mu.Unlock()
	if changed {
		c.push(Event{Kind: OwnerChanged, Owner: newOwner})
	}
}

func (c *Conn) interceptCall(msg *dbus.Message) {
	if dbus.ObjectPath(header(msg, dbus.FieldPath)) != ClientPath || header(msg, dbus.FieldMember) != "Notify" {
		return
	}
	if iface := header(msg, dbus.FieldInterface); iface != "" && iface != ClientInterface {
		return
	}
	if len(msg.Body) != 1 {
		return // godbus answers InvalidArgs
	}
	line, ok := msg.Body[0].(string)
	if !ok {
		return
	}
	sender := header(msg, dbus.FieldSender)
	key := callKey{sender, msg.Serial()}

	c.mu.Lock()
	owner := c.owner
	var v verdict
	switch {
	case sender == "" || sender != owner:
		v = refused
	case len(line) > phoneapi.MaxLineLen:
		v = tooLong
	default:
		v = accepted
	}
	c.verdicts[key] = v
	c.mu.Unlock()

	switch v {
	case accepted:
		c.push(Event{Kind: Line, Line: line})
	case refused:
		c.warnRefused(sender, owner)
	case tooLong:
		c.log.Warn("transport: dropped an over-long notification from the host", "bytes", len(line), "max", phoneapi.MaxLineLen)
	}
}

// push queues an event, blocking while the queue is full: this is the
// backpressure described in the package doc.
func (c *Conn) push(ev Event) {
	select {
	case c.events <- ev:
	case <-c.done:
	}
}

func (c *Conn) warnRefused(sender, owner string) {
	now := c.clock.Now()
	c.mu.Lock()
	if c.warned && now.Sub(c.lastWarn) < refusedLogEvery {
		c.muted++
		c.mu.Unlock()
		return
	}
	muted := c.muted
	c.warned, c.lastWarn, c.muted = true, now, 0
	c.mu.Unlock()
	if owner == "" {
		owner = "(none)"
	}
	c.log.Warn("transport: refused Notify from a connection that does not own "+HostName,
		"sender", sender, "owner", owner, "suppressed", muted)
}

func (c *Conn) takeVerdict(sender string, serial uint32) verdict {
	key := callKey{sender, serial}
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.verdicts[key]
	if !ok {
		return refused
	}
	delete(c.verdicts, key)
	return v
}

// client is the object exported at /com/Skype/Client.
type client struct{ c *Conn }

// Notify returns the verdict the interceptor recorded for this call; the
// line itself was queued there, in order.
func (cl client) Notify(m dbus.Message, line string) *dbus.Error {
	sender := header(&m, dbus.FieldSender)
	switch cl.c.takeVerdict(sender, m.Serial()) {
	case accepted:
		return nil
	case tooLong:
		return dbus.NewError(ErrorTooLong, []any{fmt.Sprintf("notification longer than %d bytes", phoneapi.MaxLineLen)})
	}
	return dbus.NewError(ErrorNotAllowed, []any{"only the owner of " + HostName + " may notify this client"})
}

const clientIntrospection = `<node>
  <interface name="` + ClientInterface + `">
    <method name="Notify">
      <arg name="notification" type="s" direction="in"/>
    </method>
  </interface>` + introspect.IntrospectDataString + `</node>`

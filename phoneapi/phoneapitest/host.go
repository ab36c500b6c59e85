package phoneapitest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/godbus/dbus/v5"

	"handsetd/internal/clock"
	"handsetd/phoneapi"
)

// The D-Bus names of the phone API, repeated here rather than imported so
// that the test host shares no code with the client it checks.
const (
	hostName        = "com.Skype.API"
	hostPath        = dbus.ObjectPath("/com/Skype")
	hostInterface   = "com.Skype.API"
	clientPath      = dbus.ObjectPath("/com/Skype/Client")
	clientInterface = "com.Skype.API.Client"
)

// maxProtocol is the highest protocol the reference host speaks.
const maxProtocol = 5

var (
	// ErrNameTaken means another connection already owns com.Skype.API.
	ErrNameTaken = errors.New("phoneapitest: " + hostName + " is owned by another connection")
	// ErrNoCall means the call a host action names does not exist or is not
	// in a state the action applies to.
	ErrNoCall = errors.New("phoneapitest: no such call")
	// ErrClosed means the host was closed.
	ErrClosed = errors.New("phoneapitest: host closed")
)

// Received is one command line a client sent with Invoke.
type Received struct {
	Sender string // the client's unique bus name
	Line   string // as received, with its "#id " if any
	ID     string // the command identifier, "" when none
	// Cmd is the parsed command, nil when the line did not parse.
	Cmd phoneapi.Command
}

// Text is the command without its identifier.
func (r Received) Text() string {
	_, rest, _ := phoneapi.SplitID(r.Line)
	return rest
}

// Client is a connection that attached with NAME.
type Client struct {
	Sender   string
	Name     string
	Protocol int
}

// Call is the host's view of one call.
type Call struct {
	ID       int
	Type     string // INCOMING_P2P, INCOMING_PSTN, OUTGOING_P2P, OUTGOING_PSTN
	Status   string
	Partner  string
	DispName string
}

// Incoming reports whether the call was placed by the partner.
func (c Call) Incoming() bool { return strings.HasPrefix(c.Type, "INCOMING") }

// ended reports whether the call reached a final status.
func (c Call) ended() bool {
	switch c.Status {
	case "FINISHED", "MISSED", "REFUSED", "CANCELLED", "FAILED", "BUSY":
		return true
	}
	return strings.HasPrefix(c.Status, "VM_")
}

// HostOption configures Start.
type HostOption func(*Host)

// WithLogger sets where the host logs what it does. The default discards.
func WithLogger(l *slog.Logger) HostOption { return func(h *Host) { h.log = l } }

// WithClock sets the clock that times script pauses.
func WithClock(c clock.Clock) HostOption { return func(h *Host) { h.clock = c } }

// Refusing makes the host answer NAME with ERROR 68, as when the user
// declines the access prompt.
func Refusing() HostOption { return func(h *Host) { h.refuse = true } }

// Offline makes the host answer NAME with CONNSTATUS OFFLINE.
func Offline() HostOption { return func(h *Host) { h.offline = true } }

// Silent makes the host record commands and never answer them.
func Silent() HostOption { return func(h *Host) { h.silent = true } }

// RepliesViaNotify makes the host answer commands that carry an id through
// Notify (before Invoke returns, with an empty Invoke result), as the
// reference allows.
func RepliesViaNotify() HostOption { return func(h *Host) { h.viaNotify = true } }

// WithoutPhoneActions turns off what the host does with a phone's input
// beyond answering OK: by default HOOK OFF or YES answers a ringing incoming
// call, HOOK ON or NO ends the current call, and MUTE sets the host's mute,
// as the softphone did with handsets.
func WithoutPhoneActions() HostOption { return func(h *Host) { h.noPhoneActions = true } }

// OnCommand calls f for every command received, after it is recorded and
// before it is answered. The interactive host prints with it.
func OnCommand(f func(Received)) HostOption { return func(h *Host) { h.onCommand = f } }

// OnNotify calls f for every notification the host sends, before it is
// sent. The interactive host prints with it.
func OnNotify(f func(dest, line string)) HostOption { return func(h *Host) { h.onNotify = f } }

// Host is a phone-API host (a stand-in for the softphone) on a real bus: it
// owns com.Skype.API, records every command, answers like the reference and
// plays calls. It needs no *testing.T, so programs use it too; NewHost wraps
// it for tests. All methods are safe for concurrent use.
type Host struct {
	log   *slog.Logger
	clock clock.Clock
	conn  *dbus.Conn

	onCommand func(Received)
	onNotify  func(dest, line string)

	// notifyMu keeps notifications on the wire in the order they were made.
	notifyMu sync.Mutex
	wg       sync.WaitGroup // reapers of sent notifications
	closed   chan struct{}
	once     sync.Once

	mu             sync.Mutex
	refuse         bool
	offline        bool
	silent         bool
	viaNotify      bool
	noPhoneActions bool
	owning         bool
	cmds           []Received
	changed        chan struct{} // closed and replaced when cmds grows
	clients        map[string]*Client
	order          []string // client senders in attach order
	calls          map[int]*Call
	nextCall       int
	mute           bool
}

// Start connects to the bus at address, exports the host object and takes
// com.Skype.API.
func Start(ctx context.Context, address string, opts ...HostOption) (*Host, error) {
	h := &Host{
		log:      slog.New(slog.DiscardHandler),
		clock:    clock.Real,
		closed:   make(chan struct{}),
		changed:  make(chan struct{}),
		clients:  make(map[string]*Client),
		calls:    make(map[int]*Call),
		nextCall: 100,
	}
	for _, o := range opts {
		o(h)
	}
	conn, err := dbus.Dial(address, dbus.WithContext(context.Background()))
	if err != nil {
		return nil, fmt.Errorf("phoneapitest: connect to %s: %w", address, err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if err := conn.Auth(nil); err != nil {
		conn.Close()
		return nil, fmt.Errorf("phoneapitest: authenticate: %w", err)
	}
	if err := conn.Hello(); err != nil {
		conn.Close()
		return nil, fmt.Errorf("phoneapitest: hello: %w", err)
	}
	h.conn = conn
	if err := h.watchClients(); err != nil {
		conn.Close()
		return nil, err
	}
	if err := conn.Export(hostObject{h}, hostPath, hostInterface); err != nil {
		conn.Close()
		return nil, fmt.Errorf("phoneapitest: export: %w", err)
	}
	if err := h.Return(); err != nil {
		conn.Close()
		return nil, err
	}
	return h, nil
}

// watchClients forgets a client when its connection closes, as the
// softphone does: notifications to it would fail, and a re-plugged
// handset attaches on a new connection.
func (h *Host) watchClients() error {
	if err := h.conn.AddMatchSignal(
		dbus.WithMatchSender("org.freedesktop.DBus"),
		dbus.WithMatchInterface("org.freedesktop.DBus"),
		dbus.WithMatchMember("NameOwnerChanged"),
	); err != nil {
		return fmt.Errorf("phoneapitest: watch clients: %w", err)
	}
	signals := make(chan *dbus.Signal, 64)
	h.conn.Signal(signals)
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		for {
			select {
			case sig, ok := <-signals:
				if !ok {
					return // the connection closed
				}
				if sig == nil || sig.Name != "org.freedesktop.DBus.NameOwnerChanged" || len(sig.Body) != 3 {
					continue
				}
				name, _ := sig.Body[0].(string)
				newOwner, _ := sig.Body[2].(string)
				if newOwner == "" {
					h.forget(name)
				}
			case <-h.closed:
				return
			}
		}
	}()
	return nil
}

// forget drops a client whose connection closed.
func (h *Host) forget(sender string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.clients[sender]; !ok {
		return
	}
	delete(h.clients, sender)
	h.order = slices.DeleteFunc(h.order, func(s string) bool { return s == sender })
}

// UniqueName is the host connection's unique bus name, the sender of its
// notifications.
func (h *Host) UniqueName() string { return h.conn.Names()[0] }

// Leave releases com.Skype.API, as a softphone that quits, but keeps the
// connection: clients see the host go away. Attached clients are forgotten.
func (h *Host) Leave() error {
	h.mu.Lock()
	h.owning = false
	clear(h.clients)
	h.order = nil
	h.mu.Unlock()
	if _, err := h.conn.ReleaseName(hostName); err != nil {
		return fmt.Errorf("phoneapitest: release %s: %w", hostName, err)
	}
	return nil
}

// Return takes com.Skype.API again after Leave, as a softphone that starts.
func (h *Host) Return() error {
	r, err := h.conn.RequestName(hostName, dbus.NameFlagDoNotQueue)
	if err != nil {
		return fmt.Errorf("phoneapitest: request %s: %w", hostName, err)
	}
	if r != dbus.RequestNameReplyPrimaryOwner && r != dbus.RequestNameReplyAlreadyOwner {
		return ErrNameTaken
	}
	h.mu.Lock()
	h.owning = true
	h.mu.Unlock()
	return nil
}

// Close disconnects the host; a host that never answers stops blocking.
func (h *Host) Close() error {
	h.once.Do(func() {
		h.mu.Lock()
		close(h.closed)
		h.mu.Unlock()
		h.conn.Close()
		h.wg.Wait()
	})
	return nil
}

// SetRefusing, SetOffline, SetSilent and SetRepliesViaNotify change the
// behaviour chosen with the options of the same name, for later commands.
func (h *Host) SetRefusing(on bool) { h.mu.Lock(); h.refuse = on; h.mu.Unlock() }

// SetOffline: see SetRefusing.
func (h *Host) SetOffline(on bool) { h.mu.Lock(); h.offline = on; h.mu.Unlock() }

// SetSilent: see SetRefusing.
func (h *Host) SetSilent(on bool) { h.mu.Lock(); h.silent = on; h.mu.Unlock() }

// SetRepliesViaNotify: see SetRefusing.
func (h *Host) SetRepliesViaNotify(on bool) { h.mu.Lock(); h.viaNotify = on; h.mu.Unlock() }

// Commands returns every command received so far, in arrival order.
func (h *Host) Commands() []Received {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.cmds)
}

// WaitCommand waits for a command that matches, among those received so far
// and those to come, and returns the first one.
func (h *Host) WaitCommand(ctx context.Context, match func(Received) bool) (Received, error) {
	return h.WaitCommandAfter(ctx, 0, match)
}

// WaitCommandAfter is WaitCommand ignoring the first n commands (n is
// typically len(Commands()) taken before acting).
func (h *Host) WaitCommandAfter(ctx context.Context, n int, match func(Received) bool) (Received, error) {
	for {
		h.mu.Lock()
		for i := n; i < len(h.cmds); i++ {
			if match(h.cmds[i]) {
				r := h.cmds[i]
				h.mu.Unlock()
				return r, nil
			}
		}
		if len(h.cmds) > n {
			n = len(h.cmds)
		}
		changed := h.changed
		h.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return Received{}, fmt.Errorf("phoneapitest: wait for command: %w", ctx.Err())
		case <-h.closed:
			return Received{}, ErrClosed
		}
	}
}

// Text matches a command by its text without identifier, as in
// WaitCommand(ctx, Text("HOOK OFF")).
func Text(s string) func(Received) bool {
	return func(r Received) bool { return r.Text() == s }
}

// Verb matches a command by its verb.
func Verb(v string) func(Received) bool {
	return func(r Received) bool { return r.Cmd != nil && r.Cmd.Verb() == v }
}

// Clients returns the attached clients, in attach order.
func (h *Host) Clients() []Client {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]Client, 0, len(h.order))
	for _, s := range h.order {
		out = append(out, *h.clients[s])
	}
	return out
}

// WaitClients waits until at least n clients are attached (NAME accepted
// and PROTOCOL negotiated).
func (h *Host) WaitClients(ctx context.Context, n int) ([]Client, error) {
	for {
		h.mu.Lock()
		count := 0
		for _, c := range h.clients {
			if c.Protocol > 1 {
				count++
			}
		}
		changed := h.changed
		h.mu.Unlock()
		if count >= n {
			return h.Clients(), nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, fmt.Errorf("phoneapitest: wait for %d clients: %w", n, ctx.Err())
		case <-h.closed:
			return nil, ErrClosed
		}
	}
}

// Calls returns the calls the host knows, by id.
func (h *Host) Calls() []Call {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]Call, 0, len(h.calls))
	for _, c := range h.calls {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b Call) int { return a.ID - b.ID })
	return out
}

// Muted reports the host's microphone mute.
func (h *Host) Muted() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.mute
}

// hostObject is exported at /com/Skype.
type hostObject struct{ h *Host }

// Invoke answers one command line. godbus calls it in a goroutine per call.
func (o hostObject) Invoke(sender dbus.Sender, line string) (string, *dbus.Error) {
	return o.h.invoke(string(sender), line)
}

func (h *Host) invoke(sender, line string) (string, *dbus.Error) {
	id, rest, _ := phoneapi.SplitID(line)
	cmd, perr := phoneapi.ParseCommand(rest)
	r := Received{Sender: sender, Line: line, ID: id, Cmd: cmd}
	h.log.Info("phoneapitest: command", "sender", sender, "line", line)

	h.mu.Lock()
	silent, viaNotify := h.silent, h.viaNotify
	h.mu.Unlock()
	if silent {
		h.record(r)
		// Never answer: the client must time out on its own. Closing the
		// host releases the goroutine godbus started for this call.
		<-h.closed
		return "", dbus.MakeFailedError(ErrClosed)
	}

	var reply phoneapi.Message
	var notes []string
	if perr != nil {
		reply = phoneapi.ErrorMsg{Code: 1, Text: "General syntax error"}
	} else {
		reply, notes = h.answer(sender, cmd)
	}
	// Recorded once applied: a test that waited for the command sees the
	// call state it caused (HOOK ON ends the call before WaitCommand
	// returns).
	h.record(r)
	text := phoneapi.FormatMessage(id, reply)
	if id != "" && viaNotify {
		// The reply travels through Notify and arrives before Invoke
		// returns, the harder of the two orders for a client.
		if err := h.Notify(context.Background(), sender, text); err != nil {
			h.log.Warn("phoneapitest: reply through Notify failed", "to", sender, "err", err)
		}
		text = ""
	}
	h.broadcast(notes)
	return text, nil
}

// record adds a command to the log and wakes those waiting for one.
func (h *Host) record(r Received) {
	h.mu.Lock()
	h.cmds = append(h.cmds, r)
	close(h.changed)
	h.changed = make(chan struct{})
	h.mu.Unlock()
	if h.onCommand != nil {
		h.onCommand(r)
	}
}

// answer computes the reply to one command and the notifications it causes
// for every attached client.
func (h *Host) answer(sender string, cmd phoneapi.Command) (phoneapi.Message, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	cl := h.clients[sender]
	if _, isName := cmd.(phoneapi.NameCmd); !isName && cl == nil {
		return phoneapi.ErrorMsg{Code: 68, Text: "Access denied"}, nil
	}
	switch c := cmd.(type) {
	case phoneapi.NameCmd:
		switch {
		case h.refuse:
			return phoneapi.ErrorMsg{Code: 68, Text: "Access denied"}, nil
		case h.offline:
			return phoneapi.ConnStatusMsg{Status: "OFFLINE"}, nil
		}
		if cl == nil {
			h.order = append(h.order, sender)
		}
		h.clients[sender] = &Client{Sender: sender, Name: c.Name, Protocol: 1}
		return phoneapi.OKMsg{}, nil
	case phoneapi.ProtocolCmd:
		cl.Protocol = min(max(c.Version, 1), maxProtocol)
		return phoneapi.ProtocolMsg{Version: cl.Protocol}, nil
	case phoneapi.PingCmd:
		return phoneapi.PongMsg{}, nil
	case phoneapi.AudioInCmd:
		return phoneapi.AudioInMsg(c), nil
	case phoneapi.AudioOutCmd:
		return phoneapi.AudioOutMsg(c), nil
	case phoneapi.HookCmd:
		if h.noPhoneActions {
			return phoneapi.OKMsg{}, nil
		}
		if c.OffHook {
			return phoneapi.OKMsg{}, h.answerRingingLocked()
		}
		return phoneapi.OKMsg{}, h.endCurrentLocked()
	case phoneapi.BtnPressedCmd:
		if h.noPhoneActions {
			return phoneapi.OKMsg{}, nil
		}
		switch c.Key {
		case "YES":
			return phoneapi.OKMsg{}, h.answerRingingLocked()
		case "NO":
			return phoneapi.OKMsg{}, h.endCurrentLocked()
		}
		return phoneapi.OKMsg{}, nil
	case phoneapi.BtnReleasedCmd:
		return phoneapi.OKMsg{}, nil
	case phoneapi.MuteCmd:
		if h.noPhoneActions {
			return phoneapi.OKMsg{}, nil
		}
		return phoneapi.OKMsg{}, h.setMuteLocked(c.On)
	case phoneapi.SetMuteCmd:
		return phoneapi.MuteMsg(c), h.setMuteLocked(c.On)
	case phoneapi.GetCallCmd:
		return h.getCallLocked(c), nil
	case phoneapi.AlterCallCmd:
		return h.alterCallLocked(c)
	case phoneapi.CallCmd:
		call, notes := h.placeLocked(c.Target)
		return phoneapi.CallMsg{ID: call.ID, Property: "STATUS", Value: "ROUTING"}, notes
	case phoneapi.RawCmd:
		if strings.EqualFold(strings.Join(strings.Fields(c.Line), " "), "SEARCH ACTIVECALLS") {
			return h.activeCallsLocked(), nil
		}
	}
	return phoneapi.ErrorMsg{Code: 2, Text: "Unknown command"}, nil
}

// activeCallsLocked answers SEARCH ACTIVECALLS: "CALLS 101, 102", the
// calls that have not ended in id order, or "CALLS" when there is none. A
// device re-plugged mid-call asks it to show the call again.
func (h *Host) activeCallsLocked() phoneapi.Message {
	ids := make([]int, 0, len(h.calls))
	for id, c := range h.calls {
		if !c.ended() {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	line := "CALLS"
	for i, id := range ids {
		if i == 0 {
			line += " "
		} else {
			line += ", "
		}
		line += strconv.Itoa(id)
	}
	return phoneapi.UnknownMsg{Line: line}
}

func (h *Host) getCallLocked(c phoneapi.GetCallCmd) phoneapi.Message {
	call := h.calls[c.ID]
	if call == nil {
		return phoneapi.ErrorMsg{Code: 12, Text: "Unknown call"}
	}
	var v string
	switch c.Property {
	case "STATUS":
		v = call.Status
	case "TYPE":
		v = call.Type
	case "PARTNER_HANDLE":
		v = call.Partner
	case "PARTNER_DISPNAME":
		v = call.DispName
	default:
		return phoneapi.ErrorMsg{Code: 13, Text: "Invalid PROP"}
	}
	return phoneapi.CallMsg{ID: call.ID, Property: c.Property, Value: v}
}

func (h *Host) alterCallLocked(c phoneapi.AlterCallCmd) (phoneapi.Message, []string) {
	call := h.calls[c.ID]
	if call == nil || call.ended() {
		return phoneapi.ErrorMsg{Code: 20, Text: "Unknown call"}, nil
	}
	echo := phoneapi.UnknownMsg{Line: c.String()}
	var notes []string
	var err error
	switch c.Action {
	case "ANSWER":
		if !call.Incoming() {
			err = ErrNoCall
		} else {
			notes, err = h.answerLocked(call.ID)
		}
		if err != nil {
			return phoneapi.ErrorMsg{Code: 23, Text: "Cannot answer this call at the moment"}, nil
		}
	case "HOLD":
		notes, err = h.holdLocked(call.ID)
		if err != nil {
			return phoneapi.ErrorMsg{Code: 22, Text: "Cannot hold this call at the moment"}, nil
		}
	case "RESUME":
		notes, err = h.resumeLocked(call.ID)
		if err != nil {
			return phoneapi.ErrorMsg{Code: 23, Text: "Cannot resume this call at the moment"}, nil
		}
	case "HANGUP", "END":
		if c.Action == "END" && !(call.Incoming() && call.Status == "RINGING") {
			return phoneapi.ErrorMsg{Code: 24, Text: "Cannot end this call"}, nil
		}
		notes = h.hangupLocked(call.ID, true)
	case "DTMF":
		if len(c.Arg) != 1 || !strings.Contains("0123456789*#", c.Arg) || call.Status != "INPROGRESS" {
			return phoneapi.ErrorMsg{Code: 21, Text: "Unknown/disallowed call prop"}, nil
		}
	default:
		return phoneapi.ErrorMsg{Code: 21, Text: "Unknown/disallowed call prop"}, nil
	}
	return echo, notes
}

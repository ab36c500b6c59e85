package phone

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"handsetd/devices"
	"handsetd/internal/clock"
	"handsetd/phoneapi"
	"handsetd/phoneapi/calls"
)

// Mode selects how user actions are reported to the host.
type Mode int

const (
	// ModePhone reports what the user does (HOOK, BTN_PRESSED/RELEASED,
	// MUTE) and lets the host decide: the phone API's own device mode.
	ModePhone Mode = iota
	// ModeAccess controls calls directly (ALTER CALL ... ANSWER, CALL
	// <digits>, DTMF, SET MUTE) for hosts that do not implement phone mode.
	ModeAccess
)

func (m Mode) String() string {
	if m == ModeAccess {
		return "access"
	}
	return "phone"
}

// ParseMode reads "phone" or "access".
func ParseMode(s string) (Mode, error) {
	switch s {
	case "phone", "":
		return ModePhone, nil
	case "access":
		return ModeAccess, nil
	}
	return 0, fmt.Errorf("phone: unknown mode %q (want phone or access)", s)
}

// Host is the phone-API host as the phone needs it. The session package
// implements it over D-Bus; other hosts (baresip) translate.
type Host interface {
	// Send sends one command and returns the host's reply.
	Send(ctx context.Context, c phoneapi.Command) (phoneapi.Message, error)
}

// Tones plays local telephone tones in the handset's earpiece. It is
// optional; a nil Tones plays nothing.
type Tones interface {
	// DialTone switches the dial tone (access mode, off hook, no call).
	DialTone(on bool)
	// KeyTone plays the DTMF feedback for a key press.
	KeyTone(key string)
	// RingTone rings through the earpiece or speaker, for handsets that
	// have no ringer or buzzer of their own.
	RingTone(on bool)
	// CallAudio says whether the host's call audio is running, during
	// which local tones must not take the handset's sound device.
	CallAudio(active bool)
	// Progress plays a call-progress tone (ringback, busy, congestion),
	// or stops it, for hosts that do not play their own.
	Progress(p Progress)
}

// Progress is a call-progress tone.
type Progress int

const (
	ProgressNone Progress = iota
	// ProgressRingback: an outgoing call rings at the far end.
	ProgressRingback
	// ProgressBusy: the far end was busy.
	ProgressBusy
	// ProgressCongestion: the call failed.
	ProgressCongestion
)

func (p Progress) String() string {
	return [...]string{"none", "ringback", "busy", "congestion"}[p]
}

// progressHold is how long busy or congestion plays when the user does not
// hang up: long enough to be heard, short enough not to annoy.
const progressHold = 10 * time.Second

// Config configures a Phone.
type Config struct {
	Mode    Mode
	Handset devices.Handset
	Host    Host
	Clock   clock.Clock
	Logger  *slog.Logger
	Tones   Tones
	// DigitTimeout dials the collected digits this long after the last one
	// (access mode). Zero means 4 s.
	DigitTimeout time.Duration
	// ReplyTimeout bounds each command's wait for its reply. Zero means 5 s.
	ReplyTimeout time.Duration
	// AudioIn and AudioOut, when set, are reported with AUDIO_IN and
	// AUDIO_OUT after every attach.
	AudioIn, AudioOut string
	// QueueLen bounds the commands waiting for the host. Zero means 256.
	QueueLen int
	// FlushTimeout bounds how long Run, when it returns, waits for queued
	// commands to reach the host. Zero means twice ReplyTimeout.
	FlushTimeout time.Duration
	// ProgressTones plays ringback, busy and congestion locally, for
	// hosts that report call progress but play no tones themselves.
	ProgressTones bool
	// DialToneInPhoneMode plays the dial tone off hook with no call in
	// phone mode too, until a key, a call or hook-on (access mode always
	// plays it while it collects digits).
	DialToneInPhoneMode bool
}

// Counters are what a Phone has done, for tests and the status output.
type Counters struct {
	CommandsSent    uint64
	CommandsFailed  uint64
	CommandsDropped uint64
}

// Phone joins one handset to one host.
type Phone struct {
	cfg    Config
	log    *slog.Logger
	inputs chan input
	cmds   chan phoneapi.Command

	// Owned by Run's goroutine.
	tracker    *calls.Tracker
	attached   bool
	hookOff    bool
	muted      bool
	ringing    bool
	callAudio  bool
	offHookLED bool
	holdLED    bool
	display    string
	digits     strings.Builder
	// Timers wake Run through wake, a one-slot channel: an expiry is
	// never lost to a full input queue, and Run compares the deadlines
	// with the clock, so a stopped timer's late wake-up does nothing.
	wake          chan struct{}
	digitTimer    clock.Timer
	digitDeadline time.Time
	dialTone      bool
	progress      Progress // playing now
	ended         Progress // busy or congestion after an outgoing call ended
	endedTimer    clock.Timer
	endedDeadline time.Time
	indicators    map[devices.Indicator]bool
	askedType     map[int]bool
	pressedKeys   map[string]int
	// droppedPress holds keys whose press did not fit the queue: their
	// release is dropped too.
	droppedPress map[string]bool

	mu       sync.Mutex
	counters Counters
}

type inputKind int

const (
	inEvent inputKind = iota
	inMessage
	inAttached
	inDetached
	inSync
	inActiveCalls
)

type input struct {
	kind  inputKind
	event devices.Event
	msg   phoneapi.Message
	ids   []int
	done  chan struct{}
}

// New returns a Phone; Run starts it.
func New(cfg Config) *Phone {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.DigitTimeout == 0 {
		cfg.DigitTimeout = 4 * time.Second
	}
	if cfg.ReplyTimeout == 0 {
		cfg.ReplyTimeout = 5 * time.Second
	}
	if cfg.QueueLen == 0 {
		cfg.QueueLen = 256
	}
	if cfg.FlushTimeout == 0 {
		cfg.FlushTimeout = 2 * cfg.ReplyTimeout
	}
	p := &Phone{
		cfg:         cfg,
		log:         cfg.Logger,
		inputs:      make(chan input, 64),
		wake:        make(chan struct{}, 1),
		cmds:        make(chan phoneapi.Command, cfg.QueueLen),
		tracker:     calls.New(),
		indicators:  map[devices.Indicator]bool{},
		askedType:   map[int]bool{},
		pressedKeys: map[string]int{},

		droppedPress: map[string]bool{},
	}
	for _, ind := range cfg.Handset.Indicators() {
		p.indicators[ind] = false
	}
	return p
}

// HandsetEvent hands one user action to the phone. It blocks only while the
// phone's input queue is full, and returns false when ctx ends first.
func (p *Phone) HandsetEvent(ctx context.Context, ev devices.Event) bool {
	return p.put(ctx, input{kind: inEvent, event: ev})
}

// HostMessage hands one notification from the host to the phone.
func (p *Phone) HostMessage(ctx context.Context, m phoneapi.Message) bool {
	return p.put(ctx, input{kind: inMessage, msg: m})
}

// HostAttached tells the phone the host accepted it (again): the phone
// re-sends its state.
func (p *Phone) HostAttached(ctx context.Context) bool {
	return p.put(ctx, input{kind: inAttached})
}

// HostDetached tells the phone the host went away: ringing stops and the
// call indicators clear.
func (p *Phone) HostDetached(ctx context.Context) bool {
	return p.put(ctx, input{kind: inDetached})
}

// Sync waits until every input handed to the phone before it has been
// processed. Tests use it instead of sleeping.
func (p *Phone) Sync(ctx context.Context) bool {
	done := make(chan struct{})
	if !p.put(ctx, input{kind: inSync, done: done}) {
		return false
	}
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

// Counters returns a snapshot of the phone's counters.
func (p *Phone) Counters() Counters {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counters
}

func (p *Phone) put(ctx context.Context, in input) bool {
	select {
	case p.inputs <- in:
		return true
	case <-ctx.Done():
		return false
	}
}

// Run processes the phone's inputs until ctx ends. On return every
// indicator is off and the commands queued before the end have been given
// to the host (within their reply timeout).
func (p *Phone) Run(ctx context.Context) error {
	senderDone := make(chan struct{})
	sendCtx, stopSender := context.WithCancel(context.WithoutCancel(ctx))
	go func() {
		defer close(senderDone)
		p.sendLoop(sendCtx)
	}()
	defer func() {
		p.stopDigits()
		stopTimer(&p.endedTimer)
		p.allIndicatorsOff()
		close(p.cmds)
		// Flush what is queued (a BTN_RELEASED after an unplug), but do
		// not outlive a dead host for long.
		t := time.AfterFunc(p.cfg.FlushTimeout, stopSender)
		<-senderDone
		t.Stop()
		stopSender()
	}()
	for {
		select {
		case <-ctx.Done():
			// What was handed over before the end still counts (the
			// release of a key held when the handset was unplugged).
			for n := len(p.inputs); n > 0; n-- {
				p.handle(ctx, <-p.inputs)
			}
			return ctx.Err()
		case in := <-p.inputs:
			p.handle(ctx, in)
		case <-p.wake:
			p.expire()
		}
	}
}

// armTimer starts (or restarts) a timer that wakes Run after d.
func (p *Phone) armTimer(t *clock.Timer, d time.Duration) time.Time {
	if *t != nil {
		(*t).Stop()
	}
	*t = p.cfg.Clock.AfterFunc(d, func() {
		select {
		case p.wake <- struct{}{}:
		default: // a wake-up is pending; it covers this expiry too
		}
	})
	return p.cfg.Clock.Now().Add(d)
}

// expire acts on the deadlines that have passed.
func (p *Phone) expire() {
	now := p.cfg.Clock.Now()
	if !p.digitDeadline.IsZero() && !now.Before(p.digitDeadline) {
		p.digitDeadline = time.Time{}
		if p.digits.Len() > 0 {
			p.dialDigits()
		}
	}
	if !p.endedDeadline.IsZero() && !now.Before(p.endedDeadline) {
		p.endedDeadline = time.Time{}
		p.ended = ProgressNone
		p.refresh()
	}
}

func stopTimer(t *clock.Timer) {
	if *t != nil {
		(*t).Stop()
		*t = nil
	}
}

func (p *Phone) handle(ctx context.Context, in input) {
	switch in.kind {
	case inEvent:
		p.onEvent(in.event)
	case inMessage:
		p.onMessage(in.msg)
	case inAttached:
		p.onAttached()
	case inDetached:
		p.onDetached()
	case inSync:
		close(in.done)
	case inActiveCalls:
		// After a re-attach the host does not repeat its calls' state:
		// ask, so a handset re-plugged mid-call shows the call again.
		for _, id := range in.ids {
			p.send(phoneapi.GetCallCmd{ID: id, Property: "TYPE"})
			p.send(phoneapi.GetCallCmd{ID: id, Property: "STATUS"})
		}
	}
}

// releaseReserve is the room a full command queue keeps for releases,
// hook and mute changes: presses stop being queued first, so that every
// press the host was sent is followed by its release.
const releaseReserve = 16

// send queues a command for the host; the queue never blocks the phone.
// When the host falls behind, presses are dropped first (with their
// releases), and other commands only when even the reserve is full.
func (p *Phone) send(c phoneapi.Command) {
	if !p.attached {
		return
	}
	switch c := c.(type) {
	case phoneapi.BtnPressedCmd:
		if len(p.cmds) >= cap(p.cmds)-min(releaseReserve, cap(p.cmds)/2) {
			p.droppedPress[c.Key] = true
			p.dropped(c)
			return
		}
	case phoneapi.BtnReleasedCmd:
		if p.droppedPress[c.Key] {
			delete(p.droppedPress, c.Key)
			p.dropped(c)
			return
		}
	}
	select {
	case p.cmds <- c:
	default:
		p.dropped(c)
	}
}

func (p *Phone) dropped(c phoneapi.Command) {
	p.mu.Lock()
	p.counters.CommandsDropped++
	p.mu.Unlock()
	p.log.Warn("host is not keeping up: command dropped", "command", c.String())
}

func (p *Phone) sendLoop(ctx context.Context) {
	for c := range p.cmds {
		if ctx.Err() != nil {
			p.mu.Lock()
			p.counters.CommandsDropped++
			p.mu.Unlock()
			continue
		}
		rctx, cancel := context.WithTimeout(ctx, p.cfg.ReplyTimeout)
		reply, err := p.cfg.Host.Send(rctx, c)
		cancel()
		p.mu.Lock()
		if err != nil {
			p.counters.CommandsFailed++
		} else {
			p.counters.CommandsSent++
		}
		p.mu.Unlock()
		if err != nil {
			var herr phoneapi.ErrorMsg
			if c == phoneapi.Command(searchActiveCalls) && errors.As(err, &herr) {
				// An optional query: hosts without it just have no
				// calls to restore.
				p.log.Debug("host cannot list its calls", "code", herr.Code, "error", herr.Text)
			} else if errors.As(err, &herr) {
				p.log.Warn("host refused command", "command", c.String(), "code", herr.Code, "error", herr.Text)
			} else {
				p.log.Warn("command failed", "command", c.String(), "err", err)
			}
			continue
		}
		p.log.Debug("command sent", "command", c.String(), "reply", phoneapi.FormatMessage("", reply))
		switch m := reply.(type) {
		case phoneapi.ErrorMsg:
			p.log.Warn("host refused command", "command", c.String(), "code", m.Code, "error", m.Text)
		case phoneapi.CallMsg, phoneapi.MuteMsg:
			// Replies that carry state (GET CALL n TYPE, SET MUTE) are
			// notifications too; hand them back to the state goroutine.
			select {
			case p.inputs <- input{kind: inMessage, msg: m}:
			case <-ctx.Done():
			}
		case phoneapi.UnknownMsg:
			if ids, ok := parseCallList(m.Line); ok {
				select {
				case p.inputs <- input{kind: inActiveCalls, ids: ids}:
				case <-ctx.Done():
				}
			}
		}
	}
}

// searchActiveCalls is the access-API query for the calls in progress.
var searchActiveCalls = phoneapi.RawCmd{Line: "SEARCH ACTIVECALLS"}

// maxActiveCalls bounds what a CALLS reply may make the phone ask about.
const maxActiveCalls = 16

// parseCallList reads the reply to SEARCH ACTIVECALLS: "CALLS 12, 13" (or
// "CALLS" alone when there is none).
func parseCallList(line string) ([]int, bool) {
	rest, ok := strings.CutPrefix(line, "CALLS")
	if !ok || (rest != "" && rest[0] != ' ') {
		return nil, false
	}
	var ids []int
	for _, f := range strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || r == ' ' }) {
		id, err := strconv.Atoi(f)
		if err != nil || id < 0 {
			return nil, false
		}
		if len(ids) == maxActiveCalls {
			break
		}
		ids = append(ids, id)
	}
	return ids, true
}

package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"handsetd/devices"
	"handsetd/internal/clock"
	"handsetd/phone"
	"handsetd/phoneapi"
)

// Device is a handset the daemon may open.
type Device struct {
	// ID identifies the physical device: its sysfs path for real devices.
	ID string
	// Label names the device in logs before it is opened.
	Label string
	// Open opens the driver.
	Open func(ctx context.Context) (devices.Handset, error)
}

// Source finds devices: those present at start, then those that come and go.
type Source interface {
	// Run calls add for every device found and remove with the ID of every
	// device gone, until ctx ends or the source fails.
	Run(ctx context.Context, add func(Device), remove func(id string)) error
}

// HostListener receives what the host says. *phone.Phone implements it.
type HostListener interface {
	HostAttached(ctx context.Context) bool
	HostDetached(ctx context.Context) bool
	HostMessage(ctx context.Context, m phoneapi.Message) bool
}

// HostSession is one handset's connection to the host.
type HostSession interface {
	phone.Host
	// Run attaches (and re-attaches) until ctx ends, telling l of every
	// attach, detach and notification, in order.
	Run(ctx context.Context, l HostListener) error
}

// HandsetAudio is a handset's audio: the devices to report to the host
// (AUDIO_IN, AUDIO_OUT; empty names are not reported) and its tones.
type HandsetAudio interface {
	phone.Tones
	Names() (in, out string)
	Close() error
}

// ErrAudioOff tells the daemon that audio is switched off: not worth a
// log line.
var ErrAudioOff = errors.New("daemon: audio is off")

// Config configures the daemon.
type Config struct {
	Sources []Source
	// NewHost returns the host session for a handset named name.
	NewHost func(name string) HostSession
	Mode    phone.Mode
	Logger  *slog.Logger
	Clock   clock.Clock
	// Audio opens a handset's audio. A handset without audio works for
	// control; the error says why, once.
	Audio func(ctx context.Context, info devices.Info) (HandsetAudio, error)
	// FlushTimeout bounds how long a leaving handset's last commands may
	// wait for the host. Zero means 500 ms.
	FlushTimeout time.Duration
	// ReplyTimeout bounds each command's wait for its reply. Zero: 5 s.
	ReplyTimeout time.Duration
	// ProgressTones plays call-progress tones locally (phone.Config).
	ProgressTones bool
	// DialToneInPhoneMode plays the dial tone in phone mode (phone.Config).
	DialToneInPhoneMode bool
	// OnChange, if set, is called after a handset was added or removed
	// (status reporting, tests).
	OnChange func()
}

// Daemon runs phones for the handsets its sources find.
type Daemon struct {
	cfg Config
	log *slog.Logger

	mu    sync.Mutex
	slots map[string]*slot
	wg    sync.WaitGroup
}

// New returns a daemon; Run starts it.
func New(cfg Config) *Daemon {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real
	}
	if cfg.FlushTimeout == 0 {
		cfg.FlushTimeout = 500 * time.Millisecond
	}
	return &Daemon{cfg: cfg, log: cfg.Logger, slots: map[string]*slot{}}
}

// Handsets lists the open handsets.
func (d *Daemon) Handsets() []devices.Info {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []devices.Info
	for _, s := range d.slots {
		if info, ok := s.info(); ok {
			out = append(out, info)
		}
	}
	return out
}

func (d *Daemon) slotCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.slots)
}

// Run runs the sources and the phones until ctx ends, then stops every
// phone (indicators off, sessions closed) and returns nil. A source that
// fails is logged; the daemon keeps serving the others' devices.
func (d *Daemon) Run(ctx context.Context) error {
	var srcWG sync.WaitGroup
	for _, src := range d.cfg.Sources {
		srcWG.Add(1)
		go func() {
			defer srcWG.Done()
			d.runSource(ctx, src)
		}()
	}
	<-ctx.Done()
	srcWG.Wait()
	d.mu.Lock()
	for _, s := range d.slots {
		s.cancel()
	}
	d.mu.Unlock()
	d.wg.Wait()
	return nil
}

// Source restart delays: a failed source (a hotplug monitor that lost its
// socket) is started again, first quickly, then at most once a minute,
// rather than leaving the daemon running blind to new handsets.
const (
	sourceRetryMin = time.Second
	sourceRetryMax = time.Minute
)

// runSource runs a source until ctx ends, restarting it when it fails.
func (d *Daemon) runSource(ctx context.Context, src Source) {
	wait := sourceRetryMin
	for {
		err := src.Run(ctx, func(dev Device) { d.add(ctx, dev) }, d.remove)
		if ctx.Err() != nil {
			return
		}
		d.log.Error("device source failed; restarting it", "err", err, "in", wait)
		t := d.cfg.Clock.NewTimer(wait)
		select {
		case <-t.C():
		case <-ctx.Done():
			t.Stop()
			return
		}
		wait = min(2*wait, sourceRetryMax)
	}
}

func (d *Daemon) add(ctx context.Context, dev Device) {
	d.mu.Lock()
	old := d.slots[dev.ID]
	d.mu.Unlock()
	if old != nil {
		// The same physical device again without a remove in between:
		// the old slot's device is gone even if no event said so.
		old.cancel()
		<-old.done
	}
	sctx, cancel := context.WithCancel(ctx)
	s := &slot{dev: dev, cancel: cancel, done: make(chan struct{})}
	d.mu.Lock()
	if ctx.Err() != nil {
		d.mu.Unlock()
		cancel()
		return
	}
	d.slots[dev.ID] = s
	d.wg.Add(1)
	d.mu.Unlock()
	go func() {
		defer d.wg.Done()
		defer close(s.done)
		defer cancel()
		d.runSlot(sctx, s)
		d.mu.Lock()
		if d.slots[dev.ID] == s {
			delete(d.slots, dev.ID)
		}
		d.mu.Unlock()
		d.changed()
	}()
}

func (d *Daemon) remove(id string) {
	d.mu.Lock()
	s := d.slots[id]
	d.mu.Unlock()
	if s != nil {
		d.log.Info("handset removed", "device", s.dev.Label)
		s.cancel()
	}
}

func (d *Daemon) changed() {
	if d.cfg.OnChange != nil {
		d.cfg.OnChange()
	}
}

// slot is one present device.
type slot struct {
	dev    Device
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	handset devices.Handset
}

func (s *slot) info() (devices.Info, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.handset == nil {
		return devices.Info{}, false
	}
	return s.handset.Info(), true
}

// HostName is the name a handset attaches with.
func HostName(info devices.Info) string {
	name := info.Name
	if name == "" {
		name = fmt.Sprintf("USB handset %04x:%04x", info.VendorID, info.ProductID)
	}
	return name + " (handsetd)"
}

func (d *Daemon) runSlot(ctx context.Context, s *slot) {
	log := d.log.With("device", s.dev.Label)
	hs, err := s.dev.Open(ctx)
	if err != nil {
		if ctx.Err() == nil {
			log.Error("cannot open handset", "err", err)
		}
		return
	}
	defer hs.Close()
	info := hs.Info()
	log = d.log.With("handset", info.Name, "path", info.Path)
	s.mu.Lock()
	s.handset = hs
	s.mu.Unlock()
	log.Info("handset added", "model", info.Model, "driver", info.Driver, "vid", fmt.Sprintf("%04x", info.VendorID), "pid", fmt.Sprintf("%04x", info.ProductID))
	d.changed()

	host := d.cfg.NewHost(HostName(info))
	pcfg := phone.Config{
		Mode:          d.cfg.Mode,
		Handset:       hs,
		Host:          host,
		Clock:         d.cfg.Clock,
		Logger:        log,
		ReplyTimeout:  d.cfg.ReplyTimeout,
		FlushTimeout:  d.cfg.FlushTimeout,
		ProgressTones: d.cfg.ProgressTones,

		DialToneInPhoneMode: d.cfg.DialToneInPhoneMode,
	}
	if d.cfg.Audio != nil {
		a, err := d.cfg.Audio(ctx, info)
		switch {
		case err == nil:
			defer a.Close()
			pcfg.AudioIn, pcfg.AudioOut = a.Names()
			pcfg.Tones = a
			log.Info("handset audio", "in", pcfg.AudioIn, "out", pcfg.AudioOut)
		case errors.Is(err, ErrAudioOff):
		default:
			log.Info("handset works without audio", "reason", err)
		}
	}
	ph := phone.New(pcfg)

	hostCtx, stopHost := context.WithCancel(context.WithoutCancel(ctx))
	phoneCtx, stopPhone := context.WithCancel(context.WithoutCancel(ctx))
	hostDone, phoneDone := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(hostDone)
		if err := host.Run(hostCtx, ph); err != nil && hostCtx.Err() == nil {
			log.Error("host session failed", "err", err)
		}
	}()
	go func() {
		defer close(phoneDone)
		ph.Run(phoneCtx)
	}()

	err = hs.Run(ctx, func(ev devices.Event) { ph.HandsetEvent(phoneCtx, ev) })
	switch {
	case ctx.Err() != nil:
	case errors.Is(err, devices.ErrGone):
		log.Info("handset gone", "err", err)
	default:
		log.Error("handset failed", "err", err)
	}
	// Order matters: the phone flushes the driver's last events (a key
	// released on unplug) through a still-open session, then the session
	// closes.
	stopPhone()
	<-phoneDone
	stopHost()
	<-hostDone
}

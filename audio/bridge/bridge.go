package bridge

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"handsetd/audio/pa"
	"handsetd/audio/tone"
)

// Mode chooses how audio is routed.
type Mode uint8

const (
	// Direct: the host uses the handset's own devices.
	Direct Mode = iota
	// Bridge: handsetd moves audio between the handset and a host-facing
	// pair of devices.
	Bridge
)

func (m Mode) String() string {
	switch m {
	case Direct:
		return "direct"
	case Bridge:
		return "bridge"
	}
	return fmt.Sprintf("Mode(%d)", uint8(m))
}

// ParseMode parses "direct" or "bridge" (configuration files, flags).
func ParseMode(s string) (Mode, error) {
	switch s {
	case "", "direct":
		return Direct, nil
	case "bridge":
		return Bridge, nil
	}
	return 0, fmt.Errorf("%w: mode %q (want direct or bridge)", ErrConfig, s)
}

// Config sets up a Router. Device names are PortAudio names (see
// pa.DevicesForCard for the handset's).
type Config struct {
	Mode Mode
	// HandsetIn is the handset's microphone, HandsetOut its earpiece.
	// Direct mode needs HandsetOut to play tones; both are reported to
	// the host.
	HandsetIn, HandsetOut string
	// HostIn is the device handsetd reads the host's far-end audio from,
	// HostOut the one it plays the handset's microphone into (bridge
	// mode only).
	HostIn, HostOut string
	// AudioIn and AudioOut, when set, are the names reported to the host
	// instead of the devices opened: an ALSA loopback is written on one
	// subdevice and read by the host on the other. By default the host is
	// told AUDIO_IN HostOut and AUDIO_OUT HostIn.
	AudioIn, AudioOut string
	// Rate is the handset's sample rate; 0 takes its output device's
	// default. HostRate likewise for the host-facing devices.
	Rate, HostRate int
	// HostChannels is the channel count of the host-facing streams
	// (default 1: voice is mono). The handset's microphone is read as
	// mono and its earpiece gets the same signal on up to 2 channels.
	HostChannels int
	// TargetLatency is the latency each direction adds between the
	// callback that reads the audio and the one that writes it (default
	// 40 ms). It must leave room for the C callback's cushion and a few
	// periods of callback jitter.
	TargetLatency time.Duration
	// FramesPerBuffer is the callback size; set it to the host's period
	// (256 on the usual JACK setup). 0 lets PortAudio choose; the C
	// callback needs it set.
	FramesPerBuffer int
	// TonePlan gives the call-progress tones; the zero value is
	// tone.NorthAmerica.
	TonePlan tone.Plan
	// CCallback runs the device callbacks in C with Go feeding them (see
	// package pa); the latency budget then includes pa's cushion.
	CCallback bool
}

// Errors callers branch on.
var (
	ErrConfig = errors.New("bridge: invalid config")
	// ErrCallAudio means a tone was asked for in direct mode while the
	// host's call audio owns the handset's devices.
	ErrCallAudio = errors.New("bridge: call audio is running on the handset")
	// ErrClosed means the bridge was closed.
	ErrClosed = errors.New("bridge: closed")
)

// ToneKind names a call-progress tone of the plan.
type ToneKind uint8

const (
	Dial ToneKind = iota + 1
	Ringback
	Busy
	Congestion
	// Ring is the ring tone for handsets without a ringer, played in the
	// earpiece or speaker.
	Ring
)

func (k ToneKind) tone(p tone.Plan) (tone.Tone, error) {
	switch k {
	case Dial:
		return p.Dial, nil
	case Ringback:
		return p.Ringback, nil
	case Busy:
		return p.Busy, nil
	case Congestion:
		return p.Congestion, nil
	case Ring:
		return p.Ring, nil
	}
	return tone.Tone{}, fmt.Errorf("%w: tone kind %d", ErrConfig, k)
}

// Router routes one handset's audio.
type Router struct {
	cfg  Config
	devs []pa.Device

	handsetIn, handsetOut, hostIn, hostOut *pa.Device

	mute  atomic.Bool
	tones *tone.Generator

	mu         sync.Mutex // guards the fields below; never taken by a callback
	closed     bool
	callActive bool
	mic, ear   *path
	streams    []*pa.Stream
	toneStream *pa.Stream // direct mode
}

// New checks cfg against the PortAudio devices in devs (from pa.Devices)
// and returns a bridge that has opened nothing yet. The caller holds a
// pa.Init for as long as the bridge lives.
func New(cfg Config, devs []pa.Device) (*Router, error) {
	if cfg.HostChannels == 0 {
		cfg.HostChannels = 1
	}
	if cfg.TargetLatency == 0 {
		cfg.TargetLatency = 40 * time.Millisecond
	}
	if cfg.TonePlan.Name == "" {
		cfg.TonePlan = tone.NorthAmerica
	}
	if cfg.HostChannels < 0 || cfg.TargetLatency < 0 || cfg.FramesPerBuffer < 0 || cfg.Rate < 0 || cfg.HostRate < 0 {
		return nil, fmt.Errorf("%w: negative value in %+v", ErrConfig, cfg)
	}
	b := &Router{cfg: cfg, devs: devs}
	find := func(name string, dir pa.Direction) (*pa.Device, error) {
		if name == "" {
			return nil, nil
		}
		d, err := pa.Find(devs, name, dir)
		if err != nil {
			return nil, fmt.Errorf("bridge: %w", err)
		}
		return &d, nil
	}
	var err error
	if b.handsetIn, err = find(cfg.HandsetIn, pa.Input); err != nil {
		return nil, err
	}
	if b.handsetOut, err = find(cfg.HandsetOut, pa.Output); err != nil {
		return nil, err
	}
	switch cfg.Mode {
	case Direct:
		if b.handsetOut == nil {
			return nil, fmt.Errorf("%w: direct mode needs the handset's output device", ErrConfig)
		}
	case Bridge:
		if b.hostIn, err = find(cfg.HostIn, pa.Input); err != nil {
			return nil, err
		}
		if b.hostOut, err = find(cfg.HostOut, pa.Output); err != nil {
			return nil, err
		}
		if b.handsetIn == nil || b.handsetOut == nil || b.hostIn == nil || b.hostOut == nil {
			return nil, fmt.Errorf("%w: bridge mode needs HandsetIn, HandsetOut, HostIn and HostOut", ErrConfig)
		}
	default:
		return nil, fmt.Errorf("%w: mode %v", ErrConfig, cfg.Mode)
	}
	if b.cfg.Rate == 0 {
		b.cfg.Rate = int(math.Round(b.handsetOut.DefaultSampleRate))
	}
	if b.cfg.HostRate == 0 && b.hostOut != nil {
		b.cfg.HostRate = int(math.Round(b.hostOut.DefaultSampleRate))
	}
	if b.cfg.CCallback && b.cfg.FramesPerBuffer == 0 {
		return nil, fmt.Errorf("%w: the C callback needs FramesPerBuffer", ErrConfig)
	}
	b.tones = tone.NewGenerator(b.cfg.Rate)
	return b, nil
}

// Config returns the configuration in use, defaults filled in.
func (b *Router) Config() Config { return b.cfg }

// AudioNames returns the device names to report to the host with AUDIO_IN
// (what the host records from) and AUDIO_OUT (what it plays to).
func (b *Router) AudioNames() (in, out string) {
	if b.cfg.Mode == Direct {
		return b.cfg.HandsetIn, b.cfg.HandsetOut
	}
	in, out = b.cfg.HostOut, b.cfg.HostIn
	if b.cfg.AudioIn != "" {
		in = b.cfg.AudioIn
	}
	if b.cfg.AudioOut != "" {
		out = b.cfg.AudioOut
	}
	return in, out
}

// cushion is the output the C callback queues ahead of a consumer, which
// the latency budget must pay for.
func (b *Router) cushion() int {
	if !b.cfg.CCallback {
		return 0
	}
	return 4 * b.cfg.FramesPerBuffer
}

// targetFrames turns the target latency into the adapter's fill at rate.
func (b *Router) targetFrames(rate int) (int, error) {
	n := int(math.Round(b.cfg.TargetLatency.Seconds()*float64(rate))) - b.cushion()
	if n < 2*max(b.cfg.FramesPerBuffer, 64) {
		return 0, fmt.Errorf("%w: target latency %v leaves %d frames at %d Hz, too few", ErrConfig, b.cfg.TargetLatency, n, rate)
	}
	return n, nil
}

// Start opens the streams of bridge mode and starts moving audio. In
// direct mode it opens nothing. ctx bounds the opening.
func (b *Router) Start(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	if b.cfg.Mode != Bridge || b.streams != nil {
		return nil
	}
	hsOutCh := min(b.handsetOut.MaxOutputChannels, 2)
	micTarget, err := b.targetFrames(b.cfg.HostRate)
	if err != nil {
		return err
	}
	earTarget, err := b.targetFrames(b.cfg.Rate)
	if err != nil {
		return err
	}
	b.mic, err = newPath(pathConfig{InRate: b.cfg.Rate, OutRate: b.cfg.HostRate, InChannels: 1, OutChannels: b.cfg.HostChannels,
		TargetFrames: micTarget, Mute: &b.mute})
	if err != nil {
		return err
	}
	b.ear, err = newPath(pathConfig{InRate: b.cfg.HostRate, OutRate: b.cfg.Rate, InChannels: b.cfg.HostChannels, OutChannels: hsOutCh,
		TargetFrames: earTarget, Tones: b.tones})
	if err != nil {
		return err
	}
	type open struct {
		p    pa.Params
		proc pa.Processor
	}
	base := pa.Params{FramesPerBuffer: b.cfg.FramesPerBuffer, CCallback: b.cfg.CCallback}
	mk := func(f func(p *pa.Params)) pa.Params { p := base; f(&p); return p }
	opens := []open{
		// Consumers first: a producer that starts before its consumer
		// only fills the adapter, which jumps to its target on the
		// first read anyway.
		{mk(func(p *pa.Params) {
			p.Out, p.OutChannels, p.Rate = b.hostOut, b.cfg.HostChannels, float64(b.cfg.HostRate)
		}),
			pa.ProcessFunc(func(_, out []float32) { b.mic.consume(out) })},
		{mk(func(p *pa.Params) { p.Out, p.OutChannels, p.Rate = b.handsetOut, hsOutCh, float64(b.cfg.Rate) }),
			pa.ProcessFunc(func(_, out []float32) { b.ear.consume(out) })},
		{mk(func(p *pa.Params) { p.In, p.InChannels, p.Rate = b.handsetIn, 1, float64(b.cfg.Rate) }),
			pa.ProcessFunc(func(in, _ []float32) { b.mic.produce(in) })},
		{mk(func(p *pa.Params) { p.In, p.InChannels, p.Rate = b.hostIn, b.cfg.HostChannels, float64(b.cfg.HostRate) }),
			pa.ProcessFunc(func(in, _ []float32) { b.ear.produce(in) })},
	}
	var streams []*pa.Stream
	fail := func(err error) error {
		for _, s := range streams {
			s.Close()
		}
		return err
	}
	for _, o := range opens {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		s, err := pa.Open(o.p, o.proc)
		if err != nil {
			return fail(fmt.Errorf("bridge: %w", err))
		}
		streams = append(streams, s)
	}
	for _, s := range streams {
		if err := s.Start(); err != nil {
			return fail(fmt.Errorf("bridge: %w", err))
		}
	}
	b.streams = streams
	return nil
}

// SetMute mutes or unmutes the microphone path (bridge mode). In direct
// mode the host mutes its own capture.
func (b *Router) SetMute(on bool) { b.mute.Store(on) }

// Muted reports the mute flag.
func (b *Router) Muted() bool { return b.mute.Load() }

// SetCallAudio tells the bridge whether the host's call audio is running.
// In direct mode that means the host owns the handset's devices: a tone
// playing stops and its stream is closed.
func (b *Router) SetCallAudio(active bool) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.callActive = active
	if active && b.cfg.Mode == Direct {
		b.tones.Stop()
		b.tones.StopDTMF()
		return b.closeToneStreamLocked()
	}
	return nil
}

// PlayTone starts a call-progress tone of the plan in the handset's
// earpiece, replacing one playing.
func (b *Router) PlayTone(k ToneKind) error {
	t, err := k.tone(b.cfg.TonePlan)
	if err != nil {
		return err
	}
	if err := b.ensureToneOutput(); err != nil {
		return err
	}
	if err := b.tones.Play(t); err != nil {
		return fmt.Errorf("bridge: %w", err)
	}
	return nil
}

// PlayDTMF plays a key's DTMF pair for d as feedback.
func (b *Router) PlayDTMF(key byte, d time.Duration) error {
	if err := b.ensureToneOutput(); err != nil {
		return err
	}
	if err := b.tones.PlayDTMF(key, d); err != nil {
		return fmt.Errorf("bridge: %w", err)
	}
	return nil
}

// StopTone stops the call-progress tone; in direct mode it also releases
// the handset's output for the host.
func (b *Router) StopTone() error {
	b.tones.Stop()
	b.tones.StopDTMF()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cfg.Mode == Direct {
		return b.closeToneStreamLocked()
	}
	return nil
}

// ToneOutputOpen reports whether direct mode holds the handset's output
// open for a tone.
func (b *Router) ToneOutputOpen() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.toneStream != nil
}

func (b *Router) ensureToneOutput() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	if b.cfg.Mode != Direct {
		return nil
	}
	if b.callActive {
		return ErrCallAudio
	}
	if b.toneStream != nil {
		return nil
	}
	ch := min(b.handsetOut.MaxOutputChannels, 2)
	s, err := pa.Open(pa.Params{Out: b.handsetOut, OutChannels: ch, Rate: float64(b.cfg.Rate),
		FramesPerBuffer: b.cfg.FramesPerBuffer, CCallback: b.cfg.CCallback},
		pa.ProcessFunc(func(_, out []float32) {
			clear(out)
			b.tones.Mix(out, ch)
		}))
	if err != nil {
		return fmt.Errorf("bridge: tone output: %w", err)
	}
	if err := s.Start(); err != nil {
		s.Close()
		return fmt.Errorf("bridge: tone output: %w", err)
	}
	b.toneStream = s
	return nil
}

func (b *Router) closeToneStreamLocked() error {
	if b.toneStream == nil {
		return nil
	}
	err := b.toneStream.Close()
	b.toneStream = nil
	if err != nil {
		return fmt.Errorf("bridge: tone output: %w", err)
	}
	return nil
}

// Stats are the bridge's counters, readable at any time.
type Stats struct {
	Mode  Mode
	Muted bool
	// Mic is handset microphone -> host, Ear is host -> handset earpiece
	// (bridge mode).
	Mic, Ear PathStats
	// Streams: host out, handset out, handset in, host in (bridge mode),
	// or the tone stream (direct mode, while a tone plays).
	Streams []pa.Stats
}

// Stats returns the counters so far.
func (b *Router) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := Stats{Mode: b.cfg.Mode, Muted: b.mute.Load()}
	if b.mic != nil {
		st.Mic, st.Ear = b.mic.stats(), b.ear.stats()
	}
	for _, s := range b.streams {
		st.Streams = append(st.Streams, s.Stats())
	}
	if b.toneStream != nil {
		st.Streams = append(st.Streams, b.toneStream.Stats())
	}
	return st
}

// Close stops and closes every stream. It is safe to call more than once.
func (b *Router) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	var errs []error
	for _, s := range b.streams {
		if err := s.Close(); err != nil {
			errs = append(errs, fmt.Errorf("bridge: %w", err))
		}
	}
	b.streams = nil
	errs = append(errs, b.closeToneStreamLocked())
	return errors.Join(errs...)
}

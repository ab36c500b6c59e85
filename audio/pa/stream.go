package pa

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/gordonklaus/portaudio"
)

// Processor is the real-time part of a stream. Process is called from the
// audio thread with interleaved float32 buffers of one host period: in has
// frames*inChannels samples (nil for an output-only stream), out has
// frames*outChannels samples to fill (nil for an input-only stream). It must
// not allocate, lock, log or make system calls.
type Processor interface {
	Process(in, out []float32)
}

// ProcessFunc adapts a function to Processor.
type ProcessFunc func(in, out []float32)

// Process calls f.
func (f ProcessFunc) Process(in, out []float32) { f(in, out) }

// Params describes a stream. At least one of In and Out is set.
type Params struct {
	In, Out                 *Device
	InChannels, OutChannels int
	Rate                    float64
	// FramesPerBuffer is the callback size: the host's period, or 0 to let
	// PortAudio choose (paFramesPerBufferUnspecified).
	FramesPerBuffer int
	// Latency is the suggested latency; 0 takes each device's default low
	// latency.
	Latency time.Duration
	// CCallback runs the audio callback in C: it only moves frames between
	// the device and C-allocated rings, and a goroutine calls the
	// Processor a period at a time. It needs FramesPerBuffer. The loop
	// latency grows by Cushion.
	CCallback bool
	// Cushion is how many output frames the C callback has queued ahead
	// (0: four periods). It bounds how late the Go side may be without a
	// gap in the output.
	Cushion int
}

// ErrParams means Params are inconsistent.
var ErrParams = errors.New("pa: invalid stream parameters")

// Stats are a stream's counters. Callbacks and the xrun counts are exact;
// the gap quantiles have 10 us resolution.
type Stats struct {
	Callbacks        uint64
	Frames           uint64
	InputUnderflows  uint64
	InputOverflows   uint64
	OutputUnderflows uint64
	OutputOverflows  uint64
	PrimingOutputs   uint64
	GapMean          time.Duration
	GapP50           time.Duration
	GapP99           time.Duration
	GapMax           time.Duration
	// C callback only: frames the callback found missing in the output
	// ring (played as silence) or had no room for in the input ring
	// (dropped), and gap measurements the Go side fetched too late.
	RingUnderrunFrames uint64
	RingOverrunFrames  uint64
	GapsLost           uint64
}

// Xruns is the number of callbacks that reported an underflow or overflow.
func (s Stats) Xruns() uint64 {
	return s.InputUnderflows + s.InputOverflows + s.OutputUnderflows + s.OutputOverflows
}

func (s Stats) String() string {
	return fmt.Sprintf("callbacks %d frames %d xruns %d gap mean %v p50 %v p99 %v max %v ring under %d over %d",
		s.Callbacks, s.Frames, s.Xruns(), s.GapMean, s.GapP50, s.GapP99, s.GapMax, s.RingUnderrunFrames, s.RingOverrunFrames)
}

// Stream is an open PortAudio callback stream.
type Stream struct {
	s      *portaudio.Stream // Go callback
	cs     *cstream          // C callback
	proc   Processor
	params Params

	// Touched by the audio thread only, except through atomics.
	epoch    time.Time
	last     int64 // ns since epoch of the previous callback, 0 before the first
	inCh     int
	outCh    int
	counters counters
	gaps     GapHistogram
}

type counters struct {
	callbacks, frames                  atomic.Uint64
	inUnder, inOver, outUnder, outOver atomic.Uint64
	priming                            atomic.Uint64
}

// Open opens a callback stream calling proc every period. It does not start
// it. The caller must hold an Init.
func Open(p Params, proc Processor) (*Stream, error) {
	if !initialized() {
		return nil, ErrNotInitialized
	}
	if p.In == nil && p.Out == nil || p.Rate <= 0 || p.FramesPerBuffer < 0 ||
		(p.In != nil && (p.InChannels <= 0 || p.In.info == nil)) ||
		(p.Out != nil && (p.OutChannels <= 0 || p.Out.info == nil)) || proc == nil {
		return nil, fmt.Errorf("%w: %+v", ErrParams, p)
	}
	s := &Stream{proc: proc, params: p, epoch: time.Now()}
	if p.CCallback {
		if err := openC(s, p); err != nil {
			return nil, err
		}
		return s, nil
	}
	sp := portaudio.StreamParameters{SampleRate: p.Rate, FramesPerBuffer: p.FramesPerBuffer}
	if p.FramesPerBuffer == 0 {
		sp.FramesPerBuffer = portaudio.FramesPerBufferUnspecified
	}
	if p.In != nil {
		lat := p.Latency
		if lat == 0 {
			lat = p.In.DefaultLowInputLatency
		}
		sp.Input = portaudio.StreamDeviceParameters{Device: p.In.info, Channels: p.InChannels, Latency: lat}
		s.inCh = p.InChannels
	}
	if p.Out != nil {
		lat := p.Latency
		if lat == 0 {
			lat = p.Out.DefaultLowOutputLatency
		}
		sp.Output = portaudio.StreamDeviceParameters{Device: p.Out.info, Channels: p.OutChannels, Latency: lat}
		s.outCh = p.OutChannels
	}
	var (
		ps  *portaudio.Stream
		err error
	)
	// The binding infers the sample format and buffer layout from the
	// callback's signature; each shape gets its own method value.
	switch {
	case p.In != nil && p.Out != nil:
		ps, err = portaudio.OpenStream(sp, s.duplex)
	case p.In != nil:
		ps, err = portaudio.OpenStream(sp, s.input)
	default:
		ps, err = portaudio.OpenStream(sp, s.output)
	}
	if err != nil {
		return nil, fmt.Errorf("pa: open stream: %w", err)
	}
	s.s = ps
	return s, nil
}

func (s *Stream) duplex(in, out []float32, _ portaudio.StreamCallbackTimeInfo, flags portaudio.StreamCallbackFlags) {
	s.tick(len(out)/s.outCh, flags)
	s.proc.Process(in, out)
}

func (s *Stream) input(in []float32, _ portaudio.StreamCallbackTimeInfo, flags portaudio.StreamCallbackFlags) {
	s.tick(len(in)/s.inCh, flags)
	s.proc.Process(in, nil)
}

func (s *Stream) output(out []float32, _ portaudio.StreamCallbackTimeInfo, flags portaudio.StreamCallbackFlags) {
	s.tick(len(out)/s.outCh, flags)
	s.proc.Process(nil, out)
}

// tick records one callback: its gap from the previous one (monotonic
// clock, read through the vDSO: no system call) and PortAudio's status
// flags.
func (s *Stream) tick(frames int, flags portaudio.StreamCallbackFlags) {
	now := int64(time.Since(s.epoch))
	if s.last != 0 {
		s.gaps.Record(time.Duration(now - s.last))
	}
	s.last = now
	c := &s.counters
	c.callbacks.Add(1)
	c.frames.Add(uint64(frames))
	if flags != 0 {
		if flags&portaudio.InputUnderflow != 0 {
			c.inUnder.Add(1)
		}
		if flags&portaudio.InputOverflow != 0 {
			c.inOver.Add(1)
		}
		if flags&portaudio.OutputUnderflow != 0 {
			c.outUnder.Add(1)
		}
		if flags&portaudio.OutputOverflow != 0 {
			c.outOver.Add(1)
		}
		if flags&portaudio.PrimingOutput != 0 {
			c.priming.Add(1)
		}
	}
}

// Start starts the stream.
func (s *Stream) Start() error {
	if s.cs != nil {
		return s.cs.start(s)
	}
	if err := s.s.Start(); err != nil {
		return fmt.Errorf("pa: start stream: %w", err)
	}
	return nil
}

// Stop stops the stream after the buffers already queued have played;
// the Processor is not called after Stop returns.
func (s *Stream) Stop() error {
	if s.cs != nil {
		return s.cs.stop()
	}
	if err := s.s.Stop(); err != nil {
		return fmt.Errorf("pa: stop stream: %w", err)
	}
	return nil
}

// Close closes the stream, stopping it first if it runs. It is safe to
// call more than once.
func (s *Stream) Close() error {
	if s.cs != nil {
		return s.cs.close()
	}
	if err := s.s.Close(); err != nil {
		return fmt.Errorf("pa: close stream: %w", err)
	}
	return nil
}

// Params returns the parameters the stream was opened with.
func (s *Stream) Params() Params { return s.params }

// Latency returns PortAudio's view of the stream's input and output
// latency and its actual sample rate.
func (s *Stream) Latency() (in, out time.Duration, rate float64) {
	if s.cs != nil {
		return s.cs.latency()
	}
	i := s.s.Info()
	if i == nil {
		return 0, 0, 0
	}
	return i.InputLatency, i.OutputLatency, i.SampleRate
}

// Stats returns the stream's counters so far.
func (s *Stream) Stats() Stats {
	if s.cs != nil {
		st := Stats{GapMean: s.gaps.Mean(), GapP50: s.gaps.Quantile(0.5), GapP99: s.gaps.Quantile(0.99)}
		s.cs.stats(&st)
		return st
	}
	c := &s.counters
	return Stats{
		Callbacks:        c.callbacks.Load(),
		Frames:           c.frames.Load(),
		InputUnderflows:  c.inUnder.Load(),
		InputOverflows:   c.inOver.Load(),
		OutputUnderflows: c.outUnder.Load(),
		OutputOverflows:  c.outOver.Load(),
		PrimingOutputs:   c.priming.Load(),
		GapMean:          s.gaps.Mean(),
		GapP50:           s.gaps.Quantile(0.5),
		GapP99:           s.gaps.Quantile(0.99),
		GapMax:           s.gaps.Max(),
	}
}

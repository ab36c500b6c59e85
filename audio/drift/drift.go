package drift

import (
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"handsetd/audio/fifo"
	"handsetd/audio/resample"
)

// Config sets up an Adapter. Zero fields take the defaults named.
type Config struct {
	// Rate is the nominal sample rate of both sides, in Hz. Required.
	Rate int
	// Channels per frame. Required.
	Channels int
	// TargetFrames is the fill the loop holds: the added latency.
	// Required; it must exceed the largest callback block plus the
	// jitter to ride out, or the FIFO will run dry.
	TargetFrames int
	// CapacityFrames is the FIFO size (rounded up to a power of two).
	// Default: 4 x TargetFrames + MaxBlockFrames.
	CapacityFrames int
	// MaxBlockFrames is the largest block either side passes in one call.
	// Default 4096.
	MaxBlockFrames int
	// FastBandwidth is the loop bandwidth right after a jump, in Hz.
	// Default 1.
	FastBandwidth float64
	// SlowBandwidth is the loop bandwidth once settled, in Hz.
	// Default 0.05.
	SlowBandwidth float64
	// FastTime is how long the loop stays at FastBandwidth after a jump
	// before narrowing to SlowBandwidth. Default 3 s.
	FastTime time.Duration
	// TimeBandwidth is the bandwidth of the delay-locked loops that
	// smooth each side's callback times, in Hz. Default 0.5.
	TimeBandwidth float64
	// MaxPPM clamps the ratio correction. Default 2000.
	MaxPPM float64
	// GrossFrames is the fill error beyond which the adapter jumps
	// instead of steering. Default TargetFrames/2.
	GrossFrames int
	// LockFrames: the adapter reports Locked once the loop has narrowed
	// and the fill error stayed within LockFrames for a second.
	// Default Rate/4000 (0.25 ms).
	LockFrames int
	// Quality of the resampler. Default resample.Default.
	Quality resample.Quality
}

// ErrConfig is returned (wrapped) by NewAdapter for an unusable Config.
var ErrConfig = errors.New("drift: invalid config")

// Stats is a snapshot of the adapter's counters.
type Stats struct {
	Underruns uint64  // consumer callbacks that found too little input
	Overruns  uint64  // producer callbacks that found the FIFO full
	Jumps     uint64  // one-step corrections of the fill, the first included
	RatioPPM  float64 // current correction: (ratio-1) x 1e6, input frames per output frame
	Fill      float64 // fill measured at the last consumer callback entry, in frames
	Error     float64 // Fill minus the target, in frames
	Locked    bool    // loop narrowed and error small
}

// Adapter bridges two clock domains at a fixed latency. Write belongs to
// the producer's callback, Read to the consumer's; Stats to anyone.
type Adapter struct {
	cfg Config
	// fields filled in below
	ring *fifo.Ring
	rs   *resample.Resampler

	underruns, overruns, jumps   atomic.Uint64
	ratioBits, fillBits, errBits atomic.Uint64
	locked                       atomic.Bool
}

// epoch anchors the monotonic timestamps Read and Write take when the
// caller has none of its own.
var epoch = time.Now()

// NewAdapter returns an adapter for cfg.
func NewAdapter(cfg Config) (*Adapter, error) {
	if cfg.Rate <= 0 || cfg.Channels <= 0 || cfg.TargetFrames <= 0 {
		return nil, fmt.Errorf("%w: rate %d, channels %d, target %d frames", ErrConfig, cfg.Rate, cfg.Channels, cfg.TargetFrames)
	}
	a := &Adapter{cfg: cfg}
	a.ring = fifo.New(4*cfg.TargetFrames+4096, cfg.Channels)
	a.rs = resample.New(cfg.Channels, cfg.Quality)
	a.ratioBits.Store(math.Float64bits(0))
	return a, nil
}

// Write is WriteAt stamped with the monotonic clock.
func (a *Adapter) Write(p []float32) int { return a.WriteAt(p, time.Since(epoch)) }

// WriteAt queues the producer's block p (interleaved frames) that its
// callback received at now, on any monotonic timeline shared with ReadAt.
// It returns the frames queued; fewer than offered means an overrun.
func (a *Adapter) WriteAt(p []float32, now time.Duration) int {
	n := a.ring.Write(p)
	if n < len(p)/a.cfg.Channels {
		a.overruns.Add(1)
	}
	return n
}

// Read is ReadAt stamped with the monotonic clock.
func (a *Adapter) Read(out []float32) { a.ReadAt(out, time.Since(epoch)) }

// ReadAt fills out (interleaved frames) for the consumer's callback entered
// at now: it measures the fill, runs the loop, and resamples from the FIFO,
// padding with silence where the FIFO runs dry.
func (a *Adapter) ReadAt(out []float32, now time.Duration) {
	n := a.ring.Read(out)
	if n < len(out)/a.cfg.Channels {
		clear(out[n*a.cfg.Channels:])
		a.underruns.Add(1)
	}
}

// Stats returns the current counters.
func (a *Adapter) Stats() Stats {
	return Stats{
		Underruns: a.underruns.Load(),
		Overruns:  a.overruns.Load(),
		Jumps:     a.jumps.Load(),
		RatioPPM:  math.Float64frombits(a.ratioBits.Load()),
		Fill:      math.Float64frombits(a.fillBits.Load()),
		Error:     math.Float64frombits(a.errBits.Load()),
		Locked:    a.locked.Load(),
	}
}

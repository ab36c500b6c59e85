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
	// TargetFrames is the fill the loop holds: the latency the adapter
	// adds. Required. It must cover the producer's block, the consumer's
	// block and the lateness of callbacks to ride out, or the FIFO runs
	// dry: with 256-frame blocks on both sides and callbacks up to two
	// periods late, 1200 frames (25 ms at 48 kHz).
	TargetFrames int
	// CapacityFrames is the FIFO size (rounded up to a power of two).
	// Default: 2 x TargetFrames + 2 x MaxBlockFrames.
	CapacityFrames int
	// MaxBlockFrames is the largest block either side passes in one call;
	// larger reads are processed in pieces. Default 4096.
	MaxBlockFrames int
	// FastBandwidth is the loop bandwidth right after a jump, in Hz.
	// Default 1.
	FastBandwidth float64
	// SlowBandwidth is the loop bandwidth once settled, in Hz.
	// Default 0.05.
	SlowBandwidth float64
	// FastTime is how long the loop stays at FastBandwidth after a jump;
	// it then narrows geometrically to SlowBandwidth over the same time.
	// Default 3 s.
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
	// and the fill error has stayed within LockFrames for a second.
	// Default Rate/4000 (0.25 ms).
	LockFrames int
	// Quality of the resampler; the zero value is resample.Default.
	Quality resample.Quality
}

// ErrConfig is returned (wrapped) by NewAdapter for an unusable Config.
var ErrConfig = errors.New("drift: invalid config")

func (c *Config) fill() error {
	if c.Rate < 1000 || c.Channels < 1 || c.TargetFrames < 1 {
		return fmt.Errorf("%w: rate %d Hz, %d channels, target %d frames", ErrConfig, c.Rate, c.Channels, c.TargetFrames)
	}
	if c.MaxBlockFrames == 0 {
		c.MaxBlockFrames = 4096
	}
	if c.MaxBlockFrames < 1 || c.MaxBlockFrames > resample.MaxInputFrames/2 {
		return fmt.Errorf("%w: max block %d frames outside [1, %d]", ErrConfig, c.MaxBlockFrames, resample.MaxInputFrames/2)
	}
	if c.CapacityFrames == 0 {
		c.CapacityFrames = 2*c.TargetFrames + 2*c.MaxBlockFrames
	}
	if c.CapacityFrames < c.TargetFrames+c.MaxBlockFrames || c.CapacityFrames > 1<<24 {
		return fmt.Errorf("%w: capacity %d frames below target + block (%d) or above 1<<24", ErrConfig, c.CapacityFrames, c.TargetFrames+c.MaxBlockFrames)
	}
	if c.FastBandwidth == 0 {
		c.FastBandwidth = 1
	}
	if c.SlowBandwidth == 0 {
		c.SlowBandwidth = 0.05
	}
	if c.FastTime == 0 {
		c.FastTime = 3 * time.Second
	}
	if c.TimeBandwidth == 0 {
		c.TimeBandwidth = 0.1
	}
	if c.MaxPPM == 0 {
		c.MaxPPM = 2000
	}
	if c.GrossFrames == 0 {
		c.GrossFrames = max(c.TargetFrames/2, 1)
	}
	if c.LockFrames == 0 {
		c.LockFrames = max(c.Rate/4000, 1)
	}
	if !(c.FastBandwidth > 0 && c.SlowBandwidth > 0 && c.SlowBandwidth <= c.FastBandwidth && c.TimeBandwidth > 0) {
		return fmt.Errorf("%w: bandwidths fast %g, slow %g, time %g Hz", ErrConfig, c.FastBandwidth, c.SlowBandwidth, c.TimeBandwidth)
	}
	if c.FastTime < 0 || !(c.MaxPPM > 0 && c.MaxPPM <= 100000) || c.GrossFrames < 1 || c.LockFrames < 1 {
		return fmt.Errorf("%w: fast time %v, max %g ppm, gross %d, lock %d frames", ErrConfig, c.FastTime, c.MaxPPM, c.GrossFrames, c.LockFrames)
	}
	return nil
}

// Stats is a snapshot of the adapter's counters.
type Stats struct {
	Underruns uint64  // consumer callbacks that found too little input
	Overruns  uint64  // producer callbacks that found the FIFO full
	Jumps     uint64  // one-step corrections of the fill, the first included
	RatioPPM  float64 // correction in use: (ratio-1) x 1e6, input frames per output frame
	DriftPPM  float64 // the loop's estimate of the clock offset (its integral), ppm
	Fill      float64 // fill measured at the last consumer callback entry, in frames
	Error     float64 // Fill minus the target, in frames
	Locked    bool    // loop narrowed and error small
}

// Adapter bridges two clock domains at a fixed latency. Write belongs to
// the producer's callback, Read to the consumer's; Stats to anyone.
type Adapter struct {
	cfg  Config
	ring *fifo.Ring

	// Producer side.
	pdll timeDLL

	// The producer's timeline, published under a sequence lock: the
	// producer never waits, the consumer retries the rare torn read.
	seq   atomic.Uint64
	snapT atomic.Uint64 // float64 bits: smoothed time of the last write
	snapW atomic.Uint64 // ring's written count after it
	snapP atomic.Uint64 // float64 bits: producer seconds per frame
	snapG atomic.Uint64 // restarts of the producer's time loop

	// Consumer side.
	cdll      timeDLL
	rs        *resample.Resampler
	staging   []float32
	have      bool    // a producer snapshot has been seen
	lastT     float64 // last snapshot read
	lastW     uint64
	lastP     float64
	lastG     uint64
	errLP     float64 // fill error through the loop's low-pass
	needJump  bool
	hold      int // frames of silence owed to raise the fill
	skip      int // frames still to discard to lower the fill
	integ     float64
	ratio     float64
	sinceJump float64 // consumer seconds since the last jump
	inBand    float64 // consumer seconds the error has been within LockFrames
	stallAge  float64 // producer silence that counts as a stall, s
	// quantum, when non-zero, rounds the ratio to multiples of it: the
	// simulation uses it to model controllers that move the rate in
	// whole-Hz steps (PulseAudio's loopback).
	quantum float64
	// adjustEvery, when non-zero, replaces the loop by one that moves
	// the ratio only every adjustEvery seconds, by the slope of the
	// error since the last adjustment plus what removes the error over
	// the next interval: a model of PulseAudio's loopback (adjust_time
	// 10 s) for the comparison in the simulation.
	adjustEvery float64
	adjustAge   float64
	adjustPrev  float64
	adjustments int

	underruns, overruns, jumps atomic.Uint64
	ratioBits, fillBits        atomic.Uint64
	driftBits                  atomic.Uint64
	errBits                    atomic.Uint64
	locked                     atomic.Bool
}

// epoch anchors the monotonic timestamps Read and Write take when the
// caller has none of its own.
var epoch = time.Now()

// NewAdapter returns an adapter for cfg, with defaults filled in.
func NewAdapter(cfg Config) (*Adapter, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	a := &Adapter{
		cfg:      cfg,
		ring:     fifo.New(cfg.CapacityFrames, cfg.Channels),
		rs:       resample.New(cfg.Channels, cfg.Quality),
		staging:  make([]float32, (cfg.MaxBlockFrames*2+64)*cfg.Channels),
		needJump: true,
		ratio:    1,
	}
	rate := float64(cfg.Rate)
	a.pdll = timeDLL{bw: cfg.TimeBandwidth, reset: 0.25, rate: rate}
	a.cdll = timeDLL{bw: cfg.TimeBandwidth, reset: 0.25, rate: rate}
	// The producer has stalled when nothing arrived for the target
	// latency plus a block: the FIFO is running dry.
	a.stallAge = float64(cfg.TargetFrames+cfg.MaxBlockFrames)/rate + 0.05
	return a, nil
}

// Config returns the configuration in use, defaults filled in.
func (a *Adapter) Config() Config { return a.cfg }

// Write is WriteAt stamped with the monotonic clock.
func (a *Adapter) Write(p []float32) int { return a.WriteAt(p, time.Since(epoch)) }

// WriteAt queues the producer's block p (interleaved frames), whose
// callback was entered at now on a monotonic timeline shared with ReadAt,
// and returns the frames queued; fewer than offered is an overrun.
func (a *Adapter) WriteAt(p []float32, now time.Duration) int {
	frames := len(p) / a.cfg.Channels
	n := a.ring.Write(p)
	if n < frames {
		a.overruns.Add(1)
	}
	t, _ := a.pdll.update(now.Seconds(), frames)
	// t is the time of the callback's entry, when this block had just
	// been captured: the written count belongs to it.
	s := a.seq.Load()
	a.seq.Store(s + 1)
	a.snapT.Store(math.Float64bits(t))
	a.snapW.Store(a.ring.Written())
	a.snapP.Store(math.Float64bits(a.pdll.per))
	a.snapG.Store(a.pdll.gen)
	a.seq.Store(s + 2)
	return n
}

// snapshot reads the producer's timeline; it keeps the previous one when
// the producer is publishing right now.
func (a *Adapter) snapshot() {
	for range 4 {
		s := a.seq.Load()
		if s&1 == 1 {
			continue
		}
		t, w, p, g := a.snapT.Load(), a.snapW.Load(), a.snapP.Load(), a.snapG.Load()
		if a.seq.Load() != s {
			continue
		}
		if s == 0 {
			return // nothing published yet
		}
		if a.have && g != a.lastG {
			// The producer's timeline broke: the fill moved by
			// an unknown amount.
			a.needJump = true
		}
		a.lastT, a.lastW, a.lastP, a.lastG = math.Float64frombits(t), w, math.Float64frombits(p), g
		a.have = true
		return
	}
}

// Read is ReadAt stamped with the monotonic clock.
func (a *Adapter) Read(out []float32) { a.ReadAt(out, time.Since(epoch)) }

// ReadAt fills out (interleaved frames) for the consumer's callback entered
// at now: it measures the fill, runs the loop and resamples from the FIFO,
// playing silence where there is nothing to play.
func (a *Adapter) ReadAt(out []float32, now time.Duration) {
	ch := a.cfg.Channels
	frames := len(out) / ch
	out = out[:frames*ch]
	if frames == 0 {
		return
	}
	rate := float64(a.cfg.Rate)
	period := float64(frames) / rate
	tc, restarted := a.cdll.update(now.Seconds(), frames)
	if restarted {
		// A gap in our own callbacks (or the first): the fill has
		// moved by an unknown amount.
		a.needJump = true
	}
	a.snapshot()
	if !a.have {
		clear(out) // the producer has not started
		return
	}
	if tc-a.lastT > a.stallAge || (a.needJump && a.ring.Fill() == 0) {
		// The producer stopped (or has not delivered since the
		// FIFO ran dry): play silence, and jump once it is back.
		if a.jumps.Load() > 0 {
			a.underruns.Add(1)
		}
		a.needJump = true
		a.setLocked(false)
		clear(out)
		return
	}

	fill := float64(a.lastW) + (tc-a.lastT)/a.lastP - float64(a.ring.ReadCount()) + a.rs.Pending() + float64(a.hold) - float64(a.skip)
	target := float64(a.cfg.TargetFrames)
	e := fill - target
	a.fillBits.Store(math.Float64bits(fill))
	a.errBits.Store(math.Float64bits(e))

	if a.needJump || math.Abs(e) > float64(a.cfg.GrossFrames) {
		a.jump(e)
	} else {
		a.steer(e, period)
	}

	// Apply a pending jump: discard what the FIFO holds of the excess
	// (the rest of it is still to arrive), emit the silence owed.
	if a.skip > 0 {
		a.skip -= a.ring.Discard(a.skip)
	}
	done := 0
	if a.hold > 0 {
		done = min(a.hold, frames)
		clear(out[:done*ch])
		a.hold -= done
	}
	for done < frames {
		want := min(frames-done, a.cfg.MaxBlockFrames)
		need := min(a.rs.Need(want, a.ratio), len(a.staging)/ch)
		n := a.ring.Read(a.staging[:need*ch])
		_, p := a.rs.Process(a.staging[:n*ch], out[done*ch:(done+want)*ch], a.ratio)
		done += p
		if p < want && n < need {
			// The FIFO ran dry: the latency is now wrong by the
			// silence played, so jump back to the target next time.
			clear(out[done*ch:])
			a.underruns.Add(1)
			a.needJump = true
			a.setLocked(false)
			break
		}
	}
	a.sinceJump += period
}

// jump sets the fill to the target in one step by owing silence or
// discarding frames, and restarts the fast phase of the loop. The integral
// (the drift estimate) survives unless this is the first jump.
func (a *Adapter) jump(e float64) {
	a.hold, a.skip = 0, 0
	if e < 0 {
		a.hold = int(math.Round(-e))
	} else {
		a.skip = int(math.Round(e))
	}
	a.needJump = false
	a.errLP = 0
	a.sinceJump = 0
	a.inBand = 0
	a.jumps.Add(1)
	a.setLocked(false)
	a.publishRatio()
}

// steer runs one step of the proportional-integral loop. With natural
// frequency wn = 2 pi B and damping 1/sqrt 2, the closed loop
// dfill/dt = Rate x (drift - u) has the characteristic polynomial
// s^2 + Rate kp s + Rate ki = s^2 + sqrt2 wn s + wn^2. The error first
// passes a low-pass at lowPassFactor x B, which keeps the residual timing
// noise out of the ratio at the cost of a few degrees of phase margin.
func (a *Adapter) steer(e, period float64) {
	if a.adjustEvery > 0 {
		a.adjust(e, period)
		return
	}
	bw := a.bandwidth()
	a.errLP += (1 - math.Exp(-2*math.Pi*lowPassFactor*bw*period)) * (e - a.errLP)
	e = a.errLP
	wn := 2 * math.Pi * bw
	rate := float64(a.cfg.Rate)
	kp := math.Sqrt2 * wn / rate
	ki := wn * wn / rate
	limit := a.cfg.MaxPPM * 1e-6

	integ := a.integ + ki*e*period
	integ = math.Max(-limit, math.Min(limit, integ))
	a.integ = integ
	u := math.Max(-limit, math.Min(limit, integ+kp*e))
	if a.quantum > 0 {
		u = math.Round(u/a.quantum) * a.quantum
	}
	a.ratio = 1 + u
	a.publishRatio()

	narrowed := a.sinceJump >= 2*a.cfg.FastTime.Seconds()
	if narrowed && math.Abs(e) <= float64(a.cfg.LockFrames) {
		a.inBand += period
	} else if !a.locked.Load() {
		a.inBand = 0
	}
	if narrowed && a.inBand >= 1 {
		a.setLocked(true)
	}
}

const lowPassFactor = 8

// adjust is the periodic controller that adjustEvery selects.
func (a *Adapter) adjust(e, period float64) {
	a.adjustAge += period
	if a.sinceJump > 0 && a.adjustAge < a.adjustEvery {
		return
	}
	rate := float64(a.cfg.Rate)
	u := a.ratio - 1
	if a.sinceJump > 0 {
		u += (e-a.adjustPrev)/a.adjustAge/rate + e/a.adjustEvery/rate
	}
	a.adjustPrev, a.adjustAge = e, 0
	a.adjustments++
	limit := a.cfg.MaxPPM * 1e-6
	u = math.Max(-limit, math.Min(limit, u))
	if a.quantum > 0 {
		u = math.Round(u/a.quantum) * a.quantum
	}
	a.ratio, a.integ = 1+u, u
	a.publishRatio()
	if a.adjustments > 3 {
		a.setLocked(true) // measure it settled, after three corrections
	}
}

// bandwidth is the loop bandwidth sinceJump seconds after the last jump:
// fast, then narrowing geometrically to slow over another FastTime.
func (a *Adapter) bandwidth() float64 {
	fast, slow := a.cfg.FastBandwidth, a.cfg.SlowBandwidth
	ft := a.cfg.FastTime.Seconds()
	switch {
	case a.sinceJump < ft:
		return fast
	case a.sinceJump >= 2*ft || ft == 0:
		return slow
	}
	return fast * math.Pow(slow/fast, (a.sinceJump-ft)/ft)
}

func (a *Adapter) publishRatio() {
	a.ratioBits.Store(math.Float64bits((a.ratio - 1) * 1e6))
	a.driftBits.Store(math.Float64bits(a.integ * 1e6))
}

func (a *Adapter) setLocked(v bool) {
	if a.locked.Load() != v {
		a.locked.Store(v)
	}
}

// Stats returns the current counters; safe from any goroutine.
func (a *Adapter) Stats() Stats {
	return Stats{
		Underruns: a.underruns.Load(),
		Overruns:  a.overruns.Load(),
		Jumps:     a.jumps.Load(),
		RatioPPM:  math.Float64frombits(a.ratioBits.Load()),
		DriftPPM:  math.Float64frombits(a.driftBits.Load()),
		Fill:      math.Float64frombits(a.fillBits.Load()),
		Error:     math.Float64frombits(a.errBits.Load()),
		Locked:    a.locked.Load(),
	}
}

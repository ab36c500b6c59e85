package drift

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// side is one simulated sound card: a callback every block frames of its
// own clock, delivered with scheduling jitter and, now and then, late by
// two periods and followed by the two callbacks it held up back to back.
type side struct {
	rate    float64 // true frames per second of this card's clock
	block   int
	offset  float64 // time of callback 0, s
	jitter  float64 // uniform extra delay in [0, jitter), s
	lateGap int     // one callback in about this many is two periods late; 0: never

	k         int
	lateUntil int     // callbacks before this index are held up
	lateTime  float64 // ... until this time
	last      float64 // delivery time of the previous callback
	rng       *rand.Rand
}

// ideal returns the time the clock says callback k happens.
func (s *side) ideal(k int) float64 { return s.offset + float64(k*s.block)/s.rate }

// next returns the delivery time of the next callback and its ideal time.
func (s *side) next() (deliver, ideal float64) {
	ideal = s.ideal(s.k)
	deliver = ideal + s.rng.Float64()*s.jitter
	if s.k < s.lateUntil {
		deliver = s.lateTime
	} else if s.lateGap > 0 && s.k > 10 && s.rng.IntN(s.lateGap) == 0 {
		// Held up for two periods; the two callbacks due meanwhile
		// then run back to back.
		s.lateUntil = s.k + 3
		s.lateTime = s.ideal(s.k+2) + s.rng.Float64()*s.jitter
		deliver = s.lateTime
	}
	deliver = math.Max(deliver, s.last+1e-6)
	s.last = deliver
	s.k++
	return deliver, ideal
}

type simConfig struct {
	ppm        float64 // consumer clock against nominal
	produerPPM float64 // producer clock against nominal
	seconds    float64 // simulated audio
	jitter     time.Duration
	lateGap    int
	target     int
	pblock     int     // default 256
	cblock     int     // default 256
	quantum    float64 // see Adapter.quantum
	adjust     float64 // see Adapter.adjustEvery
	stallAt    float64 // producer stops at this time for stallFor seconds
	stallFor   float64
	sine       float64 // producer plays a sine of this frequency (Hz), else a constant pattern
	seed       uint64
	// onOutput, if set, sees every consumer block after Locked.
	onOutput func(out []float32)
}

type simResult struct {
	lockAt       float64 // seconds of simulated audio until Locked, -1 if never
	relockAt     float64 // after the stall
	maxTrueErr   float64 // |true fill - target| after lock, frames
	maxMeasErr   float64 // |measured error| after lock, frames
	rmsTrueErr   float64
	underruns    uint64 // after the last lock
	overruns     uint64
	jumps        uint64
	totalUnder   uint64
	totalJumps   uint64
	ratioPPM     float64 // the loop's drift estimate at the end
	trueRatioPPM float64
	ratioSpread  float64 // max-min of the applied ratio from 10 s after lock, ppm
}

const simRate = 48000

// simulate drives an Adapter with two simulated clocks in virtual time.
// The true fill is what an observer of both hardware clocks would see:
// frames the producer's clock has captured by the consumer's ideal
// callback instant, minus the frames the consumer has taken and not yet
// played (silence it still owes counts as fill).
func simulate(t testing.TB, sc simConfig) simResult {
	t.Helper()
	if sc.pblock == 0 {
		sc.pblock = 256
	}
	if sc.cblock == 0 {
		sc.cblock = 256
	}
	a, err := NewAdapter(Config{Rate: simRate, Channels: 1, TargetFrames: sc.target})
	if err != nil {
		t.Fatal(err)
	}
	a.quantum = sc.quantum
	a.adjustEvery = sc.adjust
	rng := rand.New(rand.NewPCG(sc.seed+uint64(int64(sc.ppm*1000)), 7))
	j := sc.jitter.Seconds()
	prate := simRate * (1 + sc.produerPPM*1e-6)
	crate := simRate * (1 + sc.ppm*1e-6)
	p := &side{rate: prate, block: sc.pblock, offset: float64(sc.pblock) / prate, jitter: j, lateGap: sc.lateGap, rng: rng}
	c := &side{rate: crate, block: sc.cblock, offset: 0.0037, jitter: j, lateGap: sc.lateGap, rng: rng}

	in := make([]float32, sc.pblock)
	out := make([]float32, sc.cblock)
	written := 0 // frames the producer's clock has captured so far
	lost := 0    // frames captured in the stall and never written

	res := simResult{lockAt: -1, relockAt: -1, trueRatioPPM: (prate/crate - 1) * 1e6}
	var base Stats
	var sumSq float64
	var n int
	minR, maxR := math.Inf(1), math.Inf(-1)
	locked := false
	lockedAt := 0.0
	stalled := func(t float64) bool { return sc.stallFor > 0 && t >= sc.stallAt && t < sc.stallAt+sc.stallFor }
	pt, pideal := p.next()
	ct, cideal := c.next()
	for cideal < sc.seconds {
		if pt <= ct {
			if !stalled(pideal) {
				for i := range in {
					if sc.sine > 0 {
						in[i] = float32(0.5 * math.Sin(2*math.Pi*sc.sine*float64(written+i)/prate))
					} else {
						in[i] = float32(i%17) / 17
					}
				}
				a.WriteAt(in, time.Duration(pt*1e9))
			} else {
				lost += sc.pblock
			}
			written += sc.pblock
			pt, pideal = p.next()
			continue
		}
		captured := cideal*prate - float64(lost)
		held := float64(a.ring.ReadCount()) - a.rs.Pending() - float64(a.hold) + float64(a.skip)
		trueErr := captured - held - float64(sc.target)
		a.ReadAt(out, time.Duration(ct*1e9))
		st := a.Stats()
		if !locked && st.Locked {
			locked, lockedAt, base = true, cideal, st
			minR, maxR = math.Inf(1), math.Inf(-1)
			if res.lockAt < 0 {
				res.lockAt = cideal
			} else {
				res.relockAt = cideal - (sc.stallAt + sc.stallFor)
				res.maxTrueErr, res.maxMeasErr, sumSq, n = 0, 0, 0, 0
			}
		}
		if locked && !st.Locked {
			locked = false
		}
		if locked {
			res.maxTrueErr = math.Max(res.maxTrueErr, math.Abs(trueErr))
			res.maxMeasErr = math.Max(res.maxMeasErr, math.Abs(st.Error))
			sumSq += trueErr * trueErr
			n++
			if cideal > lockedAt+10 {
				minR = math.Min(minR, st.RatioPPM)
				maxR = math.Max(maxR, st.RatioPPM)
			}
			if sc.onOutput != nil {
				sc.onOutput(out)
			}
		}
		ct, cideal = c.next()
	}
	st := a.Stats()
	res.ratioPPM = st.DriftPPM
	res.totalUnder, res.totalJumps = st.Underruns, st.Jumps
	if res.lockAt >= 0 {
		res.underruns = st.Underruns - base.Underruns
		res.overruns = st.Overruns - base.Overruns
		res.jumps = st.Jumps - base.Jumps
		res.rmsTrueErr = math.Sqrt(sumSq / float64(max(n, 1)))
		res.ratioSpread = maxR - minR
	}
	return res
}

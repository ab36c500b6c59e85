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
	ppm      float64 // consumer clock offset against the producer's
	seconds  float64 // simulated audio
	jitter   time.Duration
	lateGap  int
	target   int
	quantum  float64 // see Adapter.quantum
	producer float64 // producer rate; default 48000
}

type simResult struct {
	lockAt        float64 // simulated seconds until Locked, -1 if never
	maxTrueErr    float64 // |true fill - target| after lock, frames
	maxMeasErr    float64 // |measured error| after lock, frames
	rmsTrueErr    float64
	underruns     uint64 // after lock
	overruns      uint64 // after lock
	jumps         uint64 // after lock
	ratioPPM      float64
	trueRatioPPM  float64
	ratioSpreadPP float64 // max-min ratio after lock plus 10 s, ppm
}

// simulate drives an Adapter with two simulated clocks in virtual time.
// The true fill is what an observer with both hardware clocks would see:
// frames captured by the producer's clock by the consumer's ideal callback
// instant, minus the frames the consumer has taken and not yet played.
func simulate(t testing.TB, sc simConfig) simResult {
	t.Helper()
	const rate = 48000
	const block = 256
	if sc.producer == 0 {
		sc.producer = rate
	}
	a, err := NewAdapter(Config{Rate: rate, Channels: 1, TargetFrames: sc.target})
	if err != nil {
		t.Fatal(err)
	}
	a.quantum = sc.quantum
	rng := rand.New(rand.NewPCG(uint64(sc.ppm*1000)+1, 7))
	j := sc.jitter.Seconds()
	p := &side{rate: sc.producer, block: block, offset: float64(block) / sc.producer, jitter: j, lateGap: sc.lateGap, rng: rng}
	c := &side{rate: rate * (1 + sc.ppm*1e-6), block: block, offset: 0.0037, jitter: j, lateGap: sc.lateGap, rng: rng}

	in := make([]float32, block)
	for i := range in {
		in[i] = float32(math.Sin(float64(i) * 0.1))
	}
	out := make([]float32, block)

	res := simResult{lockAt: -1, trueRatioPPM: (sc.producer/c.rate - 1) * 1e6}
	var base Stats
	var sumSq float64
	var n int
	minR, maxR := math.Inf(1), math.Inf(-1)
	pt, _ := p.next()
	ct, cideal := c.next()
	for cideal < sc.seconds {
		if pt <= ct {
			a.WriteAt(in, time.Duration(pt*1e9))
			pt, _ = p.next()
			continue
		}
		// The true fill at the consumer's callback instant, before it
		// takes anything: frames captured by the producer's clock by
		// then, minus the frames the consumer has taken and played.
		captured := cideal * sc.producer
		held := float64(a.ring.ReadCount()) - a.rs.Pending() - float64(a.hold) + float64(a.skip)
		trueErr := captured - held - float64(sc.target)
		a.ReadAt(out, time.Duration(ct*1e9))
		st := a.Stats()
		if res.lockAt < 0 && st.Locked {
			res.lockAt = cideal
			base = st
		}
		if res.lockAt >= 0 {
			e := trueErr
			res.maxTrueErr = math.Max(res.maxTrueErr, math.Abs(e))
			res.maxMeasErr = math.Max(res.maxMeasErr, math.Abs(st.Error))
			sumSq += e * e
			n++
			if cideal > res.lockAt+10 {
				minR = math.Min(minR, st.RatioPPM)
				maxR = math.Max(maxR, st.RatioPPM)
			}
		}
		ct, cideal = c.next()
	}
	st := a.Stats()
	res.ratioPPM = a.integ * 1e6
	if res.lockAt >= 0 {
		res.underruns = st.Underruns - base.Underruns
		res.overruns = st.Overruns - base.Overruns
		res.jumps = st.Jumps - base.Jumps
		res.rmsTrueErr = math.Sqrt(sumSq / float64(max(n, 1)))
		res.ratioSpreadPP = maxR - minR
	}
	return res
}

var (
	jit = 300 * time.Microsecond
	lg  = 500
)

func TestSimulatedDrift(t *testing.T) {
	for _, ppm := range []float64{0, 100, -100, 500, -500, 1000, -1000} {
		r := simulate(t, simConfig{ppm: ppm, seconds: 60, jitter: jit, lateGap: lg, target: 1200})
		t.Logf("%+5.0f ppm: lock %.2f s, true err max %.1f rms %.2f, meas err max %.1f, ratio %.2f ppm (true %.2f), spread %.2f ppm, under %d over %d jumps %d",
			ppm, r.lockAt, r.maxTrueErr, r.rmsTrueErr, r.maxMeasErr, r.ratioPPM, r.trueRatioPPM, r.ratioSpreadPP, r.underruns, r.overruns, r.jumps)
	}
}

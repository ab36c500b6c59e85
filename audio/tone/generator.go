package tone

import (
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"
)

// program is an immutable, ready-to-play tone, built on the control side so
// that the audio thread only multiplies and adds.
type program struct {
	n   int                  // components
	amp [MaxFreqs]float64    // peak amplitude per component
	rot [MaxFreqs]complex128 // per-sample rotation e^{i 2 pi f / rate}
	// seg holds the cadence in samples: on, off, on, off...; nil means
	// continuous. With once set, the segments play once and then the
	// voice falls silent (a DTMF digit).
	seg  []int64
	once bool
}

// voice is the audio thread's state for one slot.
type voice struct {
	prog   *program
	osc    [MaxFreqs]complex128
	seg    int   // current cadence segment
	pos    int64 // samples into the current segment
	done   bool
	silent bool // prog is nil or has no components
}

// Generator mixes at most one call-progress tone and one DTMF digit into
// audio. Play, PlayDTMF and Stop may be called from any goroutine; Mix
// belongs to the audio callback.
type Generator struct {
	rate int
	ramp int64 // samples of fade in and out at each burst edge: no clicks

	tone atomic.Pointer[program]
	dtmf atomic.Pointer[program]

	tv, dv voice // owned by Mix
}

// NewGenerator returns a silent generator for rate samples per second. It
// panics if rate < 8000 (a programming error).
func NewGenerator(rate int) *Generator {
	if rate < 8000 {
		panic(fmt.Sprintf("tone: rate %d < 8000", rate))
	}
	g := &Generator{rate: rate, ramp: int64(rate / 1000)}
	g.tv.silent, g.dv.silent = true, true
	return g
}

// Rate returns the sample rate the generator was made for.
func (g *Generator) Rate() int { return g.rate }

// ErrUnknownKey is returned (wrapped) by PlayDTMF for a key that has no
// DTMF pair.
var ErrUnknownKey = errors.New("tone: no DTMF pair for key")

func (g *Generator) samples(d time.Duration) int64 {
	return int64(math.Round(d.Seconds() * float64(g.rate)))
}

func (g *Generator) compile(freqs []float64, amps []float64, cadence []time.Duration, once bool) *program {
	p := &program{n: len(freqs), once: once}
	for i, f := range freqs {
		p.amp[i] = amps[i]
		w := 2 * math.Pi * f / float64(g.rate)
		p.rot[i] = complex(math.Cos(w), math.Sin(w))
	}
	if len(cadence) > 0 {
		p.seg = make([]int64, len(cadence))
		for i, d := range cadence {
			p.seg[i] = max(g.samples(d), 1)
		}
	}
	return p
}

// Play starts t from the beginning of its cadence, replacing any tone
// playing; a DTMF digit in progress continues on top of it.
func (g *Generator) Play(t Tone) error {
	if err := t.Validate(g.rate); err != nil {
		return err
	}
	a := Amplitude(t.LevelDBm0)
	amps := []float64{a, a, a, a}
	g.tone.Store(g.compile(t.Freqs, amps[:len(t.Freqs)], t.Cadence, false))
	return nil
}

// PlayDTMF plays the Q.23 pair of key once for d (the ITU recommends at
// least 40 ms), replacing a digit still playing.
func (g *Generator) PlayDTMF(key byte, d time.Duration) error {
	lo, hi, ok := DTMF(key)
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownKey, key)
	}
	if d <= 0 {
		return fmt.Errorf("%w: DTMF duration %v not positive", ErrInvalidTone, d)
	}
	amps := []float64{Amplitude(DTMFLowDBm0), Amplitude(DTMFHighDBm0)}
	g.dtmf.Store(g.compile([]float64{lo, hi}, amps, []time.Duration{d}, true))
	return nil
}

// Stop silences the call-progress tone. A DTMF digit in progress ends on
// its own.
func (g *Generator) Stop() { g.tone.Store(nil) }

// StopDTMF cuts a DTMF digit short.
func (g *Generator) StopDTMF() { g.dtmf.Store(nil) }

// Mix adds the current tone and DTMF digit to every channel of the
// interleaved frames in out. It allocates nothing and takes no locks.
func (g *Generator) Mix(out []float32, channels int) {
	if channels < 1 {
		return
	}
	frames := len(out) / channels
	g.tv.follow(g.tone.Load())
	g.dv.follow(g.dtmf.Load())
	if !g.tv.silent {
		g.tv.mix(out, frames, channels, g.ramp)
	}
	if !g.dv.silent {
		g.dv.mix(out, frames, channels, g.ramp)
	}
}

// follow switches the voice to p if the control side stored a new program.
func (v *voice) follow(p *program) {
	if p == v.prog {
		return
	}
	v.prog = p
	v.seg, v.pos, v.done = 0, 0, false
	v.silent = p == nil || p.n == 0
	v.restart()
}

// restart sets every oscillator to phase zero: each burst starts the same
// way, which keeps the output deterministic.
func (v *voice) restart() {
	for i := range v.osc {
		v.osc[i] = 1
	}
}

func (v *voice) mix(out []float32, frames, channels int, ramp int64) {
	p := v.prog
	for f := 0; f < frames; f++ {
		if v.done {
			break
		}
		on := true
		segLen := int64(-1)
		if p.seg != nil {
			segLen = p.seg[v.seg]
			on = v.seg%2 == 0
		}
		if on {
			var s float64
			for i := 0; i < p.n; i++ {
				s += p.amp[i] * imag(v.osc[i])
				v.osc[i] *= p.rot[i]
			}
			s *= envelope(v.pos, segLen, ramp)
			x := float32(s)
			for c := range channels {
				out[f*channels+c] += x
			}
		}
		v.pos++
		if segLen >= 0 && v.pos >= segLen {
			v.pos = 0
			v.seg++
			if v.seg == len(p.seg) {
				v.seg = 0
				if p.once {
					v.done = true
				}
			}
			if v.seg%2 == 0 {
				v.restart()
			}
		}
	}
	// Rotating by a unit complex number in floating point lets the
	// magnitude wander; pull it back once per block.
	for i := 0; i < p.n; i++ {
		if m := cmplxAbs(v.osc[i]); m > 0 {
			v.osc[i] /= complex(m, 0)
		}
	}
}

func cmplxAbs(z complex128) float64 { return math.Sqrt(real(z)*real(z) + imag(z)*imag(z)) }

// envelope is a linear fade over ramp samples at both ends of a burst of
// length n (n < 0: continuous, fade in only). It is never zero inside the
// burst, so a burst occupies exactly its samples.
func envelope(pos, n, ramp int64) float64 {
	if ramp <= 0 {
		return 1
	}
	if n >= 0 && 2*ramp > n {
		ramp = n / 2
		if ramp == 0 {
			return 1
		}
	}
	g := 1.0
	if pos < ramp {
		g = float64(pos+1) / float64(ramp+1)
	}
	if n >= 0 && n-pos <= ramp {
		g = min(g, float64(n-pos)/float64(ramp+1))
	}
	return g
}

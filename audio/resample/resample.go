package resample

import (
	"fmt"
	"math"
)

// Quality selects the interpolator.
type Quality int

// Interpolators, cheapest first. The zero value, Default, selects Sinc16:
// transparent for voice at a fraction of a percent of one core.
const (
	Default Quality = iota
	Cubic
	Sinc16
	Sinc32
)

// String names the quality for flags and logs.
func (q Quality) String() string {
	switch q {
	case Default:
		return "default"
	case Cubic:
		return "cubic"
	case Sinc16:
		return "sinc16"
	case Sinc32:
		return "sinc32"
	}
	return fmt.Sprintf("Quality(%d)", int(q))
}

// phases is the number of table rows per input sample interval for the
// sinc interpolators; coefficients between rows are interpolated linearly.
const phases = 512

// MaxInputFrames is the largest number of input frames a single Process
// call takes in; callers feeding more simply see consumed < len(in).
const MaxInputFrames = 8192

// Resampler converts a stream of interleaved frames at a variable ratio.
// It is not safe for concurrent use; it belongs to one audio callback.
type Resampler struct {
	ch    int
	q     Quality
	taps  int // interpolator length in frames
	left  int // frames needed before the position: taps/2 - 1
	right int // frames needed after the position's integer part: taps/2
	table []float32
	delta []float32 // table[p+1]-table[p], so one multiply-add per tap
	coef  []float32 // scratch: coefficients for the current output

	hist []float32 // interleaved input history
	hl   int       // frames held in hist
	drop int       // input frames to skip: the position ran past hist
	pos  float64   // position of the next output, in frames into hist
}

// New returns a resampler for frames of channels samples. It panics if
// channels < 1 or the quality is unknown (programming errors).
func New(channels int, quality Quality) *Resampler {
	if channels < 1 {
		panic(fmt.Sprintf("resample: channels %d < 1", channels))
	}
	if quality == Default {
		quality = Sinc16
	}
	r := &Resampler{ch: channels, q: quality}
	switch quality {
	case Cubic:
		r.taps = 4
	case Sinc16:
		r.taps = 16
		r.table, r.delta = sincTable(16, kaiserBeta16)
	case Sinc32:
		r.taps = 32
		r.table, r.delta = sincTable(32, kaiserBeta32)
	default:
		panic(fmt.Sprintf("resample: unknown quality %d", int(quality)))
	}
	r.left = r.taps/2 - 1
	r.right = r.taps / 2
	r.coef = make([]float32, r.taps)
	r.hist = make([]float32, (r.taps+MaxInputFrames)*channels)
	r.Reset()
	return r
}

// Reset forgets all input, as if the resampler were new.
func (r *Resampler) Reset() {
	clear(r.hist)
	// Zeros before the first input frame stand in for the past, so the
	// first output lies exactly on the first input frame.
	r.hl = r.left
	r.drop = 0
	r.pos = float64(r.left)
}

// Channels returns the number of samples per frame.
func (r *Resampler) Channels() int { return r.ch }

// Quality returns the interpolator in use (never Default).
func (r *Resampler) Quality() Quality { return r.q }

// Pending returns how many input frames the resampler holds beyond the
// position of its next output, fractional part included. A FIFO fill
// measured for latency control must add it: those frames have left the
// FIFO but have not been played.
func (r *Resampler) Pending() float64 { return float64(r.hl-r.drop) - r.pos }

// Need returns how many more input frames Process needs to produce
// outFrames output frames at ratio. It may be off by one frame through
// rounding; Process tells the truth in its return values.
func (r *Resampler) Need(outFrames int, ratio float64) int {
	if outFrames <= 0 {
		return 0
	}
	ratio = sane(ratio)
	last := r.pos + float64(outFrames-1)*ratio
	n := int(last) + r.right + 1 - r.hl + r.drop
	if n < 0 {
		return 0
	}
	return n
}

// sane maps ratios the interpolator cannot honour to 1, so a broken
// control loop produces pitch-neutral audio instead of a crash.
func sane(ratio float64) float64 {
	if !(ratio > 0.125 && ratio < 8) { // also catches NaN
		return 1
	}
	return ratio
}

// Process takes input frames from in and writes output frames to out, the
// position advancing by ratio input frames per output frame (ratio > 1
// consumes input faster than it produces output). It takes in all the input
// it can hold (up to MaxInputFrames beyond its history) and stops when out is
// full or the input runs short, returning whole frames consumed and
// produced. A ratio outside (1/8, 8) or NaN is treated as 1.
func (r *Resampler) Process(in, out []float32, ratio float64) (consumed, produced int) {
	ratio = sane(ratio)
	ch := r.ch
	inFrames := len(in) / ch
	outFrames := len(out) / ch

	// Drop history the next output no longer needs, then append input.
	if keep := int(r.pos) - r.left; keep > 0 {
		if keep <= r.hl {
			copy(r.hist, r.hist[keep*ch:r.hl*ch])
			r.hl -= keep
		} else {
			// A large ratio stepped past everything held: the
			// input up to the position is skipped as it arrives.
			r.drop += keep - r.hl
			r.hl = 0
		}
		r.pos -= float64(keep)
	}
	skip := min(r.drop, inFrames)
	r.drop -= skip
	space := len(r.hist)/ch - r.hl
	take := min(inFrames-skip, space)
	copy(r.hist[r.hl*ch:], in[skip*ch:(skip+take)*ch])
	r.hl += take
	consumed = skip + take

	for produced < outFrames {
		i := int(r.pos)
		if i+r.right >= r.hl {
			break
		}
		r.coefficients(r.pos - float64(i))
		base := (i - r.left) * ch
		o := out[produced*ch : produced*ch+ch]
		if ch == 1 {
			o[0] = dot(r.coef, r.hist[base:base+r.taps])
		} else {
			for c := range ch {
				var acc float32
				for k, w := range r.coef {
					acc += w * r.hist[base+k*ch+c]
				}
				o[c] = acc
			}
		}
		produced++
		r.pos += ratio
	}
	return consumed, produced
}

func dot(w, x []float32) float32 {
	x = x[:len(w)]
	var a0, a1, a2, a3 float32
	k := 0
	for ; k+4 <= len(w); k += 4 {
		a0 += w[k] * x[k]
		a1 += w[k+1] * x[k+1]
		a2 += w[k+2] * x[k+2]
		a3 += w[k+3] * x[k+3]
	}
	for ; k < len(w); k++ {
		a0 += w[k] * x[k]
	}
	return (a0 + a1) + (a2 + a3)
}

// coefficients fills r.coef for an output at fraction mu in [0, 1) past an
// input frame.
func (r *Resampler) coefficients(mu float64) {
	if r.q == Cubic {
		m := float32(mu)
		m2 := m * m
		m3 := m2 * m
		r.coef[0] = 0.5 * (-m3 + 2*m2 - m)
		r.coef[1] = 0.5 * (3*m3 - 5*m2 + 2)
		r.coef[2] = 0.5 * (-3*m3 + 4*m2 + m)
		r.coef[3] = 0.5 * (m3 - m2)
		return
	}
	ph := mu * phases
	p := int(ph)
	f := float32(ph - float64(p))
	row := r.table[p*r.taps : (p+1)*r.taps]
	d := r.delta[p*r.taps : (p+1)*r.taps]
	for k := range r.coef {
		r.coef[k] = row[k] + f*d[k]
	}
}

// Kaiser window shapes, chosen by a sweep of TestQuality's measurement:
// a larger beta trades the top octave (the response droops towards
// Nyquist) for accuracy in the voice band. At 16 taps, beta 12 gives more
// than 105 dB up to 8 kHz and still 54 dB at 15 kHz; at 32 taps beta 13
// gives more than 115 dB up to 15 kHz.
const (
	kaiserBeta16 = 12.0
	kaiserBeta32 = 13.0
)

// sincTable returns phases+1 rows of taps coefficients: row p holds the
// windowed sinc evaluated at offsets k-left-p/phases, normalised to unit
// DC gain so that no phase changes the level.
func sincTable(taps int, beta float64) (table, delta []float32) {
	left := taps/2 - 1
	half := float64(taps / 2)
	table = make([]float32, (phases+1)*taps)
	row := make([]float64, taps)
	for p := 0; p <= phases; p++ {
		mu := float64(p) / phases
		var sum float64
		for k := range taps {
			t := float64(k-left) - mu
			row[k] = sinc(t) * kaiser(t/half, beta)
			sum += row[k]
		}
		for k := range taps {
			table[p*taps+k] = float32(row[k] / sum)
		}
	}
	delta = make([]float32, phases*taps)
	for i := range delta {
		delta[i] = table[i+taps] - table[i]
	}
	return table, delta
}

func sinc(t float64) float64 {
	if t == 0 {
		return 1
	}
	if t == math.Trunc(t) {
		// Exact zeros make ratio 1 at phase 0 a bit-exact copy.
		return 0
	}
	x := math.Pi * t
	return math.Sin(x) / x
}

// kaiser is the Kaiser window at x in [-1, 1].
func kaiser(x, beta float64) float64 {
	if x <= -1 || x >= 1 {
		return 0
	}
	return besselI0(beta*math.Sqrt(1-x*x)) / besselI0(beta)
}

func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 50; k++ {
		term *= (x / (2 * float64(k))) * (x / (2 * float64(k)))
		sum += term
		if term < sum*1e-17 {
			break
		}
	}
	return sum
}

package bridge

import "math"

// lowpass is a cascade of two biquads forming a 4th-order Butterworth
// low-pass (RBJ Audio EQ Cookbook coefficients), used before decimation so
// that content above the output's Nyquist frequency does not alias into
// the voice band. It keeps its state between blocks and allocates nothing.
type lowpass struct {
	st [2]biquad
}

type biquad struct {
	b0, b1, b2, a1, a2 float64
	x1, x2, y1, y2     float64
}

// newLowpass returns a low-pass at cutoff Hz for rate Hz.
func newLowpass(cutoff, rate float64) *lowpass {
	// The Q of the two sections of a 4th-order Butterworth filter.
	qs := [2]float64{0.54119610, 1.3065630}
	var l lowpass
	w := 2 * math.Pi * cutoff / rate
	cw, sw := math.Cos(w), math.Sin(w)
	for i, q := range qs {
		alpha := sw / (2 * q)
		a0 := 1 + alpha
		l.st[i] = biquad{
			b0: (1 - cw) / 2 / a0,
			b1: (1 - cw) / a0,
			b2: (1 - cw) / 2 / a0,
			a1: -2 * cw / a0,
			a2: (1 - alpha) / a0,
		}
	}
	return &l
}

// process filters p in place.
func (l *lowpass) process(p []float32) {
	for s := range l.st {
		b := &l.st[s]
		for i, v := range p {
			x := float64(v)
			y := b.b0*x + b.b1*b.x1 + b.b2*b.x2 - b.a1*b.y1 - b.a2*b.y2
			b.x2, b.x1 = b.x1, x
			b.y2, b.y1 = b.y1, y
			p[i] = float32(y)
		}
	}
}

package resample

import (
	"fmt"
	"math"
	"testing"
)

var qualities = []Quality{Cubic, Sinc16, Sinc32}

func TestRatioOneIsExact(t *testing.T) {
	for _, q := range qualities {
		r := New(2, q)
		in := make([]float32, 2*1000)
		for i := range in {
			in[i] = float32(math.Sin(float64(i) * 0.37))
		}
		out := make([]float32, len(in))
		c, p := r.Process(in, out, 1)
		// Everything is taken in; the last taps/2 frames wait for
		// look-ahead.
		if c != 1000 || p != 1000-r.right {
			t.Fatalf("%v: consumed %d produced %d, want 1000 %d", q, c, p, 1000-r.right)
		}
		for i := 0; i < p*2; i++ {
			if out[i] != in[i] {
				t.Fatalf("%v: out[%d] = %g, want %g", q, i, out[i], in[i])
			}
		}
	}
}

func TestDefaultIsSinc16(t *testing.T) {
	if q := New(1, Default).Quality(); q != Sinc16 {
		t.Fatalf("Default resolves to %v, want sinc16", q)
	}
	if s := Sinc32.String(); s != "sinc32" {
		t.Fatalf("String = %q", s)
	}
}

// TestNeedAndPending checks the bookkeeping the drift adapter relies on:
// Need frames in give the asked output (at most one frame short through
// rounding), and Pending tracks frames taken minus positions passed.
func TestNeedAndPending(t *testing.T) {
	for _, q := range qualities {
		for _, ratio := range []float64{1, 1.0005, 0.9993, 1.02, 0.97} {
			r := New(1, q)
			in := make([]float32, 4096)
			out := make([]float32, 256)
			taken, pos := 0, 0.0
			for blk := 0; blk < 200; blk++ {
				need := r.Need(256, ratio)
				c, p := r.Process(in[:need], out, ratio)
				if c != need {
					t.Fatalf("%v %g block %d: consumed %d of %d", q, ratio, blk, c, need)
				}
				if p != 256 {
					// One more frame must finish the block.
					c2, p2 := r.Process(in[:r.Need(256-p, ratio)], out[p:], ratio)
					if p+p2 != 256 || c2 > 1 {
						t.Fatalf("%v %g block %d: produced %d then %d (+%d in)", q, ratio, blk, p, p2, c2)
					}
					c += c2
				}
				taken += c
				pos += 256 * ratio
				want := float64(taken) - pos
				if d := math.Abs(r.Pending() - want); d > 1e-6 {
					t.Fatalf("%v %g block %d: Pending %g, want %g", q, ratio, blk, r.Pending(), want)
				}
			}
		}
	}
}

func TestBadRatioActsAsOne(t *testing.T) {
	for _, ratio := range []float64{0, -1, math.NaN(), math.Inf(1), 100} {
		r := New(1, Sinc16)
		in := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}
		out := make([]float32, 4)
		if _, p := r.Process(in, out, ratio); p != 4 || out[3] != 4 {
			t.Fatalf("ratio %g: produced %d, out %v; want 4 [1 2 3 4]", ratio, p, out)
		}
	}
}

// sineSNR resamples a sine of freq Hz (48 kHz, -1 dBFS) at ratio and
// returns the ratio of signal to everything else in the output, in dB:
// the exact value at each output position is known, so the error is
// everything the interpolator got wrong (noise, distortion, images).
func sineSNR(q Quality, freq, ratio float64) float64 {
	const rate = 48000
	amp := math.Pow(10, -1.0/20)
	w := 2 * math.Pi * freq / rate
	r := New(1, q)
	in := make([]float32, 512)
	out := make([]float32, 256)
	var sig, noise float64
	n, outIdx := 0, 0
	for blk := 0; blk < 400; blk++ {
		need := r.Need(len(out), ratio)
		for i := 0; i < need; i++ {
			in[i] = float32(amp * math.Sin(w*float64(n+i)))
		}
		n += need
		_, p := r.Process(in[:need], out, ratio)
		for i := 0; i < p; i++ {
			if outIdx > 1000 {
				want := amp * math.Sin(w*float64(outIdx)*ratio)
				e := float64(out[i]) - want
				sig += want * want
				noise += e * e
			}
			outIdx++
		}
	}
	return 10 * math.Log10(sig/noise)
}

// TestQuality pins the interpolators' SNR (signal to everything else,
// i.e. THD+N) on -1 dBFS sines at ratio 1.0005 (a 500 ppm clock offset)
// at 48 kHz. Measured with go test -v -run Quality ./audio/resample:
//
//	quality  1 kHz     4 kHz     8 kHz     15 kHz
//	cubic     91.6 dB   54.0 dB   33.4 dB   14.7 dB
//	sinc16   119.0 dB  115.2 dB  109.2 dB   54.0 dB
//	sinc32   134.1 dB  132.5 dB  125.1 dB  115.9 dB
func TestQuality(t *testing.T) {
	floor := map[Quality][2]float64{ // at 1 kHz, at 8 kHz
		Cubic:  {90, 32},
		Sinc16: {117, 107},
		Sinc32: {132, 123},
	}
	for _, q := range qualities {
		var line string
		for _, f := range []float64{1000, 4000, 8000, 15000} {
			snr := sineSNR(q, f, 1.0005)
			line += fmt.Sprintf(" %5.0f Hz %6.1f dB", f, snr)
			if f == 1000 && snr < floor[q][0] || f == 8000 && snr < floor[q][1] {
				t.Errorf("%v: SNR at %g Hz %.1f dB, want >= %v", q, f, snr, floor[q])
			}
		}
		t.Logf("%-7v ratio 1.0005:%s", q, line)
	}
}

func TestNoAllocations(t *testing.T) {
	for _, ch := range []int{1, 2} {
		r := New(ch, Sinc16)
		in := make([]float32, 300*ch)
		out := make([]float32, 256*ch)
		allocs := testing.AllocsPerRun(100, func() {
			n := r.Need(256, 1.0003)
			r.Process(in[:n*ch], out, 1.0003)
		})
		if allocs != 0 {
			t.Fatalf("%d channels: %g allocations per block", ch, allocs)
		}
	}
}

func TestStereoChannelsStaySeparate(t *testing.T) {
	r := New(2, Sinc16)
	in := make([]float32, 2*600)
	for i := 0; i < 600; i++ {
		in[2*i] = 0.5
		in[2*i+1] = -0.25
	}
	out := make([]float32, 2*500)
	_, p := r.Process(in, out, 1.01)
	if p < 500 {
		t.Fatalf("produced %d, want 500", p)
	}
	// Past the start-up (zeros before the first frame), DC passes at
	// unit gain on every phase.
	for i := 20; i < p; i++ {
		if math.Abs(float64(out[2*i])-0.5) > 1e-6 || math.Abs(float64(out[2*i+1])+0.25) > 1e-6 {
			t.Fatalf("frame %d = (%g, %g), want (0.5, -0.25)", i, out[2*i], out[2*i+1])
		}
	}
}

// FuzzProcess feeds arbitrary block sizes and ratios: no panic, counts
// within bounds, output finite for finite input.
func FuzzProcess(f *testing.F) {
	f.Add(uint8(2), uint16(300), uint16(256), 1.0005)
	f.Add(uint8(1), uint16(0), uint16(10), 7.9)
	f.Add(uint8(3), uint16(9000), uint16(1), 0.2)
	f.Fuzz(func(t *testing.T, ch uint8, inFrames, outFrames uint16, ratio float64) {
		c := int(ch%4) + 1
		r := New(c, Quality(int(ch/4)%4))
		in := make([]float32, int(inFrames)*c)
		for i := range in {
			in[i] = float32(i%7) - 3
		}
		out := make([]float32, int(outFrames)*c)
		for range 3 {
			con, pro := r.Process(in, out, ratio)
			if con < 0 || con > int(inFrames) || pro < 0 || pro > int(outFrames) {
				t.Fatalf("consumed %d of %d, produced %d of %d", con, inFrames, pro, outFrames)
			}
			for _, v := range out[:pro*c] {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("non-finite output %g", v)
				}
			}
			if p := r.Pending(); p < -16 || p > float64(MaxInputFrames+64) {
				t.Fatalf("Pending %g out of range", p)
			}
		}
	})
}

func BenchmarkProcess256(b *testing.B) {
	for _, q := range qualities {
		b.Run(q.String(), func(b *testing.B) {
			r := New(1, q)
			in := make([]float32, 300)
			out := make([]float32, 256)
			for b.Loop() {
				n := r.Need(256, 1.0003)
				r.Process(in[:n], out, 1.0003)
			}
		})
	}
}

package tone

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"
)

const rate = 48000

// goertzel returns the amplitude of the component of x at freq.
func goertzel(x []float32, freq float64) float64 {
	w := 2 * math.Pi * freq / rate
	c := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range x {
		s0 := float64(v) + c*s1 - s2
		s2, s1 = s1, s0
	}
	re := s1 - s2*math.Cos(w)
	im := s2 * math.Sin(w)
	return 2 * math.Sqrt(re*re+im*im) / float64(len(x))
}

// peak finds the strongest frequency near f in 0.1 % steps, +-3 %.
func peak(x []float32, f float64) float64 {
	best, bestA := 0.0, -1.0
	for g := f * 0.97; g <= f*1.03; g += f * 0.001 {
		if a := goertzel(x, g); a > bestA {
			best, bestA = g, a
		}
	}
	return best
}

func render(g *Generator, frames, channels int) []float32 {
	out := make([]float32, frames*channels)
	for i := 0; i < len(out); i += 256 * channels {
		g.Mix(out[i:min(i+256*channels, len(out))], channels)
	}
	return out
}

func TestPlansFrequenciesAndLevels(t *testing.T) {
	for _, p := range Plans() {
		for name, tn := range map[string]Tone{"dial": p.Dial, "ringback": p.Ringback, "busy": p.Busy, "congestion": p.Congestion, "ring": p.Ring} {
			g := NewGenerator(rate)
			if err := g.Play(tn); err != nil {
				t.Fatalf("%s %s: %v", p.Name, name, err)
			}
			// The first on-segment (or 200 ms of a continuous tone),
			// past the fade-in.
			n := rate / 5
			if len(tn.Cadence) > 0 {
				n = int(tn.Cadence[0].Seconds() * rate)
			}
			x := render(g, n, 1)[rate/100 : n-rate/100]
			want := Amplitude(tn.LevelDBm0)
			for _, f := range tn.Freqs {
				if got := peak(x, f); math.Abs(got-f)/f > 0.015 {
					t.Errorf("%s %s: peak at %.1f Hz, want %g +-1.5 %%", p.Name, name, got, f)
				}
				if a := goertzel(x, f); math.Abs(a-want)/want > 0.03 {
					t.Errorf("%s %s: %g Hz at amplitude %.4f, want %.4f (%g dBm0)", p.Name, name, f, a, want, tn.LevelDBm0)
				}
			}
		}
	}
}

func TestAmplitudeOfMinus13dBm0(t *testing.T) {
	if a := Amplitude(-13); math.Abs(a-0.1555) > 0.0005 {
		t.Fatalf("Amplitude(-13) = %.4f, want 0.156", a)
	}
	if a := Amplitude(3.17); a != 1 {
		t.Fatalf("Amplitude(3.17) = %g, want 1", a)
	}
}

func TestNorthAmericaPreciseTonePlan(t *testing.T) {
	na := NorthAmerica
	check := func(name string, tn Tone, freqs []float64, level float64, cadence []time.Duration) {
		t.Helper()
		if len(tn.Freqs) != len(freqs) || tn.LevelDBm0 != level || len(tn.Cadence) != len(cadence) {
			t.Fatalf("%s = %+v", name, tn)
		}
		for i := range freqs {
			if tn.Freqs[i] != freqs[i] {
				t.Fatalf("%s freqs %v, want %v", name, tn.Freqs, freqs)
			}
		}
		for i := range cadence {
			if tn.Cadence[i] != cadence[i] {
				t.Fatalf("%s cadence %v, want %v", name, tn.Cadence, cadence)
			}
		}
	}
	s := time.Second
	check("dial", na.Dial, []float64{350, 440}, -13, nil)
	check("ringback", na.Ringback, []float64{440, 480}, -19, []time.Duration{2 * s, 4 * s})
	check("busy", na.Busy, []float64{480, 620}, -24, []time.Duration{s / 2, s / 2})
	check("congestion", na.Congestion, []float64{480, 620}, -24, []time.Duration{s / 4, s / 4})
}

// TestCadenceExactInSamples renders two cycles of each cadenced tone and
// checks that every off segment is exact silence and every on segment
// sounds from its first sample to its last.
func TestCadenceExactInSamples(t *testing.T) {
	for _, p := range Plans() {
		for name, tn := range map[string]Tone{"ringback": p.Ringback, "busy": p.Busy, "congestion": p.Congestion} {
			var cycle int
			for _, d := range tn.Cadence {
				cycle += int(d.Seconds() * rate)
			}
			g := NewGenerator(rate)
			if err := g.Play(tn); err != nil {
				t.Fatal(err)
			}
			x := render(g, 2*cycle+100, 1)
			pos := 0
			for rep := 0; rep < 2; rep++ {
				for i, d := range tn.Cadence {
					n := int(d.Seconds() * rate)
					seg := x[pos : pos+n]
					if i%2 == 1 {
						for j, v := range seg {
							if v != 0 {
								t.Fatalf("%s %s: sample %d of off segment %d = %g", p.Name, name, j, i, v)
							}
						}
					} else {
						if rms(seg[1:9]) == 0 || rms(seg[n-8:]) == 0 {
							t.Fatalf("%s %s: on segment %d silent at an edge", p.Name, name, i)
						}
						if math.Abs(rms(seg[n/4:3*n/4])-rms1(tn)) > 0.05*rms1(tn) {
							t.Fatalf("%s %s: on segment %d rms %g, want %g", p.Name, name, i, rms(seg[n/4:3*n/4]), rms1(tn))
						}
					}
					pos += n
				}
			}
			if x[pos+1] == 0 && x[pos+2] == 0 {
				t.Fatalf("%s %s: third cycle did not start at sample %d", p.Name, name, pos)
			}
		}
	}
}

func rms(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(len(x)))
}

// rms1 is the RMS of a tone's components summed at their level.
func rms1(tn Tone) float64 {
	a := Amplitude(tn.LevelDBm0)
	return a * math.Sqrt(float64(len(tn.Freqs))/2)
}

func TestDTMFTable(t *testing.T) {
	want := map[byte][2]float64{
		'1': {697, 1209}, '2': {697, 1336}, '3': {697, 1477}, 'A': {697, 1633},
		'4': {770, 1209}, '5': {770, 1336}, '6': {770, 1477}, 'B': {770, 1633},
		'7': {852, 1209}, '8': {852, 1336}, '9': {852, 1477}, 'C': {852, 1633},
		'*': {941, 1209}, '0': {941, 1336}, '#': {941, 1477}, 'D': {941, 1633},
		'd': {941, 1633},
	}
	for k, w := range want {
		lo, hi, ok := DTMF(k)
		if !ok || lo != w[0] || hi != w[1] {
			t.Errorf("DTMF(%q) = %g %g %v, want %g %g", k, lo, hi, ok, w[0], w[1])
		}
	}
	for _, k := range []byte{'E', 'x', ' ', 0, '+'} {
		if _, _, ok := DTMF(k); ok {
			t.Errorf("DTMF(%q) ok", k)
		}
	}
}

func TestPlayDTMF(t *testing.T) {
	for _, key := range []byte("0123456789*#ABCD") {
		g := NewGenerator(rate)
		if err := g.PlayDTMF(key, 80*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		n := 80 * rate / 1000
		x := render(g, n+rate/10, 1)
		lo, hi, _ := DTMF(key)
		on := x[rate/200 : n-rate/200]
		for _, f := range []float64{lo, hi} {
			if got := peak(on, f); math.Abs(got-f)/f > 0.015 {
				t.Errorf("%q: peak at %.1f, want %g", key, got, f)
			}
		}
		twist := 20 * math.Log10(goertzel(on, hi)/goertzel(on, lo))
		if twist < 0 || twist > 4 {
			t.Errorf("%q: high group %.2f dB above low, want 0-4", key, twist)
		}
		if x[n-1] == 0 {
			t.Errorf("%q: last sample of the digit silent", key)
		}
		for i, v := range x[n:] {
			if v != 0 {
				t.Fatalf("%q: sample %d after the digit = %g", key, n+i, v)
			}
		}
	}
	g := NewGenerator(rate)
	if err := g.PlayDTMF('x', time.Second); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("PlayDTMF('x') = %v, want ErrUnknownKey", err)
	}
	if err := g.PlayDTMF('1', 0); !errors.Is(err, ErrInvalidTone) {
		t.Fatalf("PlayDTMF('1', 0) = %v, want ErrInvalidTone", err)
	}
}

func TestStopAndReplace(t *testing.T) {
	g := NewGenerator(rate)
	g.Play(Europe.Dial)
	if x := render(g, 480, 1); rms(x) == 0 {
		t.Fatal("dial tone silent")
	}
	g.Stop()
	if x := render(g, 480, 1); rms(x) != 0 {
		t.Fatal("sound after Stop")
	}
	// DTMF continues over a Stop of the call-progress tone, and a
	// new Play restarts the cadence at its beginning.
	g.Play(NorthAmerica.Busy)
	g.PlayDTMF('5', time.Second)
	render(g, 4800, 1)
	g.Stop()
	x := render(g, 4800, 1)
	if a := goertzel(x, 770); math.Abs(a-Amplitude(DTMFLowDBm0)) > 0.01 {
		t.Fatalf("DTMF low tone %.4f after Stop, want %.4f", a, Amplitude(DTMFLowDBm0))
	}
	if a := goertzel(x, 480); a > Amplitude(-24)/10 { // leakage of the DTMF pair stays below
		t.Fatalf("busy tone still at %.4f after Stop", a)
	}
	g.StopDTMF()
	if x := render(g, 480, 1); rms(x) != 0 {
		t.Fatal("sound after StopDTMF")
	}
}

func TestMixAddsToEveryChannel(t *testing.T) {
	g := NewGenerator(rate)
	g.Play(UnitedKingdom.Dial)
	out := make([]float32, 2*512)
	for i := range out {
		out[i] = 0.25
	}
	g.Mix(out, 2)
	for i := 0; i < 512; i++ {
		if out[2*i] != out[2*i+1] {
			t.Fatalf("frame %d: channels differ %g %g", i, out[2*i], out[2*i+1])
		}
	}
	ref := render(NewGeneratorPlaying(UnitedKingdom.Dial), 512, 1)
	for i := range ref {
		if math.Abs(float64(out[2*i]-0.25-ref[i])) > 1e-6 {
			t.Fatalf("frame %d: %g, want 0.25 + %g", i, out[2*i], ref[i])
		}
	}
}

// NewGeneratorPlaying is a test helper: a generator already playing tn.
func NewGeneratorPlaying(tn Tone) *Generator {
	g := NewGenerator(rate)
	if err := g.Play(tn); err != nil {
		panic(err)
	}
	return g
}

func TestValidate(t *testing.T) {
	bad := []Tone{
		{Freqs: []float64{1, 2, 3, 4, 5}},
		{Freqs: []float64{0}},
		{Freqs: []float64{24000}},
		{Freqs: []float64{math.NaN()}},
		{Freqs: []float64{400}, LevelDBm0: 4},
		{Freqs: []float64{400}, Cadence: []time.Duration{time.Second, 0}},
	}
	g := NewGenerator(rate)
	for _, tn := range bad {
		if err := g.Play(tn); !errors.Is(err, ErrInvalidTone) {
			t.Errorf("Play(%+v) = %v, want ErrInvalidTone", tn, err)
		}
	}
}

func TestPlanByName(t *testing.T) {
	for name, want := range map[string]string{
		"north-america": "north-america", "US": "north-america", " europe ": "europe",
		"de": "europe", "UK": "united-kingdom", "united-kingdom": "united-kingdom",
	} {
		p, err := PlanByName(name)
		if err != nil || p.Name != want {
			t.Errorf("PlanByName(%q) = %q, %v; want %q", name, p.Name, err, want)
		}
	}
	if _, err := PlanByName("atlantis"); !errors.Is(err, ErrUnknownPlan) {
		t.Fatalf("PlanByName(atlantis) = %v, want ErrUnknownPlan", err)
	}
}

func TestMixAllocatesNothing(t *testing.T) {
	g := NewGenerator(rate)
	g.Play(UnitedKingdom.Congestion)
	g.PlayDTMF('#', time.Hour)
	out := make([]float32, 512)
	if a := testing.AllocsPerRun(100, func() { g.Mix(out, 2) }); a != 0 {
		t.Fatalf("Mix: %g allocations per call", a)
	}
}

// TestConcurrentControl switches tones from one goroutine while another
// mixes: the hand-over is atomic, so -race stays quiet and every block is
// either silence or a whole tone.
func TestConcurrentControl(t *testing.T) {
	g := NewGenerator(rate)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			switch i % 3 {
			case 0:
				g.Play(Europe.Busy)
			case 1:
				g.PlayDTMF('7', 50*time.Millisecond)
			case 2:
				g.Stop()
			}
		}
	}()
	out := make([]float32, 256)
	limit := float32(Amplitude(-19) + Amplitude(DTMFLowDBm0) + Amplitude(DTMFHighDBm0) + 1e-6)
	for range 2000 {
		clear(out)
		g.Mix(out, 1)
		for _, v := range out {
			if v > limit || v < -limit {
				cancel()
				wg.Wait()
				t.Fatalf("sample %g beyond the sum of all voices", v)
			}
		}
	}
	cancel()
	wg.Wait()
}

func BenchmarkMix256(b *testing.B) {
	g := NewGenerator(rate)
	g.Play(NorthAmerica.Dial)
	g.PlayDTMF('5', time.Hour)
	out := make([]float32, 256)
	for b.Loop() {
		g.Mix(out, 1)
	}
}

func ExamplePlanByName() {
	p, _ := PlanByName("uk")
	fmt.Println(p.Name, p.Busy.Freqs, p.Busy.Cadence)
	// Output: united-kingdom [400] [375ms 375ms]
}

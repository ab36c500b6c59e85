package bridge

import (
	"math"
	"sync/atomic"
	"testing"
	"time"

	"handsetd/audio/tone"
)

// sim drives a path's two ends from two simulated clocks in virtual time:
// the producer's callback every pblock frames of its clock, the consumer's
// every cblock frames of a clock off by ppm. Both callbacks see the
// virtual time through the path's Now.
type sim struct {
	p              *path
	now            time.Duration
	inRate, outRat float64
	inCh, outCh    int
	ppm            float64
	block          int
	in, out        []float32
	inFrame        int64 // producer frames delivered
	outFrame       int64 // consumer frames played
	tIn, tOut      float64
	// feed fills one producer block (interleaved) given the frame index
	// of its first frame; seen gets each consumer block.
	feed func(p []float32, first int64)
	seen func(p []float32, first int64, t0 float64)
}

func newSim(t *testing.T, c pathConfig, ppm float64) *sim {
	t.Helper()
	s := &sim{inRate: float64(c.InRate), outRat: float64(c.OutRate) * (1 + ppm*1e-6), inCh: c.InChannels, outCh: c.OutChannels, ppm: ppm, block: 256}
	c.Now = func() time.Duration { return s.now }
	p, err := newPath(c)
	if err != nil {
		t.Fatal(err)
	}
	s.p = p
	s.in = make([]float32, s.block*c.InChannels)
	s.out = make([]float32, s.block*c.OutChannels)
	// The consumer starts half a period after the producer.
	s.tOut = 0.5 * float64(s.block) / s.outRat
	return s
}

// run advances virtual time by d seconds, calling whichever callback is
// due next.
func (s *sim) run(d float64) {
	end := s.tIn + d
	for s.tIn < end || s.tOut < end {
		if s.tIn <= s.tOut {
			s.now = time.Duration(s.tIn * 1e9)
			if s.feed != nil {
				s.feed(s.in, s.inFrame)
			} else {
				clear(s.in)
			}
			s.p.produce(s.in)
			s.inFrame += int64(s.block)
			s.tIn = float64(s.inFrame) / s.inRate
		} else {
			s.now = time.Duration(s.tOut * 1e9)
			s.p.consume(s.out)
			if s.seen != nil {
				s.seen(s.out, s.outFrame, s.tOut)
			}
			s.outFrame += int64(s.block)
			s.tOut = 0.5*float64(s.block)/s.outRat + float64(s.outFrame)/s.outRat
		}
	}
}

// TestLatencyImpulses sends an impulse into the producer side every 250 ms
// and finds it at the consumer side: after the adapter has settled, every
// impulse must take the target latency within 1 ms, at every rate pair the
// bridge supports and with the two clocks 500 ppm apart.
func TestLatencyImpulses(t *testing.T) {
	for _, tc := range []struct {
		name          string
		inRate, outRt int
		inCh, outCh   int
		ppm           float64
	}{
		{"48k to 48k", 48000, 48000, 1, 1, 500},
		{"48k to 16k", 48000, 16000, 1, 1, -500},
		{"48k to 8k stereo in", 48000, 8000, 2, 1, 100},
		{"44.1k to 48k stereo out", 44100, 48000, 1, 2, -100},
		{"8k to 48k", 8000, 48000, 1, 2, 500},
		{"16k to 44.1k", 16000, 44100, 2, 2, -500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := 40 * time.Millisecond
			targetFrames := int(target.Seconds() * float64(tc.outRt))
			s := newSim(t, pathConfig{InRate: tc.inRate, OutRate: tc.outRt, InChannels: tc.inCh, OutChannels: tc.outCh, TargetFrames: targetFrames}, tc.ppm)
			every := int64(tc.inRate / 4)
			var sent []float64 // times of impulses
			s.feed = func(p []float32, first int64) {
				clear(p)
				for i := int64(0); i < int64(s.block); i++ {
					if (first+i)%every == 0 {
						for c := range s.inCh {
							p[int(i)*s.inCh+c] = 1
						}
						// A block delivered at callback time T was
						// captured up to T: its frame i at T-(block-i)/rate.
						sent = append(sent, float64(first+i-int64(s.block))/s.inRate)
					}
				}
			}
			// Peak of each impulse as it arrives: the largest sample in
			// a window after the previous one.
			type peak struct {
				t, v float64
			}
			var got []peak
			var cur peak
			s.seen = func(p []float32, first int64, t0 float64) {
				for i := 0; i < s.block; i++ {
					v := math.Abs(float64(p[i*s.outCh]))
					// A block written at callback time t0 plays from t0.
					tt := t0 + float64(i)/s.outRat
					if v > 0.05 && v > cur.v {
						cur = peak{tt, v}
					}
					if cur.v > 0 && tt-cur.t > 0.1 {
						got = append(got, cur)
						cur = peak{}
					}
					for c := 1; c < s.outCh; c++ {
						if p[i*s.outCh+c] != p[i*s.outCh] {
							t.Fatalf("channel %d differs from channel 0 at frame %d", c, first+int64(i))
						}
					}
				}
			}
			s.run(12)
			st := s.p.stats()
			if !st.Drift.Locked {
				t.Errorf("adapter not locked after 12 s: %+v", st.Drift)
			}
			// Each arrival belongs to the last impulse sent more than
			// 20 ms before it.
			checked := 0
			for _, g := range got {
				if g.t < 5 {
					continue
				}
				var src float64 = -1
				for _, x := range sent {
					if x < g.t-0.02 {
						src = x
					}
				}
				lat := g.t - src
				if math.Abs(lat-target.Seconds()) > 0.001 {
					t.Errorf("impulse sent at %.4f s arrived at %.4f s: latency %.3f ms, want %v +- 1 ms", src, g.t, lat*1e3, target)
				}
				checked++
			}
			if checked < 20 {
				t.Fatalf("only %d impulses arrived after 5 s; stats %+v", checked, st)
			}
			if st.Drift.Underruns != 0 || st.Drift.Overruns != 0 {
				t.Errorf("underruns %d overruns %d, want none", st.Drift.Underruns, st.Drift.Overruns)
			}
		})
	}
}

func TestMute(t *testing.T) {
	var mute atomic.Bool
	s := newSim(t, pathConfig{InRate: 48000, OutRate: 48000, InChannels: 1, OutChannels: 1, TargetFrames: 1920, Mute: &mute}, 0)
	s.feed = func(p []float32, first int64) {
		for i := range p {
			p[i] = 0.5
		}
	}
	var peak float64
	s.seen = func(p []float32, _ int64, _ float64) {
		for _, v := range p {
			peak = max(peak, math.Abs(float64(v)))
		}
	}
	s.run(1)
	if math.Abs(peak-0.5) > 0.01 {
		t.Fatalf("unmuted peak %v, want 0.5", peak)
	}
	mute.Store(true)
	s.run(0.1) // let the 40 ms in flight drain
	peak = 0
	s.run(1)
	if peak != 0 {
		t.Errorf("muted output peak %v, want 0", peak)
	}
	mute.Store(false)
	s.run(0.1)
	peak = 0
	s.run(0.5)
	if math.Abs(peak-0.5) > 0.01 {
		t.Errorf("unmuted again: peak %v, want 0.5", peak)
	}
}

// TestTonesOnConsumerSide checks that a dial tone is mixed into a silent
// earpiece path at its plan level: two sines of amplitude
// 10^((-13-3.17)/20) have that amplitude as their combined RMS.
func TestTonesOnConsumerSide(t *testing.T) {
	g := tone.NewGenerator(48000)
	s := newSim(t, pathConfig{InRate: 16000, OutRate: 48000, InChannels: 1, OutChannels: 2, TargetFrames: 1920, Tones: g}, 0)
	if err := g.Play(tone.NorthAmerica.Dial); err != nil {
		t.Fatal(err)
	}
	var sum float64
	var n int
	s.seen = func(p []float32, _ int64, _ float64) {
		for i := 0; i < len(p); i += 2 {
			sum += float64(p[i]) * float64(p[i])
			n++
		}
	}
	s.run(1)
	rms := math.Sqrt(sum / float64(n))
	want := math.Pow(10, (-13-3.17)/20)
	if math.Abs(rms-want)/want > 0.01 {
		t.Errorf("dial tone RMS %.4f, want %.4f +- 1 %%", rms, want)
	}
}

func TestDownmixUpmix(t *testing.T) {
	mono := make([]float32, 3)
	downmix(mono, []float32{1, 0, 0.5, 0.5, -1, 0}, 2)
	if want := []float32{0.5, 0.5, -0.5}; !equal(mono, want) {
		t.Errorf("downmix stereo = %v, want %v", mono, want)
	}
	downmix(mono, []float32{0.25, 0.5, 0.75}, 1)
	if want := []float32{0.25, 0.5, 0.75}; !equal(mono, want) {
		t.Errorf("downmix mono = %v, want %v", mono, want)
	}
	out := make([]float32, 6)
	upmix(out, []float32{0.1, 0.2, 0.3}, 2)
	if want := []float32{0.1, 0.1, 0.2, 0.2, 0.3, 0.3}; !equal(out, want) {
		t.Errorf("upmix = %v, want %v", out, want)
	}
}

func equal(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestLowpass checks the anti-aliasing filter for 48 kHz to 8 kHz: 1 kHz
// passes within 0.1 dB, 10 kHz is down at least 30 dB (a 4th-order
// Butterworth at 3.6 kHz gives 35.5 dB there).
func TestLowpass(t *testing.T) {
	gain := func(f float64) float64 {
		l := newLowpass(3600, 48000)
		p := make([]float32, 48000)
		for i := range p {
			p[i] = float32(math.Sin(2 * math.Pi * f * float64(i) / 48000))
		}
		l.process(p)
		var peak float64
		for _, v := range p[24000:] {
			peak = max(peak, math.Abs(float64(v)))
		}
		return 20 * math.Log10(peak)
	}
	if g := gain(1000); math.Abs(g) > 0.1 {
		t.Errorf("gain at 1 kHz %.2f dB, want 0 +- 0.1", g)
	}
	if g := gain(10000); g > -30 {
		t.Errorf("gain at 10 kHz %.2f dB, want below -30", g)
	}
}

// TestPathAllocs holds the rule that the callbacks allocate nothing.
func TestPathAllocs(t *testing.T) {
	var mute atomic.Bool
	g := tone.NewGenerator(48000)
	if err := g.Play(tone.NorthAmerica.Ringback); err != nil {
		t.Fatal(err)
	}
	p, err := newPath(pathConfig{InRate: 16000, OutRate: 48000, InChannels: 2, OutChannels: 2, TargetFrames: 1920, Mute: &mute, Tones: g})
	if err != nil {
		t.Fatal(err)
	}
	in, out := make([]float32, 2*256), make([]float32, 2*256)
	if n := testing.AllocsPerRun(500, func() {
		p.produce(in)
		p.consume(out)
		p.consume(out)
		p.consume(out)
	}); n != 0 {
		t.Errorf("produce+consume: %v allocations per run, want 0", n)
	}
}

// BenchmarkDuplex48k is the processing cost of one second of 48 kHz mono
// duplex audio through both paths (drift resampling in each, the ear path
// mixing a tone and a DTMF digit), in 256-frame callbacks. ns/op divided
// by 1e9 is the fraction of one core.
func BenchmarkDuplex48k(b *testing.B) {
	var mute atomic.Bool
	g := tone.NewGenerator(48000)
	mic, err := newPath(pathConfig{InRate: 48000, OutRate: 48000, InChannels: 1, OutChannels: 1, TargetFrames: 1920, Mute: &mute})
	if err != nil {
		b.Fatal(err)
	}
	ear, err := newPath(pathConfig{InRate: 48000, OutRate: 48000, InChannels: 1, OutChannels: 1, TargetFrames: 1920, Tones: g})
	if err != nil {
		b.Fatal(err)
	}
	benchDuplex(b, mic, ear, g, 48000)
}

// BenchmarkDuplex16kHost is the same with the host side at 16 kHz: two
// fixed-ratio conversions and a low-pass on top.
func BenchmarkDuplex16kHost(b *testing.B) {
	var mute atomic.Bool
	g := tone.NewGenerator(48000)
	mic, err := newPath(pathConfig{InRate: 48000, OutRate: 16000, InChannels: 1, OutChannels: 1, TargetFrames: 640, Mute: &mute})
	if err != nil {
		b.Fatal(err)
	}
	ear, err := newPath(pathConfig{InRate: 16000, OutRate: 48000, InChannels: 1, OutChannels: 1, TargetFrames: 1920, Tones: g})
	if err != nil {
		b.Fatal(err)
	}
	benchDuplex(b, mic, ear, g, 16000)
}

func benchDuplex(b *testing.B, mic, ear *path, g *tone.Generator, hostRate int) {
	if err := g.Play(tone.NorthAmerica.Dial); err != nil {
		b.Fatal(err)
	}
	hs := make([]float32, 256)
	hostBlock := 256 * hostRate / 48000
	host := make([]float32, hostBlock)
	for i := range hs {
		hs[i] = float32(math.Sin(float64(i) / 10))
	}
	for i := range host {
		host[i] = float32(math.Sin(float64(i) / 7))
	}
	callbacks := 48000 / 256 // 187.5: one second of audio
	b.ReportAllocs()
	for b.Loop() {
		for k := range callbacks {
			if k%19 == 0 {
				_ = g.PlayDTMF('5', 80*time.Millisecond)
			}
			mic.produce(hs)
			ear.produce(host)
			mic.consume(host)
			ear.consume(hs)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e9*100, "%core")
}

package bridge

import (
	"fmt"
	"sync/atomic"
	"time"

	"handsetd/audio/drift"
	"handsetd/audio/resample"
	"handsetd/audio/tone"
)

// maxBlock is the largest callback, in frames, a path handles in one piece;
// larger ones are split.
const maxBlock = 4096

// pathConfig describes one direction.
type pathConfig struct {
	InRate, OutRate         int // the producer's and the consumer's device rate
	InChannels, OutChannels int
	// TargetFrames is the drift adapter's fill, at OutRate.
	TargetFrames int
	Mute         *atomic.Bool    // nil: never muted
	Tones        *tone.Generator // mixed on the consumer side; nil: none
	// Now is the monotonic time of the current callback's entry; nil
	// uses the process's monotonic clock. Tests use virtual time.
	Now func() time.Duration
}

// path moves audio one way between two clock domains. produce belongs to
// the producer's callback, consume to the consumer's.
type path struct {
	cfg   pathConfig
	ratio float64             // input frames per output frame of the rate conversion
	rs    *resample.Resampler // nil when the rates are equal
	lp    *lowpass            // nil unless the rate goes down
	ad    *drift.Adapter
	now   func() time.Duration

	inMono  []float32 // producer side
	conv    []float32 // producer side, after rate conversion
	outMono []float32 // consumer side

	producedFrames atomic.Uint64
	consumedFrames atomic.Uint64
	shortConv      atomic.Uint64 // input frames the resampler could not take
}

var epoch = time.Now()

func newPath(c pathConfig) (*path, error) {
	if c.InRate <= 0 || c.OutRate <= 0 || c.InChannels <= 0 || c.OutChannels <= 0 {
		return nil, fmt.Errorf("%w: rates %d/%d Hz, channels %d/%d", ErrConfig, c.InRate, c.OutRate, c.InChannels, c.OutChannels)
	}
	ratio := float64(c.InRate) / float64(c.OutRate)
	if ratio >= 8 || ratio <= 1.0/8 {
		return nil, fmt.Errorf("%w: rate ratio %d/%d out of range", ErrConfig, c.InRate, c.OutRate)
	}
	ad, err := drift.NewAdapter(drift.Config{Rate: c.OutRate, Channels: 1, TargetFrames: c.TargetFrames, MaxBlockFrames: maxBlock})
	if err != nil {
		return nil, fmt.Errorf("bridge: %w", err)
	}
	p := &path{cfg: c, ratio: ratio, ad: ad, now: c.Now}
	if p.now == nil {
		p.now = func() time.Duration { return time.Since(epoch) }
	}
	if c.InRate != c.OutRate {
		p.rs = resample.New(1, resample.Default)
		if c.OutRate < c.InRate {
			// Butterworth at 90 % of the new Nyquist frequency: 3.6 kHz
			// for 8 kHz, where telephone audio ends anyway.
			p.lp = newLowpass(0.45*float64(c.OutRate), float64(c.InRate))
		}
	}
	p.inMono = make([]float32, maxBlock)
	p.conv = make([]float32, int(float64(maxBlock)/ratio)+64)
	p.outMono = make([]float32, maxBlock)
	return p, nil
}

// produce takes one producer callback's interleaved input.
func (p *path) produce(in []float32) {
	now := p.now()
	ch := p.cfg.InChannels
	for len(in) >= ch {
		n := min(len(in)/ch, maxBlock)
		mono := p.inMono[:n]
		downmix(mono, in[:n*ch], ch)
		in = in[n*ch:]
		if p.cfg.Mute != nil && p.cfg.Mute.Load() {
			clear(mono)
		}
		block := mono
		if p.rs != nil {
			if p.lp != nil {
				p.lp.process(mono)
			}
			consumed, produced := p.rs.Process(mono, p.conv, p.ratio)
			if consumed < n {
				p.shortConv.Add(uint64(n - consumed))
			}
			block = p.conv[:produced]
		}
		p.ad.WriteAt(block, now)
		p.producedFrames.Add(uint64(len(block)))
	}
}

// consume fills one consumer callback's interleaved output.
func (p *path) consume(out []float32) {
	now := p.now()
	ch := p.cfg.OutChannels
	for len(out) >= ch {
		n := min(len(out)/ch, maxBlock)
		mono := p.outMono[:n]
		p.ad.ReadAt(mono, now)
		if p.cfg.Tones != nil {
			p.cfg.Tones.Mix(mono, 1)
		}
		upmix(out[:n*ch], mono, ch)
		out = out[n*ch:]
		p.consumedFrames.Add(uint64(n))
	}
}

// downmix averages each frame's channels.
func downmix(mono, in []float32, ch int) {
	if ch == 1 {
		copy(mono, in)
		return
	}
	scale := 1 / float32(ch)
	for i := range mono {
		var s float32
		for _, v := range in[i*ch : i*ch+ch] {
			s += v
		}
		mono[i] = s * scale
	}
}

// upmix copies each mono sample to every channel of its frame.
func upmix(out, mono []float32, ch int) {
	if ch == 1 {
		copy(out, mono)
		return
	}
	for i, v := range mono {
		f := out[i*ch : i*ch+ch]
		for c := range f {
			f[c] = v
		}
	}
}

// PathStats are one direction's counters.
type PathStats struct {
	Drift drift.Stats
	// InFrames is what the producer side handed to the adapter (after
	// rate conversion), OutFrames what the consumer side played.
	InFrames, OutFrames uint64
}

func (p *path) stats() PathStats {
	return PathStats{Drift: p.ad.Stats(), InFrames: p.producedFrames.Load(), OutFrames: p.consumedFrames.Load()}
}

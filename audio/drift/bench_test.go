package drift

import (
	"fmt"
	"math"
	"syscall"
	"testing"
	"time"

	"handsetd/audio/tone"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDuplex48kMono costs one 5.33 ms period (256 frames at 48 kHz,
// mono) of a call's audio: the microphone path (handset -> adapter ->
// host) and the earpiece path (host -> adapter -> tone mix -> handset),
// with the clocks 300 ppm apart so that both resamplers interpolate.
// core-% is the share of one core that one second of such audio needs,
// from the process's CPU time (robust on a loaded machine);
// wall-core-% is the same from wall time.
func BenchmarkDuplex48kMono(b *testing.B) {
	const block = 256
	cfg := Config{Rate: 48000, Channels: 1, TargetFrames: 960}
	mic, err := NewAdapter(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ear, _ := NewAdapter(cfg)
	gen := tone.NewGenerator(48000)
	gen.Play(tone.NorthAmerica.Dial)
	gen.PlayDTMF('5', time.Hour)
	in := make([]float32, block)
	for i := range in {
		in[i] = float32(math.Sin(float64(i) / 10))
	}
	out1 := make([]float32, block)
	out2 := make([]float32, block)
	handset := time.Duration(0)
	host := time.Duration(1700 * time.Microsecond)
	blockF := float64(block)
	hp := time.Duration(blockF / 48000 * 1e9)
	cp := time.Duration(blockF / (48000 * (1 + 300e-6)) * 1e9)
	period := func() {
		mic.WriteAt(in, handset)
		mic.ReadAt(out1, host)
		ear.WriteAt(in, host)
		ear.ReadAt(out2, handset)
		gen.Mix(out2, 1)
		handset += hp
		host += cp
	}
	for range 2000 { // past the start-up jump and the fast loop
		period()
	}
	b.ResetTimer()
	c0, w0 := cpuTime(), time.Now()
	for b.Loop() {
		period()
	}
	cpu, wall := cpuTime()-c0, time.Since(w0)
	audio := float64(b.N) * block / 48000
	b.ReportMetric(cpu.Seconds()/audio*100, "core-%")
	b.ReportMetric(wall.Seconds()/audio*100, "wall-core-%")
}

// BenchmarkSimulation10Min runs the drift scenarios for 10 minutes of
// simulated audio each and reports the figures of docs/performance.md; it
// fails if a target is missed. Run it with
//
//	go test -run '^$' -bench Simulation10Min -benchtime 1x ./audio/drift
func BenchmarkSimulation10Min(b *testing.B) {
	for _, ppm := range drifts {
		b.Run(fmt.Sprintf("%+.0fppm", ppm), func(b *testing.B) {
			sc := scenario(ppm)
			sc.seconds = 600
			var r simResult
			for b.Loop() {
				r = simulate(b, sc)
			}
			if r.lockAt < 0 || r.lockAt > 15 || r.maxTrueErr > 48 || r.maxMeasErr > 48 || r.underruns+r.overruns+r.jumps != 0 || math.Abs(r.ratioPPM-r.trueRatioPPM) > 5 {
				b.Fatalf("target missed: %+v", r)
			}
			b.ReportMetric(r.lockAt, "lock-s")
			b.ReportMetric(r.maxTrueErr, "max-err-frames")
			b.ReportMetric(r.rmsTrueErr, "rms-err-frames")
			b.ReportMetric(math.Abs(r.ratioPPM-r.trueRatioPPM), "ratio-err-ppm")
			b.ReportMetric(r.ratioSpread, "ratio-spread-ppm")
			b.ReportMetric(float64(r.underruns+r.overruns), "xruns")
		})
	}
	for _, ppm := range []float64{100, -500, 1000} {
		b.Run(fmt.Sprintf("pulse-model%+.0fppm", ppm), func(b *testing.B) {
			sc := scenario(ppm)
			sc.seconds = 600
			sc.quantum = 1.0 / simRate
			sc.adjust = 10
			var r simResult
			for b.Loop() {
				r = simulate(b, sc)
			}
			b.ReportMetric(r.maxTrueErr, "max-err-frames")
			b.ReportMetric(r.rmsTrueErr, "rms-err-frames")
		})
	}
}

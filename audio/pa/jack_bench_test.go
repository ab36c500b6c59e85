//go:build jack

package pa_test

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"handsetd/audio/pa"
)

// sink keeps the garbage generator's allocations from being optimised away.
var sink []byte

// load runs goroutines that make the daemon's worst day: one allocating
// without pause so the garbage collector runs all the time, and workers
// that compute for `work` and then sleep for `rest` (a daemon's goroutines
// block; none spins). The garbage goroutine allocates 1 MiB, then sleeps
// garbagePause (0: never sleeps; negative: no garbage goroutine). It returns when ctx ends and the goroutines are done.
func load(ctx context.Context, garbagePause time.Duration, workers int, work, rest time.Duration) (wait func()) {
	var wg sync.WaitGroup
	if garbagePause >= 0 {
		wg.Go(func() {
			for ctx.Err() == nil {
				for range 64 {
					sink = make([]byte, 16<<10)
				}
				if garbagePause > 0 {
					time.Sleep(garbagePause)
				} else {
					runtime.Gosched()
				}
			}
		})
	}
	for range workers {
		wg.Go(func() {
			x := uint64(1)
			for ctx.Err() == nil {
				end := time.Now().Add(work)
				for time.Now().Before(end) {
					for range 1000 {
						x = x*6364136223846793005 + 1442695040888963407
					}
				}
				time.Sleep(rest)
			}
			sink = []byte{byte(x)}
		})
	}
	return wg.Wait
}

// BenchmarkCallbackGap measures the gap between successive callbacks of a
// Go-callback duplex stream on JACK's dummy backend (256 frames at 48 kHz:
// 5.333 ms). One op is one callback; run it with a fixed count, e.g.
//
//	scripts/with-jack.sh go test -tags jack -run '^$' -bench CallbackGap -benchtime 2000x ./audio/pa
//
// It reports the gap's p50, p99 and maximum, callbacks lost against the
// wall clock, xruns, garbage collections during the run and, for the C
// callback, the output frames the Go side delivered too late (played as
// silence). Each load runs with the Go callback and with the C callback.
func BenchmarkCallbackGap(b *testing.B) {
	for _, tc := range []struct {
		name         string
		garbagePause time.Duration
		workers      int
	}{
		{"idle", -1, 0},
		{"gc", 5 * time.Millisecond, 0},
		{"gc+4workers", 5 * time.Millisecond, 4},
		{"gc-nonstop", 0, 0},
		{"gc-nonstop+4workers", 0, 4},
	} {
		for _, cb := range []string{"go", "c"} {
			b.Run(cb+"/"+tc.name, func(b *testing.B) {
				sys, _ := jackSystem(b)
				var copied float32
				s, err := pa.Open(pa.Params{In: &sys, Out: &sys, InChannels: 1, OutChannels: 1, Rate: 48000, FramesPerBuffer: 256, CCallback: cb == "c"},
					pa.ProcessFunc(func(in, out []float32) {
						copy(out, in)
						copied = in[0]
					}))
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				ctx, cancel := context.WithCancel(context.Background())
				wait := load(ctx, tc.garbagePause, tc.workers, 500*time.Microsecond, 500*time.Microsecond)
				defer func() { cancel(); wait() }()

				var ms0, ms1 runtime.MemStats
				runtime.ReadMemStats(&ms0)
				if err := s.Start(); err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				b.ResetTimer()
				for s.Stats().Callbacks < uint64(b.N) {
					time.Sleep(20 * time.Millisecond)
				}
				b.StopTimer()
				elapsed := time.Since(start)
				st := s.Stats()
				if err := s.Stop(); err != nil {
					b.Fatal(err)
				}
				runtime.ReadMemStats(&ms1)
				period := 256.0 / 48000
				expected := elapsed.Seconds() / period
				ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
				b.ReportMetric(ms(st.GapP50), "p50-ms")
				b.ReportMetric(ms(st.GapP99), "p99-ms")
				b.ReportMetric(ms(st.GapMax), "max-ms")
				b.ReportMetric(max(0, expected-float64(st.Callbacks)), "lost")
				b.ReportMetric(float64(st.Xruns()), "xruns")
				b.ReportMetric(float64(ms1.NumGC-ms0.NumGC), "GCs")
				b.ReportMetric(float64(st.RingUnderrunFrames), "ring-under-frames")
				_ = copied
			})
		}
	}
}

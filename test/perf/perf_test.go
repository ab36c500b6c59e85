//go:build umockdev

package perf

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"handsetd/phoneapi/phoneapitest"
	"handsetd/test/harness"
)

// products of the four handsets: two models, each twice, as an office
// with a spare handset of each kind.
var fleet = []struct{ file, product string }{
	{harness.JabraFile, "Jabra EVOLVE LINK MS"},
	{harness.PolyFile, "Plantronics Blackwire C5220"},
	{harness.JabraFile, "Jabra EVOLVE LINK MS 2"},
	{harness.PolyFile, "Plantronics Blackwire C5220 2"},
}

// report puts a latency distribution in the benchmark's output.
func report(b *testing.B, what string, s harness.Summary) {
	b.Logf("%s: %v", what, s)
	b.ReportMetric(float64(s.P50.Microseconds()), "p50-µs")
	b.ReportMetric(float64(s.P99.Microseconds()), "p99-µs")
	b.ReportMetric(float64(s.Max.Microseconds()), "max-µs")
	b.ReportMetric(0, "ns/op") // the loop's wall time says nothing here
}

func BenchmarkInputToCommand(b *testing.B) {
	arrived := make(chan time.Time, 16)
	r := harness.NewRig(b, 30*time.Minute, phoneapitest.OnCommand(func(c phoneapitest.Received) {
		if strings.HasPrefix(c.Text(), "BTN_") {
			arrived <- time.Now()
		}
	}))
	h := r.AddHandset(harness.JabraFile, "Jabra EVOLVE LINK MS")
	r.StartDaemon(nil)
	r.WaitClients(1)
	// Eleven keys in turn. Not 0: this keypad is an array whose value 0
	// selects Phone Key 0, which the driver reads as "no key" (handsets
	// send 0 when idle). The driver drops a second press of a key within
	// its 5 ms debounce window, so a key is pressed again only after that,
	// a wait outside the measured interval.
	const keys = "123456789*#"
	var down, up [len(keys)][]byte
	for k := range len(keys) {
		d, u := h.Reports(harness.KeyUsage(keys[k]), 1), h.Reports(harness.KeyUsage(keys[k]), 0)
		if len(d) != 1 || len(u) != 1 {
			b.Fatalf("key %c is %d and %d reports, want 1 each", keys[k], len(d), len(u))
		}
		down[k], up[k] = d[0], u[0]
	}
	var lastPress [len(keys)]time.Time
	var samples []time.Duration
	i := 0
	for b.Loop() {
		k, pressed := (i/2)%len(keys), i%2 == 0
		i++
		rep := up[k]
		if pressed {
			rep = down[k]
			if wait := 6*time.Millisecond - time.Since(lastPress[k]); wait > 0 {
				time.Sleep(wait)
			}
		}
		// The previous report was read; Inject writes at once.
		if err := h.WaitRead(r.Ctx); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if pressed {
			lastPress[k] = t0
		}
		if err := h.Inject(r.Ctx, rep); err != nil {
			b.Fatal(err)
		}
		select {
		case t1 := <-arrived:
			samples = append(samples, t1.Sub(t0))
		case <-time.After(10 * time.Second):
			b.Fatalf("event %d (key %c pressed=%v): no command within 10s", i, keys[k], pressed)
		}
	}
	report(b, "input report -> command at host", harness.Summarize(samples))
}

func BenchmarkNotifyToOutput(b *testing.B) {
	r := harness.NewRig(b, 30*time.Minute)
	h := r.AddHandset(harness.JabraFile, "Jabra EVOLVE LINK MS")
	r.StartDaemon(nil)
	r.WaitClients(1)
	// The reports of attaching (every LED off) are not part of it.
	time.Sleep(200 * time.Millisecond)
	h.Drain()
	var samples []time.Duration
	on := true
	for b.Loop() {
		t0 := time.Now()
		if err := r.Host.SetMute(r.Ctx, on); err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(r.Ctx, 10*time.Second)
		_, err := h.Next(ctx)
		cancel()
		if err != nil {
			b.Fatalf("MUTE %v: %v", on, err)
		}
		samples = append(samples, time.Since(t0))
		on = !on
	}
	report(b, "notification -> output report", harness.Summarize(samples))
}

// attachAll plugs in n handsets of the fleet and waits for them to attach.
func attachAll(r *harness.Rig, n int) []*harness.Handset {
	var hs []*harness.Handset
	for _, f := range fleet[:n] {
		hs = append(hs, r.AddHandset(f.file, f.product))
	}
	return hs
}

func BenchmarkFootprint(b *testing.B) {
	for _, n := range []int{0, 4} {
		b.Run(fmt.Sprintf("handsets=%d", n), func(b *testing.B) {
			for b.Loop() {
				r := harness.NewRig(b, 2*time.Minute)
				attachAll(r, n)
				d := r.StartDaemon([]string{"GOTRACEBACK=all"})
				r.WaitClients(n)
				// Let the attach traffic and the first collection settle.
				time.Sleep(2 * time.Second)
				st, err := harness.ReadProc(d.Pid())
				if err != nil {
					b.Fatal(err)
				}
				g, own, err := d.QuitGoroutines(r.Ctx)
				if err != nil {
					b.Fatal(err)
				}
				b.Logf("%d handsets: RSS %d KiB (peak %d), %d threads, %d fds, %d goroutines (%d running handsetd code, the rest the runtime's and godbus's)", n, st.RSSKiB, st.HWMKiB, st.Threads, st.FDs, g, own)
				b.ReportMetric(float64(st.RSSKiB), "RSS-KiB")
				b.ReportMetric(float64(st.Threads), "threads")
				b.ReportMetric(float64(st.FDs), "fds")
				b.ReportMetric(float64(g), "goroutines")
				b.ReportMetric(float64(own), "own-goroutines")
				b.ReportMetric(0, "ns/op")
			}
		})
	}
}

func BenchmarkIdle(b *testing.B) {
	secs := 10
	if s := os.Getenv("HANDSETD_IDLE_SECONDS"); s != "" {
		var err error
		if secs, err = strconv.Atoi(s); err != nil || secs <= 0 {
			b.Fatalf("HANDSETD_IDLE_SECONDS=%q", s)
		}
	}
	for b.Loop() {
		r := harness.NewRig(b, 5*time.Minute)
		attachAll(r, 4)
		d := r.StartDaemon(nil, "--log-level=info")
		r.WaitClients(4)
		time.Sleep(2 * time.Second)
		before, err := harness.ReadProc(d.Pid())
		if err != nil {
			b.Fatal(err)
		}
		perfOut := make(chan string, 1)
		go func() { perfOut <- perfStat(d.Pid(), secs) }()
		t0 := time.Now()
		time.Sleep(time.Duration(secs) * time.Second)
		after, err := harness.ReadProc(d.Pid())
		if err != nil {
			b.Fatal(err)
		}
		el := time.Since(t0).Seconds()
		delta := after.Sub(before)
		b.Logf("idle %.1f s, 4 handsets: %d voluntary + %d involuntary context switches, %d time slices, CPU %v (threads %d -> %d)",
			el, delta.Voluntary, delta.Involuntary, delta.Slices, delta.CPU, before.Threads, after.Threads)
		b.Logf("perf stat: %s", <-perfOut)
		b.ReportMetric(float64(delta.Voluntary)/el, "wakeups/s")
		b.ReportMetric(float64(delta.CPU.Microseconds())/el, "CPU-µs/s")
		b.ReportMetric(0, "ns/op")
		if !d.Running() {
			b.Fatal(d.Err())
		}
	}
}

// perfStat counts the daemon's context switches and CPU with perf(1) for
// secs seconds, or says why it could not.
func perfStat(pid, secs int) string {
	exe, err := exec.LookPath("perf")
	if err != nil {
		return "perf not installed"
	}
	out, err := exec.Command(exe, "stat", "-x,", "-e", "task-clock,context-switches,cpu-migrations",
		"-p", strconv.Itoa(pid), "--", "sleep", strconv.Itoa(secs)).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("perf stat failed: %v: %s", err, strings.TrimSpace(string(out)))
	}
	s := strings.TrimSpace(string(out))
	if strings.Contains(s, "<not counted>") || strings.Contains(s, "<not supported>") {
		return "not counted on this machine (no perf events): " + strings.ReplaceAll(s, "\n", "; ")
	}
	return strings.ReplaceAll(s, "\n", "; ")
}

func BenchmarkStartup(b *testing.B) {
	r := harness.NewRig(b, 30*time.Minute)
	attachAll(r, 4)
	var ready, attached []time.Duration
	for b.Loop() {
		d := r.StartDaemon(nil, "--log-level=info")
		ready = append(ready, d.Ready.Sub(d.Started))
		r.WaitClients(4)
		attached = append(attached, time.Since(d.Started))
		if _, err := d.Stop(5 * time.Second); err != nil {
			b.Fatal(err)
		}
		// The test host remembers every client that attached: a new
		// host for the next start, so its four are counted afresh.
		r.KillHost()
		r.StartHost()
	}
	rs, as := harness.Summarize(ready), harness.Summarize(attached)
	b.Logf("start -> READY=1: %v", rs)
	b.Logf("start -> 4 handsets attached: %v", as)
	b.ReportMetric(float64(rs.P50.Microseconds()), "ready-p50-µs")
	b.ReportMetric(float64(rs.Max.Microseconds()), "ready-max-µs")
	b.ReportMetric(float64(as.P50.Microseconds()), "attached-p50-µs")
	b.ReportMetric(0, "ns/op")
}

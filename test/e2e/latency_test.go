//go:build umockdev

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"handsetd/hid"
	"handsetd/hid/umockdev"
	"handsetd/phoneapi/phoneapitest"
)

// BenchmarkLatency measures the two paths through the real daemon, each
// iteration one round:
//
//   - input-to-command: a keypad input report injected into the simulated
//     hidraw node until the host receives the command it makes (two per
//     iteration: BTN_PRESSED, then BTN_RELEASED);
//   - notify-to-report: the host's MUTE notification sent until the output
//     report that switches the Mute LED reaches the device.
//
// Both report p50, p99 and max in microseconds. The daemon logs at warn,
// as in service. Run with
//
//	go test -tags umockdev -exec umockdev-wrapper -run '^$' -bench Latency -benchtime=2000x ./test/e2e
//
// for 2 000 key presses (4 000 commands) and 2 000 notifications.
func BenchmarkLatency(b *testing.B) {
	b.Run("input-to-command", benchInputToCommand)
	b.Run("notify-to-report", benchNotifyToReport)
}

// stamp is when the host received a command.
type stamp struct {
	text string
	at   time.Time
}

func benchInputToCommand(b *testing.B) {
	stamps := make(chan stamp, 64)
	r := newRig(b, phoneapitest.OnCommand(func(c phoneapitest.Received) {
		if strings.HasPrefix(c.Text(), "BTN_") {
			stamps <- stamp{c.Text(), time.Now()}
		}
	}))
	h := r.addHandset(jabraFile, jabraProduct)
	r.start("--log-level=warn")
	r.waitClients(1)
	r.waitCmd(0, "SEARCH ACTIVECALLS")

	// The reports of keys 1-9, pressed and released, built once. Keys
	// rotate so that no press falls in the debounce window of the same
	// key's last press.
	type keyReports struct{ down, up []byte }
	var keys []keyReports
	for k := byte('1'); k <= '9'; k++ {
		var kr keyReports
		for _, v := range []int32{1, 0} {
			reps, err := h.enc.SetUsage(hid.Input, keyUsage(k), v)
			if err != nil || len(reps) != 1 {
				b.Fatalf("encode key %c=%d: %v %v", k, v, reps, err)
			}
			if v == 1 {
				kr.down = reps[0]
			} else {
				kr.up = reps[0]
			}
		}
		keys = append(keys, kr)
	}
	lat := make([]time.Duration, 0, 2*b.N)
	round := func(rep []byte, want string) {
		ctx, cancel := context.WithTimeout(r.ctx, 10*time.Second)
		defer cancel()
		start := time.Now()
		// The previous report was read: its command arrived. So the
		// report goes out at once and cannot merge with another.
		if err := h.Inject(ctx, rep); err != nil {
			b.Fatal(err)
		}
		select {
		case s := <-stamps:
			if s.text != want {
				b.Fatalf("host received %q, want %q", s.text, want)
			}
			lat = append(lat, s.at.Sub(start))
		case <-ctx.Done():
			b.Fatalf("no %q at the host: %v", want, ctx.Err())
		}
	}
	b.ResetTimer()
	for i := range b.N {
		k := keys[i%len(keys)]
		key := fmt.Sprintf("%c", '1'+i%len(keys))
		round(k.down, "BTN_PRESSED "+key)
		round(k.up, "BTN_RELEASED "+key)
	}
	b.StopTimer()
	reportPercentiles(b, lat)
}

// sent is when a report reached the device.
type sent struct {
	x  umockdev.Transfer
	at time.Time
}

func benchNotifyToReport(b *testing.B) {
	r := newRig(b)
	h := r.addHandset(jabraFile, jabraProduct)
	r.start("--log-level=warn")
	r.waitClients(1)
	r.waitCmd(0, "SEARCH ACTIVECALLS")

	// A collector stamps each report as it arrives, so that the time the
	// host spends waiting for Notify's answer is not counted.
	reports := make(chan sent, 64)
	ctx, stop := context.WithCancel(r.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			x, err := h.Next(ctx)
			if err != nil {
				return
			}
			select {
			case reports <- sent{x, time.Now()}:
			case <-ctx.Done():
				return
			}
		}
	}()
	defer func() {
		stop()
		<-done
	}()

	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		on := i%2 == 0
		want := jabra(0)
		if on {
			want = jabra(jMute)
		}
		start := time.Now()
		if err := r.host.SetMute(r.ctx, on); err != nil {
			b.Fatal(err)
		}
		select {
		case s := <-reports:
			if !bytes.Equal(s.x.Data, want) {
				b.Fatalf("device got %v, want % x", s.x, want)
			}
			lat = append(lat, s.at.Sub(start))
		case <-time.After(10 * time.Second):
			b.Fatalf("no report % x on the device", want)
		}
	}
	b.StopTimer()
	reportPercentiles(b, lat)
}

// reportPercentiles reports p50, p99 and max of lat in microseconds.
func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		b.Fatal("no samples")
	}
	slices.Sort(lat)
	at := func(q float64) time.Duration {
		i := int(q*float64(len(lat))+0.5) - 1
		return lat[min(max(i, 0), len(lat)-1)]
	}
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	b.ReportMetric(us(at(0.50)), "p50-us")
	b.ReportMetric(us(at(0.99)), "p99-us")
	b.ReportMetric(us(lat[len(lat)-1]), "max-us")
	b.ReportMetric(float64(len(lat)), "samples")
}

//go:build jack

package bridge_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"testing"
	"time"

	"handsetd/audio/bridge"
	"handsetd/audio/pa"
)

// TestJackBridge runs bridge mode on real streams: the handset side on
// JACK's "system" device and the host side on the ALSA "jack" PCM (from
// libasound2-plugins, which takes only the server's rate: rate conversion
// is covered by the virtual-time tests), both clocked by the private jackd. After the drift
// adapters lock, each direction must hold the configured latency within
// 1 ms with no underrun or overrun since the lock.
func TestJackBridge(t *testing.T) {
	for _, cc := range []bool{false, true} {
		name := "go callback"
		if cc {
			name = "c callback"
		}
		t.Run(name, func(t *testing.T) { runJackBridge(t, cc) })
	}
}

func runJackBridge(t *testing.T, cCallback bool) {
	if os.Getenv("JACK_DEFAULT_SERVER") == "" {
		t.Fatal("JACK_DEFAULT_SERVER is not set: run under scripts/with-jack.sh")
	}
	if err := pa.SetJackClientName(fmt.Sprintf("bridge-test-%d", os.Getpid())); err != nil {
		t.Fatal(err)
	}
	if err := pa.Init(); err != nil {
		t.Fatal(err)
	}
	defer pa.Terminate()
	devs, err := pa.Devices()
	if err != nil {
		t.Fatal(err)
	}
	const target = 60 * time.Millisecond
	r, err := bridge.New(bridge.Config{
		Mode:      bridge.Bridge,
		HandsetIn: pa.HostJACK + ":system", HandsetOut: pa.HostJACK + ":system",
		HostIn: "jack", HostOut: "jack",
		FramesPerBuffer: 256, TargetLatency: target, CCallback: cCallback,
	}, devs)
	if err != nil {
		t.Fatalf("%v; PortAudio lists %v", err, devs)
	}
	defer r.Close()
	if in, out := r.AudioNames(); in != "jack" || out != "jack" {
		t.Errorf("AudioNames = %q, %q; want jack, jack", in, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.PlayTone(bridge.Dial); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	var st bridge.Stats
	for time.Now().Before(deadline) {
		st = r.Stats()
		if st.Mic.Drift.Locked && st.Ear.Drift.Locked {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !st.Mic.Drift.Locked || !st.Ear.Drift.Locked {
		t.Fatalf("not locked after 20 s: %+v", st)
	}
	locked := st
	time.Sleep(3 * time.Second)
	st = r.Stats()
	for _, p := range []struct {
		name       string
		at, before bridge.PathStats
		rate       float64
	}{
		{"mic", st.Mic, locked.Mic, 48000},
		{"ear", st.Ear, locked.Ear, 48000},
	} {
		c := r.Config()
		cushion := 0.0
		if c.CCallback {
			cushion = 4 * 256 / p.rate
		}
		lat := p.at.Drift.Fill/p.rate + cushion
		t.Logf("%s: latency %.2f ms, ratio %+.1f ppm, %+v", p.name, lat*1e3, p.at.Drift.RatioPPM, p.at.Drift)
		if math.Abs(lat-target.Seconds()) > 0.001 {
			t.Errorf("%s latency %.2f ms, want %v +- 1 ms", p.name, lat*1e3, target)
		}
		if p.at.Drift.Underruns != p.before.Drift.Underruns || p.at.Drift.Overruns != p.before.Drift.Overruns {
			t.Errorf("%s: underruns %d -> %d, overruns %d -> %d after lock", p.name,
				p.before.Drift.Underruns, p.at.Drift.Underruns, p.before.Drift.Overruns, p.at.Drift.Overruns)
		}
		if p.at.OutFrames == 0 {
			t.Errorf("%s: no audio moved", p.name)
		}
	}
	for i, s := range st.Streams {
		t.Logf("stream %d: %v", i, s)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestJackDirectTone plays a tone in direct mode: the handset's output is
// open only while it plays.
func TestJackDirectTone(t *testing.T) {
	if err := pa.SetJackClientName(fmt.Sprintf("bridge-test-%d", os.Getpid())); err != nil {
		t.Fatal(err)
	}
	if err := pa.Init(); err != nil {
		t.Fatal(err)
	}
	defer pa.Terminate()
	devs, err := pa.Devices()
	if err != nil {
		t.Fatal(err)
	}
	r, err := bridge.New(bridge.Config{HandsetIn: pa.HostJACK + ":system", HandsetOut: pa.HostJACK + ":system", FramesPerBuffer: 256}, devs)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.ToneOutputOpen() {
		t.Fatal("output open before any tone")
	}
	if err := r.PlayDTMF('5', 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if !r.ToneOutputOpen() {
		t.Fatal("output not open while a tone plays")
	}
	time.Sleep(300 * time.Millisecond)
	st := r.Stats()
	if len(st.Streams) != 1 || st.Streams[0].Callbacks == 0 {
		t.Errorf("tone stream did not run: %+v", st.Streams)
	}
	if err := r.StopTone(); err != nil {
		t.Fatal(err)
	}
	if r.ToneOutputOpen() {
		t.Error("output still open after StopTone")
	}
	if err := r.SetCallAudio(true); err != nil {
		t.Fatal(err)
	}
	if err := r.PlayTone(bridge.Busy); err == nil {
		t.Error("tone played during call audio")
	}
}

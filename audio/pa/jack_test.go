//go:build jack

package pa_test

import (
	"fmt"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	"handsetd/audio/pa"
)

// jackSystem initializes PortAudio and returns JACK's "system" device; it
// fails the test when PortAudio sees no JACK server, which is what the
// jack tier needs to run at all.
func jackSystem(tb testing.TB) (pa.Device, []pa.Device) {
	tb.Helper()
	if os.Getenv("JACK_DEFAULT_SERVER") == "" {
		tb.Fatal("JACK_DEFAULT_SERVER is not set: run under scripts/with-jack.sh")
	}
	// A name of our own: another test process may hold "PortAudio" on
	// the same server.
	if err := pa.SetJackClientName(jackClient); err != nil {
		tb.Fatal(err)
	}
	if err := pa.Init(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := pa.Terminate(); err != nil {
			tb.Error(err)
		}
	})
	devs, err := pa.Devices()
	if err != nil {
		tb.Fatal(err)
	}
	d, err := pa.Find(devs, pa.HostJACK+":system", pa.Output)
	if err != nil {
		tb.Fatalf("%v; PortAudio lists %v", err, devs)
	}
	return d, devs
}

var jackClient = fmt.Sprintf("pa-test-%d", os.Getpid())

func jackConnect(tb testing.TB, from, to string) {
	tb.Helper()
	out, err := exec.Command("jack_connect", from, to).CombinedOutput()
	if err != nil {
		tb.Fatalf("jack_connect %s %s: %v: %s", from, to, err, out)
	}
}

func TestJackDevices(t *testing.T) {
	d, devs := jackSystem(t)
	for _, x := range devs {
		t.Log(x)
	}
	if d.MaxInputChannels != 2 || d.MaxOutputChannels != 2 || d.DefaultSampleRate != 48000 {
		t.Errorf("JACK system device %v, want 2 in, 2 out, 48000 Hz", d)
	}
}

// impulseLoop sends a full-scale impulse every `every` frames on its
// output and records, for every impulse that comes back on its input, how
// many frames after the last impulse sent it arrived.
type impulseLoop struct {
	every    int64
	frame    int64 // audio thread only
	lastSent int64 // audio thread only
	lat      [64]atomic.Int64
	n        atomic.Int32
}

func (l *impulseLoop) Process(in, out []float32) {
	for i := range out {
		f := l.frame + int64(i)
		out[i] = 0
		if f%l.every == 0 {
			out[i] = 1
			l.lastSent = f
		}
		if in[i] == 1 {
			if k := l.n.Load(); int(k) < len(l.lat) {
				l.lat[k].Store(f - l.lastSent)
				l.n.Store(k + 1)
			}
		}
	}
	l.frame += int64(len(out))
}

func (l *impulseLoop) latencies() []int64 {
	n := int(l.n.Load())
	got := make([]int64, n)
	for i := range got {
		got[i] = l.lat[i].Load()
	}
	return got
}

// waitFor polls cond until it holds or the deadline passes: the audio
// runs in real time, so this bounds a hang, it does not measure anything.
func waitFor(t *testing.T, d time.Duration, cond func() bool) bool {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cond()
}

// TestJackLoopLatency closes the loop PortAudio:out_0 -> PortAudio:in_0 and
// checks that every impulse comes back after exactly two periods (512
// frames at 256: one period for JACK to deliver the output and one for
// PortAudio's input buffer), plus the cushion with the C callback.
func TestJackLoopLatency(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    pa.Params
		want int64
	}{
		{"go callback", pa.Params{}, 512},
		{"c callback default cushion", pa.Params{CCallback: true}, 512 + 4*256},
		{"c callback 300-frame cushion", pa.Params{CCallback: true, Cushion: 300}, 812},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sys, _ := jackSystem(t)
			p := tc.p
			p.In, p.Out, p.InChannels, p.OutChannels, p.Rate, p.FramesPerBuffer = &sys, &sys, 1, 1, 48000, 256
			loop := &impulseLoop{every: 4800}
			s, err := pa.Open(p, loop)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Start(); err != nil {
				t.Fatal(err)
			}
			jackConnect(t, jackClient+":out_0", jackClient+":in_0")
			if !waitFor(t, 10*time.Second, func() bool { return int(loop.n.Load()) >= 10 }) {
				t.Fatalf("only %d impulses came back: %v", loop.n.Load(), s.Stats())
			}
			if err := s.Stop(); err != nil {
				t.Fatal(err)
			}
			for i, l := range loop.latencies() {
				if l != tc.want {
					t.Errorf("impulse %d came back after %d frames, want %d", i, l, tc.want)
				}
			}
			st := s.Stats()
			t.Log(st)
			if st.Callbacks == 0 || st.Frames != st.Callbacks*256 {
				t.Errorf("stats %v: want whole 256-frame callbacks", st)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
		})
	}
}

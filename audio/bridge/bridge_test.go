package bridge

import (
	"context"
	"errors"
	"testing"
	"time"

	"handsetd/audio/pa"
)

var devs = []pa.Device{
	{Index: 0, Name: "C-Media USB Headphone Set: USB Audio (hw:1,0)", HostAPI: pa.HostALSA, MaxInputChannels: 1, MaxOutputChannels: 2, DefaultSampleRate: 48000},
	{Index: 1, Name: "Loopback: PCM (hw:2,0)", HostAPI: pa.HostALSA, MaxInputChannels: 2, MaxOutputChannels: 2, DefaultSampleRate: 44100},
	{Index: 2, Name: "system", HostAPI: pa.HostJACK, MaxInputChannels: 2, MaxOutputChannels: 2, DefaultSampleRate: 48000},
}

const cm108 = "C-Media USB Headphone Set: USB Audio (hw:1,0)"

func TestAudioNames(t *testing.T) {
	for _, tc := range []struct {
		name            string
		cfg             Config
		wantIn, wantOut string
	}{
		{"direct", Config{HandsetIn: cm108, HandsetOut: cm108}, cm108, cm108},
		{"bridge to jack", Config{Mode: Bridge, HandsetIn: cm108, HandsetOut: cm108, HostIn: "system", HostOut: "system"}, "system", "system"},
		{"bridge to a loopback", Config{Mode: Bridge, HandsetIn: cm108, HandsetOut: cm108, HostIn: "Loopback: PCM (hw:2,0)", HostOut: "Loopback: PCM (hw:2,0)",
			AudioIn: "hw:Loopback,1,0", AudioOut: "hw:Loopback,1,1"}, "hw:Loopback,1,0", "hw:Loopback,1,1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := New(tc.cfg, devs)
			if err != nil {
				t.Fatal(err)
			}
			in, out := r.AudioNames()
			if in != tc.wantIn || out != tc.wantOut {
				t.Errorf("AudioNames() = %q, %q; want %q, %q", in, out, tc.wantIn, tc.wantOut)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	r, err := New(Config{Mode: Bridge, HandsetIn: cm108, HandsetOut: cm108, HostIn: "Loopback: PCM (hw:2,0)", HostOut: "Loopback: PCM (hw:2,0)"}, devs)
	if err != nil {
		t.Fatal(err)
	}
	c := r.Config()
	if c.Rate != 48000 || c.HostRate != 44100 || c.HostChannels != 1 || c.TargetLatency != 40*time.Millisecond || c.TonePlan.Name != "north-america" {
		t.Errorf("defaults: rate %d host rate %d host channels %d target %v plan %q", c.Rate, c.HostRate, c.HostChannels, c.TargetLatency, c.TonePlan.Name)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want error
	}{
		{"direct without output", Config{HandsetIn: cm108}, ErrConfig},
		{"bridge without host", Config{Mode: Bridge, HandsetIn: cm108, HandsetOut: cm108}, ErrConfig},
		{"unknown device", Config{HandsetOut: "nope"}, pa.ErrNoDevice},
		{"negative rate", Config{Mode: Bridge, HandsetIn: cm108, HandsetOut: cm108, HostIn: "system", HostOut: "system", Rate: -1}, ErrConfig},
		{"unknown mode", Config{Mode: 7, HandsetOut: cm108}, ErrConfig},
		{"c callback without period", Config{HandsetOut: cm108, CCallback: true}, ErrConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.cfg, devs); !errors.Is(err, tc.want) {
				t.Errorf("New: %v, want %v", err, tc.want)
			}
		})
	}
	r, err := New(Config{Mode: Bridge, HandsetIn: cm108, HandsetOut: cm108, HostIn: "system", HostOut: "system", TargetLatency: 5 * time.Millisecond, FramesPerBuffer: 256}, devs)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(context.Background()); !errors.Is(err, ErrConfig) {
		t.Errorf("Start with a 5 ms target at 256-frame periods: %v, want %v", err, ErrConfig)
	}
}

func TestParseMode(t *testing.T) {
	for s, want := range map[string]Mode{"": Direct, "direct": Direct, "bridge": Bridge} {
		if got, err := ParseMode(s); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	if _, err := ParseMode("loop"); !errors.Is(err, ErrConfig) {
		t.Errorf("ParseMode(loop): %v, want %v", err, ErrConfig)
	}
	if Bridge.String() != "bridge" || Direct.String() != "direct" {
		t.Errorf("String: %v %v", Bridge, Direct)
	}
}

// Direct mode refuses tones while the host's call audio owns the handset,
// without touching PortAudio.
func TestDirectToneDuringCall(t *testing.T) {
	r, err := New(Config{HandsetIn: cm108, HandsetOut: cm108}, devs)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.SetCallAudio(true); err != nil {
		t.Fatal(err)
	}
	if err := r.PlayTone(Dial); !errors.Is(err, ErrCallAudio) {
		t.Errorf("PlayTone during call: %v, want %v", err, ErrCallAudio)
	}
	if err := r.PlayDTMF('5', 80*time.Millisecond); !errors.Is(err, ErrCallAudio) {
		t.Errorf("PlayDTMF during call: %v, want %v", err, ErrCallAudio)
	}
	if err := r.PlayTone(ToneKind(42)); !errors.Is(err, ErrConfig) {
		t.Errorf("unknown tone: %v, want %v", err, ErrConfig)
	}
	if r.ToneOutputOpen() {
		t.Error("tone output open during a call")
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.PlayTone(Dial); !errors.Is(err, ErrClosed) {
		t.Errorf("PlayTone after Close: %v, want %v", err, ErrClosed)
	}
}

func TestMuteFlag(t *testing.T) {
	r, err := New(Config{HandsetIn: cm108, HandsetOut: cm108}, devs)
	if err != nil {
		t.Fatal(err)
	}
	r.SetMute(true)
	if !r.Muted() || !r.Stats().Muted {
		t.Error("mute not reported")
	}
	r.SetMute(false)
	if r.Muted() {
		t.Error("unmute not reported")
	}
}

package route

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"handsetd/audio/bridge"
	"handsetd/audio/card"
	"handsetd/devices"
	"handsetd/phone"
)

type fakePlayer struct{ calls []string }

func (f *fakePlayer) AudioNames() (string, string) { return "mic", "earpiece" }
func (f *fakePlayer) PlayTone(k bridge.ToneKind) error {
	f.calls = append(f.calls, fmt.Sprintf("tone %d", k))
	return nil
}
func (f *fakePlayer) PlayDTMF(key byte, d time.Duration) error {
	f.calls = append(f.calls, fmt.Sprintf("dtmf %c %v", key, d))
	return nil
}
func (f *fakePlayer) StopTone() error { f.calls = append(f.calls, "stop"); return nil }
func (f *fakePlayer) SetCallAudio(a bool) error {
	f.calls = append(f.calls, fmt.Sprintf("call %v", a))
	return bridge.ErrConfig
}
func (f *fakePlayer) Close() error { f.calls = append(f.calls, "close"); return nil }

func TestToneRequestsReachTheRouter(t *testing.T) {
	p := &fakePlayer{}
	r := &Route{p: p, dialTone: true, log: slog.New(slog.DiscardHandler)}
	r.DialTone(true)
	r.KeyTone("5")
	r.KeyTone("YES") // not a DTMF key: nothing
	r.DialTone(false)
	r.RingTone(true)
	r.RingTone(false)
	r.Progress(phone.ProgressBusy)
	r.Progress(phone.ProgressNone)
	r.CallAudio(true) // an error from the router is logged, not fatal
	if in, out := r.Names(); in != "mic" || out != "earpiece" {
		t.Fatalf("Names = %q, %q", in, out)
	}
	r.Close()
	want := []string{
		fmt.Sprintf("tone %d", bridge.Dial), "dtmf 5 100ms", "stop",
		fmt.Sprintf("tone %d", bridge.Ring), "stop",
		fmt.Sprintf("tone %d", bridge.Busy), "stop", "call true", "close",
	}
	if !slices.Equal(p.calls, want) {
		t.Fatalf("router calls %q, want %q", p.calls, want)
	}
}

func TestDialToneNever(t *testing.T) {
	p := &fakePlayer{}
	r := &Route{p: p, dialTone: false, log: slog.New(slog.DiscardHandler)}
	r.DialTone(true)
	if len(p.calls) != 0 {
		t.Fatalf("dial tone played with dial-tone = never: %q", p.calls)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := Open(ctx, Config{Route: "off"}, devices.Info{}); !errors.Is(err, ErrOff) {
		t.Fatalf("route off: %v, want ErrOff", err)
	}
	if _, err := Open(ctx, Config{Route: "loud", TonePlan: "europe"}, devices.Info{}); err == nil {
		t.Fatal("unknown route accepted")
	}
	if _, err := Open(ctx, Config{Route: "direct", TonePlan: "mars"}, devices.Info{}); err == nil {
		t.Fatal("unknown tone plan accepted")
	}
	// A handset whose sysfs node does not exist has no card: the error
	// says so, and nothing was opened.
	_, err := Open(ctx, Config{Route: "direct", TonePlan: "europe"}, devices.Info{Name: "X", Driver: "hid-telephony", SysfsPath: "/sys/devices/none/hidraw/hidraw9"})
	if err == nil || !(errors.Is(err, card.ErrNoDevice) || errors.Is(err, card.ErrNoAudio)) {
		t.Fatalf("missing device: %v, want card.ErrNoDevice or ErrNoAudio", err)
	}
}

// Stopping the dial tone must not silence the ring tone that just started
// (a call arrives while the user collects digits).
func TestStoppingOneToneLeavesAnother(t *testing.T) {
	p := &fakePlayer{}
	r := &Route{p: p, dialTone: true, log: slog.New(slog.DiscardHandler)}
	r.DialTone(true)
	r.RingTone(true)
	r.DialTone(false)
	r.Progress(phone.ProgressNone)
	r.RingTone(false)
	want := []string{fmt.Sprintf("tone %d", bridge.Dial), fmt.Sprintf("tone %d", bridge.Ring), "stop"}
	if !slices.Equal(p.calls, want) {
		t.Fatalf("router calls %q, want %q", p.calls, want)
	}
}

package simulate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"handsetd/devices"
	"handsetd/devices/handsettest"
	"handsetd/devices/telephony"
	"handsetd/hid"
	"handsetd/internal/clock"
)

// run opens the real generic driver on the simulated device and returns a
// function that collects the next n events.
func run(t *testing.T, s *Handset) func(n int) []string {
	t.Helper()
	h, err := telephony.Open(s.Device(), devices.Info{Name: "sim"}, nil, telephony.Options{Clock: clock.NewFake(), Debounce: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	r := handsettest.Start(t, h)
	return func(n int) []string {
		t.Helper()
		var got []string
		for range n {
			got = append(got, r.Next().String())
		}
		return got
	}
}

func load(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "hid", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestJabraThroughGenericDriver(t *testing.T) {
	s, err := New(load(t, "0b0e-0307.rdesc"))
	if err != nil {
		t.Fatal(err)
	}
	next := run(t, s)
	did, err := s.Do(context.Background(), "lift 5# m replace")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"handset lifted (off hook)", "keys 5# pressed", "mute pressed", "handset replaced (on hook)"}; !slices.Equal(did, want) {
		t.Fatalf("Do said %q, want %q", did, want)
	}
	want := []string{"hook-off", "key-down 5 (key)", "key-up 5 (key)", "key-down # (key)", "key-up # (key)", "mute-toggle", "hook-on"}
	if got := next(len(want)); !slices.Equal(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
}

func TestEveryDescriptorLiftsAndReplaces(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "hid", "*.rdesc"))
	if len(files) != 8 {
		t.Fatalf("found %d descriptors, want 8", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			s, err := New(load(t, filepath.Base(f)))
			if err != nil {
				t.Fatal(err)
			}
			next := run(t, s)
			if _, err := s.Do(context.Background(), "h m h"); err != nil {
				t.Fatal(err)
			}
			if got, want := next(3), []string{"hook-off", "mute-toggle", "hook-on"}; !slices.Equal(got, want) {
				t.Fatalf("events %q, want %q", got, want)
			}
		})
	}
}

func TestMissingControlsAndBadWords(t *testing.T) {
	s, err := New(load(t, "1395-0082.rdesc")) // Sennheiser SC 660: no keypad
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Press('1'); !errors.Is(err, ErrNoControl) {
		t.Fatalf("Press on a device without keypad: %v, want ErrNoControl", err)
	}
	if _, err := s.Do(context.Background(), "lift dance"); err == nil || err.Error() != `simulate: unknown action "dance" (`+Help+`)` {
		t.Fatalf("Do(dance) error %v", err)
	}
	if !s.OffHook() {
		t.Fatal("the action before the bad word did not happen")
	}
	if _, err := New([]byte{0x05, 0x01, 0x09, 0x06, 0xa1, 0x01, 0xc0}); err == nil {
		t.Fatal("a keyboard descriptor made a handset")
	}
	_ = hid.UsageFlash
}

func TestEmbeddedDescriptorsMatchTestdata(t *testing.T) {
	names := Descriptors()
	if len(names) != 8 {
		t.Fatalf("embedded %d descriptors, want 8: %v", len(names), names)
	}
	for _, n := range names {
		var vid, pid uint16
		if _, err := fmt.Sscanf(n, "%04x-%04x", &vid, &pid); err != nil {
			t.Fatalf("bad name %q", n)
		}
		emb, ok := Descriptor(vid, pid)
		if !ok || !bytes.Equal(emb, load(t, n+".rdesc")) {
			t.Errorf("%s: embedded copy differs from testdata/hid", n)
		}
	}
}

// A configuration reload closes the driver and opens it again: the new
// link works and tells the new driver the handset is off hook.
func TestReopenAfterClose(t *testing.T) {
	s, err := New(load(t, "0b0e-0307.rdesc"))
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.Open(context.Background(), Options{Clock: clock.NewFake()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Lift(); err != nil {
		t.Fatal(err)
	}
	h.Close()
	h2, err := s.Open(context.Background(), Options{Clock: clock.NewFake()})
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan string, 8)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); h2.Run(ctx, func(e devices.Event) { events <- e.String() }) }()
	defer func() { cancel(); <-done; h2.Close() }()
	if _, err := s.Do(ctx, "replace"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"hook-off", "hook-on"} {
		select {
		case got := <-events:
			if got != want {
				t.Fatalf("event %q, want %q", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %s event after reopening", want)
		}
	}
}

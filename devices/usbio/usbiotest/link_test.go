package usbiotest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"handsetd/devices"
	"handsetd/devices/usbio"
)

func TestControlChecksTheEnvelope(t *testing.T) {
	l := New("testsim", 3)
	var got [][]byte
	accept := func(r []byte) error { got = append(got, slices.Clone(r)); return nil }
	ctx := context.Background()
	if n, err := l.Control(ctx, 0x21, 0x09, 0x0200, 3, []byte{1, 2}, accept); n != 2 || err != nil {
		t.Fatalf("SET_REPORT = %d, %v; want 2, nil", n, err)
	}
	for _, tc := range []struct {
		reqType, req uint8
		val, idx     uint16
	}{{0xa1, 0x01, 0x0100, 3}, {0x21, 0x0a, 0x0200, 3}, {0x21, 0x09, 0x0300, 3}, {0x21, 0x09, 0x0200, 0}} {
		if _, err := l.Control(ctx, tc.reqType, tc.req, tc.val, tc.idx, []byte{9}, accept); err == nil {
			t.Errorf("request %+v accepted", tc)
		}
	}
	_, err := l.Control(ctx, 0x21, 0x09, 0x0200, 3, []byte{7}, func([]byte) error { return l.Refuse("bad report %d", 7) })
	if err == nil || err.Error() != "testsim: stall: bad report 7" {
		t.Fatalf("refused report: %v", err)
	}
	if !slices.EqualFunc(got, [][]byte{{1, 2}}, slices.Equal) {
		t.Fatalf("handled %v, want only the SET_REPORT", got)
	}
	want := []string{
		"request 0xa1/0x01 value 0x0100 index 3", "request 0x21/0x0a value 0x0200 index 3",
		"request 0x21/0x09 value 0x0300 index 3", "request 0x21/0x09 value 0x0200 index 0", "bad report 7",
	}
	if bad := l.Bad(); !slices.Equal(bad, want) {
		t.Fatalf("Bad = %q, want %q", bad, want)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := l.Control(cctx, 0x21, 0x09, 0x0200, 3, []byte{1}, accept); !errors.Is(err, context.Canceled) {
		t.Fatalf("Control with an ended context = %v", err)
	}
}

func TestReadBlocksUntilAChange(t *testing.T) {
	l := New("testsim", 3)
	var queue [][]byte
	next := func() ([]byte, bool) {
		if len(queue) == 0 {
			return nil, false
		}
		b := queue[0]
		queue = queue[1:]
		return b, true
	}
	type result struct {
		b   []byte
		err error
	}
	got := make(chan result, 1)
	go func() {
		p := make([]byte, 8)
		n, err := l.Read(context.Background(), p, next)
		got <- result{p[:n], err}
	}()
	l.Update(func() { queue = append(queue, []byte{0xaa, 0xbb}) })
	if r := <-got; r.err != nil || !slices.Equal(r.b, []byte{0xaa, 0xbb}) {
		t.Fatalf("Read = % x, %v", r.b, r.err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		n, err := l.Read(ctx, make([]byte, 8), next)
		got <- result{make([]byte, n), err}
	}()
	cancel()
	if r := <-got; !errors.Is(r.err, context.Canceled) {
		t.Fatalf("Read after cancel = %v, want context.Canceled", r.err)
	}

	go func() {
		_, err := l.Read(context.Background(), make([]byte, 8), next)
		got <- result{nil, err}
	}()
	l.Unplug()
	if r := <-got; !errors.Is(r.err, devices.ErrGone) || r.err.Error() != "testsim: devices: device gone" {
		t.Fatalf("Read after Unplug = %v, want ErrGone", r.err)
	}
	if _, err := l.Control(context.Background(), 0x21, 0x09, 0x0200, 3, []byte{1}, func([]byte) error { return nil }); !errors.Is(err, devices.ErrGone) {
		t.Fatalf("Control after Unplug = %v, want ErrGone", err)
	}
	if l.Closed() {
		t.Fatal("closed before Close")
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Read(context.Background(), nil, next); !errors.Is(err, usbio.ErrClosed) || !l.Closed() {
		t.Fatalf("Read after Close = %v, want usbio.ErrClosed", err)
	}
}

func TestWait(t *testing.T) {
	l := New("testsim", 3)
	n := 0
	done := make(chan error, 1)
	go func() { done <- l.Wait(context.Background(), func() bool { return n >= 2 }) }()
	l.Update(func() { n++ })
	l.Update(func() { n++ })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Wait(ctx, func() bool { return false }); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait with an ended context = %v", err)
	}
	if got := View(l, func() int { return n }); got != 2 {
		t.Fatalf("View = %d, want 2", got)
	}
}

func TestSwitchLogsChanges(t *testing.T) {
	t0 := time.Unix(1000, 0)
	var s Switch
	s.Set(t0, false) // already off
	s.Set(t0.Add(time.Second), true)
	s.Set(t0.Add(2*time.Second), true)
	s.Set(t0.Add(3*time.Second), false)
	want := []Toggle{{At: t0.Add(time.Second), On: true}, {At: t0.Add(3 * time.Second), On: false}}
	if s.On || !slices.Equal(s.Log, want) {
		t.Fatalf("switch %v %v, want off %v", s.On, s.Log, want)
	}
}

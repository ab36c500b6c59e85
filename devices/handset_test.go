package devices

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestButtonForKey(t *testing.T) {
	for name, want := range map[string]Button{
		"YES": ButtonAnswer, "NO": ButtonDrop, "R": ButtonFlash, "+": ButtonRedial,
		"SKYPE": ButtonProgrammable, "0": ButtonKey, "9": ButtonKey, "*": ButtonKey, "#": ButtonKey,
		"A": ButtonOther, "C": ButtonOther, "UP": ButtonOther, "DOWN": ButtonOther, "": ButtonOther,
		"10": ButtonOther, "yes": ButtonOther,
	} {
		if got := ButtonForKey(name); got != want {
			t.Errorf("ButtonForKey(%q) = %v, want %v", name, got, want)
		}
	}
}

var (
	errTestClosed = errors.New("test: closed")
	errTestBusy   = errors.New("test: busy")
)

func TestRunGuard(t *testing.T) {
	g := NewRunGuard(errTestClosed, errTestBusy)
	parent, cancelParent := context.WithCancel(context.Background())
	ctx, end, err := g.Start(parent)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := g.Start(context.Background()); err != errTestBusy {
		t.Fatalf("second Start = %v, want the busy error", err)
	}
	if err := g.Stopped(ctx); err != nil {
		t.Fatalf("Stopped while running = %v", err)
	}
	cancelParent()
	if err := g.Stopped(ctx); err != context.Canceled {
		t.Fatalf("Stopped after the caller's cancel = %v, want context.Canceled", err)
	}
	end()

	// A Run that Close ends.
	ctx, end, err = g.Start(context.Background())
	if err != nil {
		t.Fatalf("Start after the first Run ended: %v", err)
	}
	var order []string
	runDone := make(chan struct{})
	go func() {
		defer close(runDone)
		<-ctx.Done()
		order = append(order, "run returned")
		end()
	}()
	releases := 0
	release := func() error {
		releases++
		order = append(order, "released")
		return errors.New("test: release failed")
	}
	if err := g.Close(release); err == nil || err.Error() != "test: release failed" {
		t.Fatalf("Close = %v, want release's error", err)
	}
	<-runDone
	if want := "run returned,released"; strings.Join(order, ",") != want {
		t.Fatalf("order %q, want %q", strings.Join(order, ","), want)
	}
	if err := g.Stopped(ctx); err != errTestClosed {
		t.Fatalf("Stopped after Close = %v, want the closed error", err)
	}
	if err := g.Close(release); err == nil || releases != 1 {
		t.Fatalf("second Close = %v after %d releases, want the same error and one release", err, releases)
	}
	if _, _, err := g.Start(context.Background()); err != errTestClosed || !g.Closed() {
		t.Fatalf("Start after Close = %v, want the closed error", err)
	}
}

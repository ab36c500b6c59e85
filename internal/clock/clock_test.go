package clock

import (
	"testing"
	"time"
)

func TestFakeFiresInDeadlineOrder(t *testing.T) {
	c := NewFake()
	var got []int
	c.AfterFunc(30*time.Millisecond, func() { got = append(got, 3) })
	c.AfterFunc(10*time.Millisecond, func() { got = append(got, 1) })
	stopped := c.AfterFunc(20*time.Millisecond, func() { got = append(got, 2) })
	if !stopped.Stop() {
		t.Fatal("Stop of an armed timer returned false")
	}
	c.Advance(25 * time.Millisecond)
	if len(got) != 1 || got[0] != 1 {
		t.Fatalf("after 25ms fired %v, want [1]", got)
	}
	c.Advance(5 * time.Millisecond)
	if len(got) != 2 || got[1] != 3 {
		t.Fatalf("after 30ms fired %v, want [1 3]", got)
	}
	if c.Pending() != 0 {
		t.Fatalf("Pending = %d, want 0", c.Pending())
	}
}

func TestFakeTimerChannelAndReset(t *testing.T) {
	c := NewFake()
	start := c.Now()
	tm := c.NewTimer(time.Second)
	c.Advance(500 * time.Millisecond)
	tm.Reset(time.Second)
	c.Advance(900 * time.Millisecond)
	select {
	case <-tm.C():
		t.Fatal("timer fired before its reset deadline")
	default:
	}
	c.Advance(100 * time.Millisecond)
	select {
	case at := <-tm.C():
		if want := start.Add(1500 * time.Millisecond); !at.Equal(want) {
			t.Fatalf("fired at %v, want %v", at, want)
		}
	default:
		t.Fatal("timer did not fire at its reset deadline")
	}
}

func TestTimerCallbackMayArmAnother(t *testing.T) {
	c := NewFake()
	n := 0
	var tick func()
	tick = func() {
		n++
		if n < 3 {
			c.AfterFunc(time.Second, tick)
		}
	}
	c.AfterFunc(time.Second, tick)
	c.Advance(10 * time.Second)
	if n != 3 {
		t.Fatalf("cadence ticked %d times, want 3", n)
	}
}

// As with time.Timer since Go 1.23, Stop and Reset discard a tick that was
// delivered but not received.
func TestStopAndResetDiscardPendingTick(t *testing.T) {
	c := NewFake()
	for _, stop := range []func(Timer){
		func(tm Timer) { tm.Stop() },
		func(tm Timer) { tm.Reset(time.Hour) },
	} {
		tm := c.NewTimer(time.Second)
		c.Advance(time.Second)
		stop(tm)
		select {
		case <-tm.C():
			t.Fatal("a stale tick was delivered after Stop/Reset")
		default:
		}
		tm.Stop()
	}
	real := Real.NewTimer(time.Millisecond)
	time.Sleep(5 * time.Millisecond)
	real.Reset(time.Hour)
	select {
	case <-real.C():
		t.Fatal("the real timer delivered a stale tick: the fake models the wrong Go")
	default:
	}
	real.Stop()
}

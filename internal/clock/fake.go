package clock

import (
	"sort"
	"sync"
	"time"
)

// Fake is a manually advanced clock for tests. Timers fire, in deadline
// order, only inside Advance; AfterFunc callbacks run synchronously there, so
// a test observes their effects as soon as Advance returns.
type Fake struct {
	mu     sync.Mutex
	now    time.Time
	seq    int
	timers []*fakeTimer
}

// NewFake returns a fake clock set to a fixed, arbitrary instant.
func NewFake() *Fake {
	return &Fake{now: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *Fake) AfterFunc(d time.Duration, fn func()) Timer {
	return f.add(d, fn)
}

func (f *Fake) NewTimer(d time.Duration) Timer {
	return f.add(d, nil)
}

// Pending reports how many timers are armed; tests use it to check that
// nothing is left running (a ring cadence after unplug, say).
func (f *Fake) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.timers)
}

// Advance moves the clock forward by d, firing every timer that falls due.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	end := f.now.Add(d)
	f.mu.Unlock()
	for {
		f.mu.Lock()
		sort.SliceStable(f.timers, func(i, j int) bool {
			if f.timers[i].when.Equal(f.timers[j].when) {
				return f.timers[i].seq < f.timers[j].seq
			}
			return f.timers[i].when.Before(f.timers[j].when)
		})
		if len(f.timers) == 0 || f.timers[0].when.After(end) {
			f.now = end
			f.mu.Unlock()
			return
		}
		t := f.timers[0]
		f.timers = f.timers[1:]
		t.armed = false
		if t.when.After(f.now) {
			f.now = t.when
		}
		now := f.now
		f.mu.Unlock()
		if t.fn != nil {
			t.fn()
		} else {
			select {
			case t.c <- now:
			default:
			}
		}
	}
}

func (f *Fake) add(d time.Duration, fn func()) *fakeTimer {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &fakeTimer{clock: f, fn: fn}
	if fn == nil {
		t.c = make(chan time.Time, 1)
	}
	f.arm(t, d)
	return t
}

// arm must be called with f.mu held.
func (f *Fake) arm(t *fakeTimer, d time.Duration) {
	f.seq++
	t.seq = f.seq
	t.when = f.now.Add(d)
	t.armed = true
	f.timers = append(f.timers, t)
}

// disarm must be called with f.mu held. Like a real timer since Go 1.23,
// a stopped or reset timer delivers no tick that was pending.
func (f *Fake) disarm(t *fakeTimer) bool {
	if t.c != nil {
		select {
		case <-t.c:
		default:
		}
	}
	for i, x := range f.timers {
		if x == t {
			f.timers = append(f.timers[:i], f.timers[i+1:]...)
			t.armed = false
			return true
		}
	}
	return false
}

type fakeTimer struct {
	clock *Fake
	fn    func()
	c     chan time.Time
	when  time.Time
	seq   int
	armed bool
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Stop() bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	return t.clock.disarm(t)
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	was := t.clock.disarm(t)
	t.clock.arm(t, d)
	return was
}

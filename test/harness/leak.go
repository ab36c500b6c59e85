package harness

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
)

// Snapshot is the footprint of the test's own process, for code under test
// that runs in it.
type Snapshot struct {
	Goroutines int
	FDs        int
	// HeapKiB is the live heap after a full collection.
	HeapKiB int64
}

// TakeSnapshot collects garbage and measures.
func TakeSnapshot() Snapshot {
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fds, _ := os.ReadDir("/proc/self/fd")
	return Snapshot{
		Goroutines: runtime.NumGoroutine(),
		FDs:        len(fds) - 1, // the directory being read
		HeapKiB:    int64(ms.HeapAlloc / 1024),
	}
}

func (s Snapshot) String() string {
	return fmt.Sprintf("%d goroutines, %d fds, heap %d KiB", s.Goroutines, s.FDs, s.HeapKiB)
}

// Limits bound how much the footprint may grow between two snapshots.
type Limits struct {
	Goroutines int
	FDs        int
	HeapKiB    int64
}

// ExpectNoLeak waits (up to ctx) for the process to settle back to before:
// no more goroutines or descriptors than before plus lim, and a live heap
// within lim.HeapKiB of before's. Goroutines and descriptors of what was
// just stopped take a moment to go. It returns the last snapshot and, when
// it never settled, an error that lists the goroutines still running.
func ExpectNoLeak(ctx context.Context, before Snapshot, lim Limits) (Snapshot, error) {
	for {
		now := TakeSnapshot()
		if now.Goroutines <= before.Goroutines+lim.Goroutines &&
			now.FDs <= before.FDs+lim.FDs &&
			now.HeapKiB <= before.HeapKiB+lim.HeapKiB {
			return now, nil
		}
		select {
		case <-ctx.Done():
			return now, fmt.Errorf("harness: leak: before %v, after %v (allowed +%d goroutines, +%d fds, +%d KiB)\n%s",
				before, now, lim.Goroutines, lim.FDs, lim.HeapKiB, goroutines())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// goroutines is the stack of every goroutine, trimmed.
func goroutines() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	s := string(buf)
	if len(s) > 64<<10 {
		s = s[:64<<10] + "\n..."
	}
	return strings.TrimSpace(s)
}

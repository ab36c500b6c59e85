package pa

import (
	"sync/atomic"
	"time"
)

// Gap histogram resolution: 10 us buckets up to 100 ms cover every period
// from 64 frames at 48 kHz to 4096 frames at 44.1 kHz with room for late
// callbacks; anything later lands in the last bucket, and Max is exact.
const (
	gapBucket  = 10 * time.Microsecond
	gapBuckets = 10000
)

// GapHistogram records durations between successive events from one
// writer (the audio thread) and is read from any goroutine. Recording is a
// few atomic adds: no lock, no allocation.
type GapHistogram struct {
	counts [gapBuckets + 1]atomic.Uint64
	n      atomic.Uint64
	sum    atomic.Int64
	max    atomic.Int64
}

// Record adds one gap.
func (h *GapHistogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	i := int(d / gapBucket)
	if i > gapBuckets {
		i = gapBuckets
	}
	h.counts[i].Add(1)
	h.n.Add(1)
	h.sum.Add(int64(d))
	// One writer: a plain compare suffices, the atomic store makes it
	// visible to readers.
	if int64(d) > h.max.Load() {
		h.max.Store(int64(d))
	}
}

// Count is the number of gaps recorded.
func (h *GapHistogram) Count() uint64 { return h.n.Load() }

// Max is the longest gap recorded, exactly.
func (h *GapHistogram) Max() time.Duration { return time.Duration(h.max.Load()) }

// Mean is the average gap.
func (h *GapHistogram) Mean() time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	return time.Duration(h.sum.Load() / int64(n))
}

// Quantile returns the upper edge of the bucket holding the q-quantile
// (0 < q <= 1), so it is at most 10 us above the true value, capped at
// Max. It returns 0 when nothing was recorded.
func (h *GapHistogram) Quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := uint64(q*float64(n) + 0.999999999)
	if rank < 1 {
		rank = 1
	}
	var seen uint64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			if i == gapBuckets {
				return h.Max()
			}
			edge := time.Duration(i+1) * gapBucket
			if m := h.Max(); edge > m {
				edge = m
			}
			return edge
		}
	}
	return h.Max()
}

// Reset clears the histogram. It must not race with Record.
func (h *GapHistogram) Reset() {
	for i := range h.counts {
		h.counts[i].Store(0)
	}
	h.n.Store(0)
	h.sum.Store(0)
	h.max.Store(0)
}

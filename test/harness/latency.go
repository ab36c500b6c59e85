package harness

import (
	"fmt"
	"slices"
	"time"
)

// Summary is the distribution of a set of latencies.
type Summary struct {
	N                  int
	Min, P50, P99, Max time.Duration
	Mean               time.Duration
}

// Summarize sorts a copy of samples and returns its order statistics. The
// percentiles are nearest-rank: P99 of 10 000 samples is the 9 900th
// smallest.
func Summarize(samples []time.Duration) Summary {
	if len(samples) == 0 {
		return Summary{}
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return Summary{
		N:    len(s),
		Min:  s[0],
		P50:  s[rank(len(s), 50)],
		P99:  s[rank(len(s), 99)],
		Max:  s[len(s)-1],
		Mean: sum / time.Duration(len(s)),
	}
}

// rank is the 0-based index of the nearest-rank p-th percentile of n.
func rank(n, p int) int {
	r := (n*p + 99) / 100 // ceil(n*p/100)
	if r < 1 {
		r = 1
	}
	return r - 1
}

func (s Summary) String() string {
	return fmt.Sprintf("n=%d p50=%v p99=%v max=%v (min %v, mean %v)", s.N, s.P50, s.P99, s.Max, s.Min, s.Mean)
}

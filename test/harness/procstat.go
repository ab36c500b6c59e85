package harness

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// ErrMalformed means a /proc file did not have the expected layout.
var ErrMalformed = errors.New("harness: malformed proc file")

// ProcStats is a process's footprint at one moment.
type ProcStats struct {
	// RSSKiB is VmRSS, HWMKiB its peak (VmHWM).
	RSSKiB, HWMKiB int64
	// Threads is the number of threads; FDs the open file descriptors.
	Threads, FDs int
	// Voluntary and Involuntary are the context switches summed over the
	// threads alive now: a voluntary one is a thread going to sleep, so
	// each wake-up of a sleeping thread adds one.
	Voluntary, Involuntary uint64
	// CPU is the run time summed over the threads alive now; Slices the
	// number of times they were put on a CPU.
	CPU    time.Duration
	Slices uint64
}

// Sub returns the change of the counters from before to s (CPU, Slices and
// the context switches); the gauges are s's own.
func (s ProcStats) Sub(before ProcStats) ProcStats {
	d := s
	d.Voluntary -= before.Voluntary
	d.Involuntary -= before.Involuntary
	d.CPU -= before.CPU
	d.Slices -= before.Slices
	return d
}

// ReadProc reads the footprint of process pid.
func ReadProc(pid int) (ProcStats, error) {
	dir := filepath.Join("/proc", strconv.Itoa(pid))
	b, err := os.ReadFile(filepath.Join(dir, "status"))
	if err != nil {
		return ProcStats{}, fmt.Errorf("harness: %w", err)
	}
	st, err := ParseStatus(b)
	if err != nil {
		return ProcStats{}, fmt.Errorf("harness: %s/status: %w", dir, err)
	}
	var s ProcStats
	s.RSSKiB, s.HWMKiB, s.Threads = st.RSSKiB, st.HWMKiB, st.Threads
	fds, err := os.ReadDir(filepath.Join(dir, "fd"))
	if err != nil {
		return ProcStats{}, fmt.Errorf("harness: %w", err)
	}
	s.FDs = len(fds)
	tasks, err := os.ReadDir(filepath.Join(dir, "task"))
	if err != nil {
		return ProcStats{}, fmt.Errorf("harness: %w", err)
	}
	for _, t := range tasks {
		tdir := filepath.Join(dir, "task", t.Name())
		b, err := os.ReadFile(filepath.Join(tdir, "status"))
		if err != nil {
			continue // the thread exited meanwhile
		}
		ts, err := ParseStatus(b)
		if err != nil {
			return ProcStats{}, fmt.Errorf("harness: %s/status: %w", tdir, err)
		}
		s.Voluntary += ts.Voluntary
		s.Involuntary += ts.Involuntary
		b, err = os.ReadFile(filepath.Join(tdir, "schedstat"))
		if err != nil {
			continue
		}
		run, _, slices, err := ParseSchedstat(b)
		if err != nil {
			return ProcStats{}, fmt.Errorf("harness: %s/schedstat: %w", tdir, err)
		}
		s.CPU += run
		s.Slices += slices
	}
	return s, nil
}

// Status is what ParseStatus takes from a /proc/PID/status file; fields the
// file lacks (a thread's status has no VmRSS of its own on some kernels) are
// zero.
type Status struct {
	RSSKiB, HWMKiB         int64
	Threads                int
	Voluntary, Involuntary uint64
}

// ParseStatus parses the "Key:\tvalue" lines of a /proc/PID/status file.
func ParseStatus(b []byte) (Status, error) {
	var s Status
	seen := false
	for line := range bytes.Lines(b) {
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		v = bytes.TrimSpace(v)
		var err error
		switch string(k) {
		case "VmRSS":
			s.RSSKiB, err = kib(v)
		case "VmHWM":
			s.HWMKiB, err = kib(v)
		case "Threads":
			s.Threads, err = strconv.Atoi(string(v))
		case "voluntary_ctxt_switches":
			s.Voluntary, err = strconv.ParseUint(string(v), 10, 64)
			seen = true
		case "nonvoluntary_ctxt_switches":
			s.Involuntary, err = strconv.ParseUint(string(v), 10, 64)
		default:
			continue
		}
		if err != nil {
			return Status{}, fmt.Errorf("%w: %s: %w", ErrMalformed, k, err)
		}
	}
	if !seen {
		return Status{}, fmt.Errorf("%w: no voluntary_ctxt_switches", ErrMalformed)
	}
	return s, nil
}

// kib parses "1234 kB".
func kib(v []byte) (int64, error) {
	n, unit, _ := bytes.Cut(v, []byte(" "))
	if string(bytes.TrimSpace(unit)) != "kB" {
		return 0, fmt.Errorf("unit %q, want kB", unit)
	}
	return strconv.ParseInt(string(n), 10, 64)
}

// ParseSchedstat parses /proc/PID/task/TID/schedstat: time spent on the
// CPU, time spent waiting for it (both in nanoseconds), and the number of
// time slices run.
func ParseSchedstat(b []byte) (run, wait time.Duration, slices uint64, err error) {
	f := bytes.Fields(b)
	if len(f) != 3 {
		return 0, 0, 0, fmt.Errorf("%w: %d fields in schedstat, want 3", ErrMalformed, len(f))
	}
	var v [3]uint64
	for i := range f {
		if v[i], err = strconv.ParseUint(string(f[i]), 10, 64); err != nil {
			return 0, 0, 0, fmt.Errorf("%w: schedstat: %w", ErrMalformed, err)
		}
	}
	if v[0] > 1<<62 || v[1] > 1<<62 {
		return 0, 0, 0, fmt.Errorf("%w: schedstat time out of range", ErrMalformed)
	}
	return time.Duration(v[0]), time.Duration(v[1]), v[2], nil
}

// Package perf measures the real handsetd binary against simulated USB
// handsets (umockdev) and a test softphone on a private dbus-daemon: the
// figures docs/performance.md records. It holds benchmarks only, run by
// scripts/bench.sh (make bench), which prints them as a report:
//
//	go test -tags umockdev -exec umockdev-wrapper -run '^$' -bench . -benchtime 10000x ./test/perf
//
// BenchmarkInputToCommand: an input report written to the simulated
// /dev/hidraw node until its phone-API command (BTN_PRESSED,
// BTN_RELEASED) reaches the host; b.N events, p50/p99/max reported.
//
// BenchmarkNotifyToOutput: the host's MUTE ON / MUTE OFF notification sent
// until the mute LED's output report reaches the device; b.N events.
//
// BenchmarkFootprint: RSS, threads, open descriptors and goroutines of the
// daemon with no handset and with four, after they attached. Goroutines
// are counted from the stack dump a Go program prints on SIGQUIT, so each
// count ends its daemon.
//
// BenchmarkIdle: CPU time and wake-ups (voluntary context switches summed
// over the daemon's threads) per second while four handsets are attached
// and nothing happens, over HANDSETD_IDLE_SECONDS (default 10).
//
// BenchmarkStartup: process start until READY=1 on NOTIFY_SOCKET
// (sd_notify(3)), and until four handsets are attached to the host.
//
// The benchmarks report their figures with b.ReportMetric; the
// distributions go to the benchmark log.
package perf

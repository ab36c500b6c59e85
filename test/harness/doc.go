// Package harness holds what the performance harness (test/perf) and the
// fault suite (test/faults) share: reading a process's footprint from
// /proc, building and running the real handsetd binary with a
// NOTIFY_SOCKET to see when it is ready, and leak checks for code run in the
// test's own process.
//
// The untagged files run in every tier. Files behind the umockdev build tag
// add Rig, a umockdev testbed of simulated USB handsets (package
// hid/umockdev) with a private bus that can be restarted on the same
// address and the test host, both of package phoneapi/phoneapitest, for
// tests run as
//
//	go test -tags umockdev -exec umockdev-wrapper ./test/...
//
// Footprint numbers come from proc(5): VmRSS and Threads from
// /proc/PID/status, the open descriptors from /proc/PID/fd, and for every
// thread its voluntary and involuntary context switches
// (/proc/PID/task/TID/status) and its run time and time slices
// (/proc/PID/task/TID/schedstat, Documentation/scheduler/sched-stats.rst of
// the kernel). A sleeping thread that wakes up shows as one more voluntary
// switch, which is how the idle wake-ups of the daemon are counted.
//
// Readiness follows sd_notify(3): the daemon sends READY=1 to the datagram
// socket named by NOTIFY_SOCKET once it serves.
package harness

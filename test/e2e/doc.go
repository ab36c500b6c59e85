// Package e2e tests the real handsetd binary end to end: the daemon is built
// once per test run and started as a child process inside a umockdev
// testbed (package hid/umockdev), so that its hidapi, libudev and hotplug C
// code sees simulated USB handsets built from real report descriptors
// (testdata/hid), and it talks to a stand-in softphone that owns
// com.Skype.API on a private dbus-daemon (package phoneapi/phoneapitest).
// Nothing inside the daemon is replaced: input reports go in through the
// simulated /dev/hidrawN node, phone-API commands come out on the bus,
// notifications go in on the bus and output reports come out on the node.
//
// The scenarios follow the project's contract (docs/phone-api.md of the
// shared docs, after the Skype 2.0 API reference's phone API and access API)
// and the HID behaviour of real handsets (docs/hid-telephony.md): attaching,
// ringing and its acknowledgements, mute round trips, the keypad, call
// waiting, host restarts, unplug and re-plug mid-call, two handsets at once,
// spoofed and malformed notifications, garbage input reports, access mode and
// a clean stop on SIGTERM. BenchmarkLatency measures the two paths through
// the daemon: input report to host command, and notification to output
// report.
//
// Every test file is behind the umockdev build tag:
//
//	go test -tags umockdev -exec umockdev-wrapper ./test/e2e
//	go test -tags umockdev -exec umockdev-wrapper -run '^$' -bench Latency ./test/e2e
//
// The tests fail, never skip, when the binary cannot be built or when
// dbus-daemon or umockdev is missing. HANDSETD_E2E_BIN runs them against a
// binary built elsewhere instead of building one.
package e2e

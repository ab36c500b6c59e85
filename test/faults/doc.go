// Package faults is handsetd's fault suite: each test breaks one thing the
// daemon depends on - the softphone, the bus, a handset, the data either
// sends - and checks that the daemon keeps running, that it leaks no
// goroutines, file descriptors or memory (measured before and after), and
// that the next call works: the host rings, the ring indicator lights, the
// user lifts the handset (HOOK OFF reaches the host, which answers), the
// off-hook indicator lights, the user hangs up (HOOK ON), the indicators
// go dark.
//
// Two tiers, chosen per fault:
//
//   - In process (every go test, -race): the daemon package wired as
//     `handsetd run` wires it - the generic HID Telephony driver, one
//     phone-API session per handset on a real private dbus-daemon, the test
//     host of phoneapi/phoneapitest - with scripted fake devices
//     (hid/hidtest) in place of hidraw nodes. Faults that need exact
//     timing (a write in flight at unplug, writes that fail or hang) or
//     many repetitions (1 000 plug/unplug cycles) live here, where
//     goroutines and the heap can be counted exactly.
//   - The real binary (umockdev build tag, run under umockdev-wrapper):
//     handsetd run as a child process inside a umockdev testbed with
//     simulated USB handsets (hid/umockdev), so the hidapi, libudev and
//     hotplug code runs too. Its descriptors, threads and RSS are read
//     from /proc (package test/harness). Plug/unplug runs 200 cycles here:
//     each cycle adds devices to the testbed for good (umockdev cannot
//     re-add a removed /dev name), and 1 000 would cost CI minutes.
//
// Run them with
//
//	go test -race ./test/faults
//	go test -tags umockdev -exec umockdev-wrapper ./test/faults
//
// The faults follow the project's contract (docs/phone-api.md: attaching,
// a host that leaves or never answers, notifications from other senders)
// and how hidraw behaves on unplug (reads and writes fail with ENODEV, poll
// reports POLLHUP) and on a stuck device (usbhid gives up an output report
// after USB_CTRL_SET_TIMEOUT, 5 s).
package faults

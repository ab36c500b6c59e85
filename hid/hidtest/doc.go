// Package hidtest provides a scripted fake of hid.Device, so that drivers
// can be tested without hardware, in the style of net/http/httptest and
// periph.io's i2ctest.
//
// A test builds a Device from a report descriptor (a real one from
// testdata/hid, say), plays the user's actions as input reports with Push,
// and reads what the driver sent back with Writes or WaitWrites. In strict
// mode, writes are checked against a list given with Expect: an unexpected
// write fails the test and is refused, and Verify fails the test when an
// expected write never came. Unplug makes reads and writes fail with
// hid.ErrDisconnected, as a real hidraw node does when the handset is
// pulled out; FailWrites makes writes fail on demand.
//
// WaitIdle is the synchronisation point that keeps tests free of sleeps:
// it returns once the driver has taken every pushed report and is blocked
// reading the next one, so everything the reports caused has happened.
//
// This is tier 1 of the project's testing (docs/simulated-hid.md): it runs
// none of the hidraw, hidapi or libudev code.
package hidtest

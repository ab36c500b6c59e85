// Package handsettest runs a devices.Handset under test: Start calls Run
// in a goroutine that the test owns (cancelled and waited for at the end
// of the test), collects what Run emits, and lets the test expect events
// in order and Run's result. It holds the helpers the driver tests of
// devices/cm109, devices/yealink and devices/simulate share.
//
// Events that Run emitted before it returned are always handed out before
// its result: a driver releases held keys on its way out (the promise of
// devices.Handset.Run), and a test that expects those KeyUp events must
// see them even though Run has returned by then.
package handsettest

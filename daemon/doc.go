// Package daemon wires handsetd together: device sources (hidraw and USB,
// now and on hotplug, or a simulated handset) feed it devices; for each it
// opens the driver, gives the handset its own host session (one D-Bus
// connection, NAME <product> (handsetd)) and runs a phone.Phone between
// the two.
//
// # Threads
//
// Run owns a map of slots, one per present device, keyed by the device's
// identity (its sysfs path, so a reused /dev/hidrawN name cannot confuse
// two devices). Each slot has three goroutines: the driver's read loop
// (devices.Handset.Run), the phone's state loop, and the host session;
// a fourth pumps the session's events into the phone. A slot ends when its
// device goes (unplug, read error) or the daemon stops, in this order: the
// driver stops reading (releasing any key held), the phone turns the
// indicators off and flushes its queued commands, then the session closes.
// A source that fails is started again after a backoff.
package daemon

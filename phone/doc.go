// Package phone is one handset attached to one host. It is where the data
// flow of handsetd turns around:
//
//	handset event (devices.Event) -> phone-API command (HOOK, BTN_PRESSED, MUTE,
//	                                 or ALTER CALL / CALL / SET MUTE in access mode)
//	host notification (CALL, MUTE) -> call tracker -> indicators (ring, ringer,
//	                                 off-hook, hold, mute, display)
//
// It implements the device side of the contract in docs/phone-api.md of the
// project's shared docs (phone mode and access mode, the ringing rule, state
// re-sent after attaching) and knows nothing of D-Bus or of HID: the host is
// anything that can Send a phoneapi.Command, the handset any devices.Handset.
//
// # Threads
//
// A Phone has one goroutine, Run, that owns all its state. Handset events,
// host messages, attach/detach and timer expiries reach it through one
// channel, in order. Commands to the host go through a second goroutine with
// a bounded FIFO, so that a host slow to answer never delays the handset's
// indicators; replies that carry information (a call's TYPE, the host's MUTE
// state) come back into the first goroutine as host messages.
package phone

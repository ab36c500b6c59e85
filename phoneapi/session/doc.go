// Package session keeps one device attached to the phone-API host over its
// own D-Bus connection (package transport), as the project's contract
// docs/phone-api.md describes ("Attaching", "Command identifiers") after the
// Skype 2.0 API reference.
//
// Run connects, waits for a host to own com.Skype.API, and attaches: NAME
// <device name>, then PROTOCOL 5, accepting a lower answer. A refusal (ERROR
// 68), CONNSTATUS OFFLINE, a host that does not answer and a bus that cannot
// be reached are retried with a doubling backoff and a log line that says
// what to do. While no host is on the bus the session waits for
// NameOwnerChanged rather than polling, with one slow retry (Backoff.Max) as
// a safety net. When the host leaves or is replaced the session reports
// Detached and attaches to the next one; when the bus goes away it
// reconnects. After every attach OnAttach runs first, so the device re-sends
// its state before any notification is delivered.
//
// Send gives each command an id ("#12 PING") and returns the reply with the
// same id, whether it comes back as Invoke's result or later through Notify,
// with interleaved notifications in between; a reply that does not come
// within ReplyTimeout is ErrTimeout for that command, never a hang. NAME and
// PROTOCOL go without ids, because ids arrived with protocol 4 and the
// version is not agreed yet; with a host that answers PROTOCOL 3 or lower,
// commands go without ids and the reply is Invoke's result.
//
// Events is one ordered stream: Attached, the notifications that follow in
// the order the host sent them, Detached (so the daemon stops ringing and
// clears its indicators). Notifications that do not parse are logged and
// dropped. Keep-alive PING is off by default (PingInterval): the daemon aims
// for no periodic wake-ups at idle, and NameOwnerChanged already tells when
// a host quits; PING only catches a host that hangs while keeping its name.
package session

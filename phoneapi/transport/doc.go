// Package transport carries phone-API lines over D-Bus, the way the Skype API
// does it on Linux ("Using the Skype API on Linux" in the Skype 2.0 API
// reference; the project's contract is docs/phone-api.md, "Transport on
// Linux: D-Bus").
//
// A Conn is one private bus connection, one per attached device, because the
// host treats every connection that sends NAME as a separate phone. The device
// calls Invoke(s) -> s on the host's object /com/Skype (interface
// com.Skype.API, bus name com.Skype.API) and receives notifications through
// Notify(s), which the Conn exports at /com/Skype/Client on interface
// com.Skype.API.Client.
//
// # Who may notify
//
// Anyone on a session bus can call a method on any other connection, so a
// Notify is accepted only from the connection that currently owns
// com.Skype.API. The Conn follows the owner through NameOwnerChanged (matched
// on the bus, not polled) after one GetNameOwner at dial time. Any other
// sender gets the D-Bus error com.Skype.API.Client.Error.NotAllowed and a
// warning in the log, at most one line per ten seconds with a count of what
// was suppressed, so a flood of forged calls cannot flood the log either.
//
// # Order and memory
//
// godbus runs every incoming method call in its own goroutine, so calls that
// arrive in order may be handled in any order, and a burst of calls becomes a
// burst of goroutines. The Conn therefore does its work in godbus's incoming
// interceptor, which runs on the single goroutine that reads the socket, in
// wire order: it classifies each Notify, and queues accepted lines and owner
// changes on one bounded channel (Events). When that channel is full the
// reader blocks, the socket stops being read, and the bus daemon holds the
// rest: backpressure reaches the host instead of memory growing here. The
// exported Notify method only returns the verdict the interceptor recorded.
//
// The cost of that backpressure is that replies to Invoke travel on the same
// socket: a consumer that stops draining Events also stalls its own Invoke
// calls, which then end at their context's deadline. Consumers must drain
// Events.
package transport

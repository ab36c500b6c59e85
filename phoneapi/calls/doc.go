// Package calls tracks the host's calls from its CALL notifications, so that
// a handset can show what is going on (ring, in call, on hold) and, in access
// mode, address the right call (ALTER CALL <id> ANSWER, HANGUP, DTMF).
//
// It implements the "Host to device: notifications that matter" part of the
// project's phone API contract (docs/phone-api.md), over the call statuses
// and types of the Skype 2.0 API reference ("Calls").
//
// # The ringing rule
//
// The handset rings while at least one incoming call is RINGING, and only
// then. [Tracker.Ringing] is that set; its emptiness is the whole decision:
//
//   - A call whose TYPE is INCOMING_P2P or INCOMING_PSTN and whose STATUS is
//     RINGING rings the handset.
//   - An outgoing call (OUTGOING_P2P, OUTGOING_PSTN) in RINGING never rings
//     the handset: the far end is ringing and the host plays ringback.
//   - A call in RINGING whose type is not known yet does not ring. The
//     daemon asks for it at once with GET CALL <id> TYPE ([Change.AskType],
//     [Tracker.NeedType]) and the call rings when the answer says incoming.
//     Ringing late by one round trip is better than ringing the handset for
//     the user's own outgoing call. A TYPE value this package does not know
//     is not asked again (the host would give the same answer) and never
//     rings.
//
// Ringing starts when the first incoming call enters RINGING and stops when
// the last one leaves it, whatever order the notifications come in.
//
// # Order, duplicates and bad input
//
// Notifications of one call may come in any order (TYPE after STATUS,
// STATUS before anything else), repeat, or come late:
//
//   - Properties are independent: each one updates its field whenever it
//     comes.
//   - A call that ended (FINISHED, MISSED, REFUSED, CANCELLED, FAILED, BUSY,
//     any VM_ status) is removed, and its id is remembered for a while
//     (the last [MaxEnded] ended ids), so that a late or duplicate
//     notification for it does not bring it back. An ending status for a
//     call never seen is remembered the same way.
//   - A call that has been answered (INPROGRESS or on hold) never goes back
//     to UNPLACED, ROUTING, EARLYMEDIA or RINGING: such a status is a stale
//     reply and is ignored, so a late "RINGING" cannot ring the handset in
//     the middle of a call.
//   - Unknown statuses are recorded as sent (Call.RawStatus) and ignored for
//     every decision: the call keeps its last known Status.
//   - At most [MaxCalls] calls are tracked. A new call beyond that evicts
//     the least recently updated call, preferring calls that are neither
//     ringing, in progress nor held, so hostile input cannot grow memory.
//
// [Tracker.Reset] forgets everything, for when the host goes away: a new
// host has its own calls and its own ids.
package calls

// Package phoneapitest provides a phone-API host for tests and demos: a
// stand-in for the softphone that owns com.Skype.API on a real, private
// dbus-daemon, the way godbus's own tests run against a real bus rather than
// a mock.
//
// StartBus runs the daemon for a test (and fails the test when dbus-daemon is
// missing: a tier that cannot run must not pass). Host owns the host name,
// records every command with its sender and answers like the Skype 2.0 API
// reference (the phone API, "Command identifiers", "Calls"), as the
// project's contract docs/phone-api.md reads it:
//
//	NAME x          OK, or ERROR 68 (Refusing), or CONNSTATUS OFFLINE (Offline)
//	PROTOCOL n      PROTOCOL min(n, 5)
//	PING            PONG
//	HOOK, MUTE, BTN_PRESSED, BTN_RELEASED
//	                OK; HOOK OFF or YES answers a ringing call, HOOK ON or NO
//	                ends the current one, MUTE sets the host's mute (unless
//	                WithoutPhoneActions)
//	AUDIO_IN/OUT d  echoed
//	GET CALL id p   CALL id p value, ERROR 12 or ERROR 13
//	ALTER CALL ...  echoed, then the CALL id STATUS notifications it causes
//	SET MUTE x      MUTE x, and MUTE x to every client
//	CALL target     CALL id STATUS ROUTING, then the outgoing call's notifications
//	SEARCH ACTIVECALLS
//	                CALLS id, id (the calls not ended), or CALLS
//	anything else   ERROR 2 Unknown command (before NAME: ERROR 68)
//
// Replies carry the command's id. With RepliesViaNotify an id'd reply comes
// through Notify instead, before Invoke returns an empty string; with Silent
// nothing is ever answered. Leave and Return release and retake the name,
// as a softphone that quits and starts again; Close drops the connection.
//
// Calls are driven from the host side with Ring, Place, Answer, Hold,
// Resume, Hangup and SetMute, or as whole scenarios with Play (incoming,
// missed, waiting, outgoing). Notifications go to every attached client, in
// order. The core needs no *testing.T: `handsetd host` and the demo use it
// as an interactive or scripted softphone.
package phoneapitest

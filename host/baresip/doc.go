// Package baresip is a host for handsetd that is not the phone API: the
// open-source SIP softphone baresip, driven through its ctrl_tcp module.
// The daemon's core is unchanged; a baresip session is one more
// daemon.HostSession, and it translates in both directions:
//
//	baresip event                  -> phone-API notification
//	CALL_INCOMING                  -> CALL n TYPE INCOMING_P2P, PARTNER_HANDLE, PARTNER_DISPNAME, STATUS RINGING
//	CALL_RINGING (180, outgoing)   -> CALL n TYPE OUTGOING_P2P, ..., STATUS RINGING
//	CALL_PROGRESS (183, outgoing)  -> CALL n STATUS EARLYMEDIA
//	CALL_ESTABLISHED               -> CALL n STATUS INPROGRESS
//	CALL_CLOSED                    -> CALL n STATUS FINISHED | MISSED | REFUSED | CANCELLED | BUSY | FAILED
//
//	phone-API command (access mode) -> ctrl_tcp commands
//	ALTER CALL n ANSWER             -> callfind <id>, accept
//	ALTER CALL n HANGUP, END HANGUP -> callfind <id>, hangup
//	ALTER CALL n DTMF k             -> callfind <id>, sndcode k
//	ALTER CALL n HOLD, RESUME       -> callfind <id>, hold | resume  (then STATUS LOCALHOLD | INPROGRESS)
//	CALL digits                     -> dial digits
//	SET MUTE ON|OFF                 -> callfind <id>, mute (a toggle: repeated until it says so)
//	GET CALL, SEARCH ACTIVECALLS, PING answered by the session itself
//
// baresip has no phone mode, so the daemon runs in access mode with this
// host: the phone package then answers on hook off, collects digits, sends
// DTMF in a call and hangs up on hook on, exactly as with a phone-API host
// without a phone mode. HOOK, BTN_PRESSED and MUTE are refused.
//
// # Wire format
//
// ctrl_tcp (baresip 1.0.0, modules/ctrl_tcp) frames JSON in netstrings
// (http://cr.yp.to/proto/netstrings.txt) on one TCP connection, default
// port 4444:
//
//	-> 46:{"command":"accept","params":"","token":"h7"},
//	<- 58:{"response":true,"ok":true,"data":"...","token":"h7"},
//	<- 202:{"event":true,"type":"CALL_INCOMING","class":"call","accountaor":"sip:a@example.com",
//	        "direction":"incoming","peeruri":"sip:b@example.com","id":"e2a3d933417dd30b","param":"sip:b@example.com"},
//
// Commands are the menu module's long commands (accept, hangup, dial,
// callfind, sndcode, mute, hold, resume), so baresip must load menu.so as
// well as ctrl_tcp.so. In 1.0.0 they act on the "current call", so every
// command for a call is preceded by callfind, and the two run as one
// sequence that no other handset's commands interleave with. Calls are
// numbered 1, 2, ... per session in the order they appear; baresip's
// string ids never reach the phone.
//
// Everything read is bounded: a netstring longer than MaxMessage, or a
// stream that is not netstrings, closes the connection (it cannot be
// resynchronised); a netstring that is not a ctrl_tcp JSON message is
// logged and dropped. The decoder is fuzzed.
//
// # One connection, many handsets, reconnects
//
// ctrl_tcp serves one client at a time and drops the previous one when a
// new one connects, so all handsets share one connection (Hosts). It is
// opened when the first handset's session runs; when baresip is not there
// the error says so once (ErrNoControlPort: is ctrl_tcp loaded, where
// does ctrl_tcp_listen point?) and the session retries with exponential
// backoff (Config.MinBackoff to MaxBackoff), never polling. When baresip
// restarts, every phone sees a detach (ringing stops, indicators clear)
// and an attach when it is back.
//
// See docs/baresip.md for setting baresip up with a USB handset, its
// audio included.
package baresip

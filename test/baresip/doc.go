// Package baresipe2e holds the end-to-end tests of handsetd with baresip
// as its host: two real baresip 1.0.0 processes talk SIP over UDP on
// 127.0.0.1, one of them driven by an in-process handsetd daemon
// (host/baresip over ctrl_tcp) serving a simulated HID Telephony handset,
// the other driven by the test as the far end. Nothing is mocked: the
// handset rings because baresip received an INVITE, DTMF reaches the far
// end as RFC 4733 events, and so on.
//
// The tests carry the build tag baresip and fail (never skip) when the
// baresip binary is missing; scripts/test-baresip.sh runs them:
//
//	go test -count=1 -tags baresip ./test/baresip/
//
// They need baresip-core (Debian: apt-get install --no-install-recommends
// baresip-core) and no sound card: audio comes from baresip's ausine
// module and goes to its aubridge module.
package baresipe2e

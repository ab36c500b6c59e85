// Package simulate is a handset for people and tests without hardware: a
// HID Telephony device built from a real report descriptor. The user's
// actions (lift, replace, keys, mute) become the input reports that real
// hardware with that descriptor would send, and they go through the real
// generic driver (devices/telephony) like any device's reports. Only the
// USB link is simulated.
//
// Script drives a simulated handset from text, one action per word, so a
// terminal (handsetd run --simulate) and the demo can use it alike:
//
//	h        lift or replace the handset (toggle the hook)
//	lift     go off hook          replace  go on hook
//	0-9 * #  press and release a key (several in one word: "0301")
//	m        mute (the mute button)
//	f  r  x  flash, redial, drop
//	help     list the actions
package simulate

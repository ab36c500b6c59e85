// Package simulate is a handset for people and tests without hardware.
// Only the USB link is simulated: the user's actions (lift, replace, keys,
// mute) become what real hardware would send, and they go through the
// real driver of the model like any device's.
//
// Three kinds of device are simulated, behind one interface, [Device]
// ([ForModel] picks the kind from the model database's driver):
//
//   - HID Telephony models ([Handset]): a device built from a real report
//     descriptor (the bundled copies of testdata/hid, or a .rdesc file),
//     whose input reports the generic driver (devices/telephony) reads.
//   - CM109 phones: the simulated chip of devices/cm109/cm109sim, whose
//     keypad matrix the real cm109 driver scans over usbio.Transport.
//   - The Yealink USB-P1K: the simulated phone of
//     devices/yealink/yealinksim, which the real yealink driver polls.
//
// [Device.Do] drives a simulated handset from text, one action per word,
// so a terminal (handsetd run --simulate) and the demo can use it alike:
//
//	h        lift or replace the handset (toggle the hook)
//	lift     go off hook          replace  go on hook
//	0-9 * #  press and release a key (several in one word: "0301")
//	m        mute (the mute button)
//	f  r  x  flash, redial, drop
//	help     list the actions
//
// The vendor phones have no hook switch: lift presses the pickup key (the
// key the model's key map calls "YES", or its answer key), which the
// driver reports as KeyDown/KeyUp "YES", or as HookOff when the model has
// quirk cm109_hook_keys; replace and x press the hangup key ("NO"). f and
// r press the keys a key map names "R" and "+". The CM109's mute is its
// record-mute button; the P1K has none. A word for a control the device
// lacks fails with an error wrapping [ErrNoControl].
//
// A vendor phone reports a key only while the driver reads it (the CM109
// is scanned, the P1K polled every 100 ms), so Do holds each key until
// the driver has seen it go down and up: it waits for the driver's Run,
// and a P1K key takes about two poll intervals each way.
package simulate

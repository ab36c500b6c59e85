// Package devices defines what a handset is to the rest of handsetd: a
// stream of user events (hook, keys, mute) and a set of indicators (ring,
// ringer, off-hook, mute, hold, microphone, display). The drivers live in
// sub-packages, one per protocol family, and the model database says which
// driver and key map each real product gets.
//
// Device facts come from docs/hid-telephony.md in the project's shared docs
// and from the Linux drivers cm109.c and yealink.c.
package devices

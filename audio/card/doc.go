// Package card finds the ALSA sound card that belongs to a USB handset.
//
// A USB handset is one USB device with several interfaces: a HID interface
// (hook switch, keypad, indicators) and, on most models, USB Audio Class
// interfaces that the kernel's snd-usb-audio driver turns into an ALSA card.
// The HID interface and the audio interfaces are siblings under the same
// usb_device node, so the card is found by walking from the hidraw node up
// to its usb_device parent and looking for a "sound" child named cardN
// (see "Pairing a handset with its sound card" in the project's
// hid-telephony notes, and the USB Device Class Definition for Audio Devices
// 1.0, interface class 0x01).
//
// The walk goes through libudev (cgo) on purpose and never reads /sys from
// Go: umockdev intercepts libc calls only, so this is the only way the same
// code runs unchanged against a simulated device tree in the umockdev test
// tier.
//
// A handset without audio (ErrNoAudio) or whose audio function has no bound
// ALSA card (ErrCardMissing) is still a working phone for hook and keypad;
// callers log that once and carry on.
package card

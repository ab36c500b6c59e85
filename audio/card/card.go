package card

/*
#cgo pkg-config: libudev
#include <libudev.h>
#include <stdlib.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// Card is one ALSA sound card.
type Card struct {
	// Index is the ALSA card number N (hw:N). It can change between
	// plugs; ID does not.
	Index int
	// ID is the card's ALSA id (the "id" attribute, CARD=<ID> in ALSA
	// device names), e.g. "Device" or "Headset".
	ID string
	// Name is the card's short name as snd-usb-audio sets it: the USB
	// product string, or "USB Device 0xVVVV:0xPPPP" when the device has
	// none. PortAudio's ALSA device names start with it.
	Name string
	// SysfsPath is the card's node, e.g. /sys/devices/.../1-1:1.0/sound/card1.
	SysfsPath string
}

// HW returns the card's raw ALSA device name for PCM device 0 ("hw:1,0").
func (c Card) HW() string { return "hw:" + strconv.Itoa(c.Index) + ",0" }

// PCM returns an ALSA PCM name for the card that survives renumbering and
// converts formats ("plughw:CARD=Device,DEV=0"): the name to give a host
// that opens ALSA devices itself.
func (c Card) PCM() string { return "plughw:CARD=" + c.ID + ",DEV=0" }

func (c Card) String() string {
	return fmt.Sprintf("card %d %q (%s)", c.Index, c.ID, c.Name)
}

// Errors callers branch on. Both ErrNoAudio and ErrCardMissing mean "control
// only": the handset works for hook and keys, without audio.
var (
	// ErrNoAudio means the device has no USB Audio function (or is not a
	// USB device at all, e.g. a Bluetooth HID).
	ErrNoAudio = errors.New("card: device has no usb audio function")
	// ErrCardMissing means the device has a USB Audio function but no ALSA
	// card is bound to it (snd-usb-audio not loaded, or the card was
	// claimed and released).
	ErrCardMissing = errors.New("card: usb audio function has no alsa card")
	// ErrNoDevice means the sysfs path names no device (it was unplugged,
	// or the path is wrong).
	ErrNoDevice = errors.New("card: no such device")
	// ErrNotUSBDevice means ForUSBDevice was given a node that is not a
	// usb_device.
	ErrNotUSBDevice = errors.New("card: not a usb_device node")
)

// ForHIDDevice returns the sound card of the USB device that holds the
// given HID node: a hidraw node (/sys/class/hidraw/hidraw0 or its
// /sys/devices/... path), a hid node, or a usb_interface. When the device
// has several cards the lowest-numbered one is returned.
func ForHIDDevice(sysfsPath string) (Card, error) {
	return lookup(sysfsPath, false)
}

// ForUSBDevice returns the sound card of a usb_device node
// (/sys/bus/usb/devices/1-1 or its /sys/devices/... path).
func ForUSBDevice(sysfsPath string) (Card, error) {
	return lookup(sysfsPath, true)
}

func lookup(sysfsPath string, mustBeUSB bool) (Card, error) {
	udev := C.udev_new()
	if udev == nil {
		return Card{}, errors.New("card: udev_new failed")
	}
	defer C.udev_unref(udev)

	cpath := C.CString(sysfsPath)
	defer C.free(unsafe.Pointer(cpath))
	dev, errno := C.udev_device_new_from_syspath(udev, cpath)
	if dev == nil {
		if errno == nil {
			errno = syscall.ENODEV
		}
		return Card{}, fmt.Errorf("%w: %s: %w", ErrNoDevice, sysfsPath, errno)
	}
	defer C.udev_device_unref(dev)

	usb := dev
	if !isUSBDevice(dev) {
		if mustBeUSB {
			return Card{}, fmt.Errorf("%w: %s", ErrNotUSBDevice, sysfsPath)
		}
		// The parent is owned by dev: no unref.
		usb = C.udev_device_get_parent_with_subsystem_devtype(dev, cstr("usb\x00"), cstr("usb_device\x00"))
		if usb == nil {
			return Card{}, fmt.Errorf("%w: %s is not on usb", ErrNoAudio, sysfsPath)
		}
	}
	usbPath := C.GoString(C.udev_device_get_syspath(usb))

	cards, err := childCards(udev, usb)
	if err != nil {
		return Card{}, err
	}
	if len(cards) == 0 {
		audio, err := hasAudioInterface(udev, usb)
		if err != nil {
			return Card{}, err
		}
		if audio {
			return Card{}, fmt.Errorf("%w: %s", ErrCardMissing, usbPath)
		}
		return Card{}, fmt.Errorf("%w: %s", ErrNoAudio, usbPath)
	}
	name := cardName(attr(usb, "product"), attr(usb, "idVendor"), attr(usb, "idProduct"))
	for i := range cards {
		cards[i].Name = name
	}
	return lowest(cards), nil
}

// cstr points at a NUL-terminated Go string literal without copying; C
// only reads it during the call.
func cstr(s string) *C.char { return (*C.char)(unsafe.Pointer(unsafe.StringData(s))) }

func isUSBDevice(d *C.struct_udev_device) bool {
	return C.GoString(C.udev_device_get_subsystem(d)) == "usb" &&
		C.GoString(C.udev_device_get_devtype(d)) == "usb_device"
}

func attr(d *C.struct_udev_device, name string) string {
	cn := C.CString(name)
	defer C.free(unsafe.Pointer(cn))
	v := C.udev_device_get_sysattr_value(d, cn)
	if v == nil {
		return ""
	}
	return strings.TrimSpace(C.GoString(v))
}

// children lists the syspaths of parent's descendants in subsystem.
func children(udev *C.struct_udev, parent *C.struct_udev_device, subsystem string) ([]string, error) {
	e := C.udev_enumerate_new(udev)
	if e == nil {
		return nil, errors.New("card: udev_enumerate_new failed")
	}
	defer C.udev_enumerate_unref(e)
	cs := C.CString(subsystem)
	defer C.free(unsafe.Pointer(cs))
	if r := C.udev_enumerate_add_match_subsystem(e, cs); r < 0 {
		return nil, fmt.Errorf("card: udev match subsystem: %w", syscall.Errno(-r))
	}
	if r := C.udev_enumerate_add_match_parent(e, parent); r < 0 {
		return nil, fmt.Errorf("card: udev match parent: %w", syscall.Errno(-r))
	}
	if r := C.udev_enumerate_scan_devices(e); r < 0 {
		return nil, fmt.Errorf("card: udev scan: %w", syscall.Errno(-r))
	}
	var paths []string
	for le := C.udev_enumerate_get_list_entry(e); le != nil; le = C.udev_list_entry_get_next(le) {
		paths = append(paths, C.GoString(C.udev_list_entry_get_name(le)))
	}
	return paths, nil
}

func childCards(udev *C.struct_udev, usb *C.struct_udev_device) ([]Card, error) {
	paths, err := children(udev, usb, "sound")
	if err != nil {
		return nil, err
	}
	var cards []Card
	for _, p := range paths {
		c, ok := soundCard(udev, p)
		if ok {
			cards = append(cards, c)
		}
	}
	return cards, nil
}

// soundCard reads a cardN node; controlC1, pcmC1D0p and the like are not
// cards and are skipped.
func soundCard(udev *C.struct_udev, syspath string) (Card, bool) {
	cp := C.CString(syspath)
	defer C.free(unsafe.Pointer(cp))
	d := C.udev_device_new_from_syspath(udev, cp)
	if d == nil {
		return Card{}, false
	}
	defer C.udev_device_unref(d)
	sysname := C.GoString(C.udev_device_get_sysname(d))
	if !strings.HasPrefix(sysname, "card") {
		return Card{}, false
	}
	n, ok := parseIndex(attr(d, "number"))
	if !ok {
		// Older kernels have no "number" attribute; the sysname has it.
		if n, ok = parseIndex(strings.TrimPrefix(sysname, "card")); !ok {
			return Card{}, false
		}
	}
	return Card{Index: n, ID: attr(d, "id"), SysfsPath: syspath}, true
}

func hasAudioInterface(udev *C.struct_udev, usb *C.struct_udev_device) (bool, error) {
	paths, err := children(udev, usb, "usb")
	if err != nil {
		return false, err
	}
	for _, p := range paths {
		cp := C.CString(p)
		d := C.udev_device_new_from_syspath(udev, cp)
		C.free(unsafe.Pointer(cp))
		if d == nil {
			continue
		}
		audio := C.GoString(C.udev_device_get_devtype(d)) == "usb_interface" && isAudioClass(attr(d, "bInterfaceClass"))
		C.udev_device_unref(d)
		if audio {
			return true, nil
		}
	}
	return false, nil
}

// isAudioClass reports whether a bInterfaceClass attribute ("01") is the
// USB Audio class.
func isAudioClass(s string) bool {
	v, err := strconv.ParseUint(s, 16, 8)
	return err == nil && v == 0x01
}

// parseIndex parses an ALSA card number (0..31 on Linux; accept any
// non-negative int).
func parseIndex(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// cardName is the short name snd-usb-audio gives a card: the product
// string, else "USB Device 0xvvvv:0xpppp" (sound/usb/card.c).
func cardName(product, vid, pid string) string {
	if product != "" {
		return product
	}
	v, err1 := strconv.ParseUint(vid, 16, 16)
	p, err2 := strconv.ParseUint(pid, 16, 16)
	if err1 != nil || err2 != nil {
		return "USB Device"
	}
	return "USB Device " + cHex04(v) + ":" + cHex04(p)
}

// cHex04 formats like C's "%#04x", which differs from Go's: the width
// counts the 0x prefix, and zero gets no prefix.
func cHex04(v uint64) string {
	if v == 0 {
		return "0000"
	}
	return fmt.Sprintf("0x%02x", v)
}

func lowest(cards []Card) Card {
	sort.Slice(cards, func(i, j int) bool { return cards[i].Index < cards[j].Index })
	return cards[0]
}

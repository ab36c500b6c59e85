//go:build umockdev

package card_test

import (
	"errors"
	"testing"

	"handsetd/audio/card"
	"handsetd/audio/card/internal/umockdevtb"
)

const usb = "/sys/devices/pci0000:00/0000:00:14.0/usb1"

// tree is what a C-Media CM108 handset (1-1), a HID-only handset (1-2), a
// handset whose audio function has no card bound (1-3), a device with two
// cards (1-4), one without a product string (1-5) and a uhid device look
// like in sysfs. Paragraphs are parents first.
const tree = `
P: /devices/pci0000:00/0000:00:14.0/usb1
E: SUBSYSTEM=usb
E: DEVTYPE=usb_device
A: idVendor=1d6b
A: idProduct=0002
A: product=xHCI Host Controller

P: /devices/pci0000:00/0000:00:14.0/usb1/1-1
N: bus/usb/001/002
E: SUBSYSTEM=usb
E: DEVTYPE=usb_device
A: idVendor=0d8c
A: idProduct=000c
A: product=C-Media USB Headphone Set  

P: /devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0
E: SUBSYSTEM=usb
E: DEVTYPE=usb_interface
E: DRIVER=snd-usb-audio
A: bInterfaceClass=01
A: bInterfaceNumber=00

P: /devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/sound/card1
E: SUBSYSTEM=sound
A: id=Set
A: number=1

P: /devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/sound/card1/controlC1
N: snd/controlC1
E: SUBSYSTEM=sound

P: /devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/sound/card1/pcmC1D0p
N: snd/pcmC1D0p
E: SUBSYSTEM=sound

P: /devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.3
E: SUBSYSTEM=usb
E: DEVTYPE=usb_interface
E: DRIVER=usbhid
A: bInterfaceClass=03
A: bInterfaceNumber=03

P: /devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.3/0003:0D8C:000C.0001
E: SUBSYSTEM=hid
E: HID_ID=0003:00000D8C:0000000C
E: HID_NAME=C-Media USB Headphone Set
E: HID_UNIQ=

P: /devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.3/0003:0D8C:000C.0001/hidraw/hidraw0
N: hidraw0
E: SUBSYSTEM=hidraw

P: /devices/pci0000:00/0000:00:14.0/usb1/1-2
E: SUBSYSTEM=usb
E: DEVTYPE=usb_device
A: idVendor=1395
A: idProduct=0082
A: product=Control Only Phone

P: /devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0
E: SUBSYSTEM=usb
E: DEVTYPE=usb_interface
A: bInterfaceClass=03

P: /devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/0003:1395:0082.0002
E: SUBSYSTEM=hid

P: /devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/0003:1395:0082.0002/hidraw/hidraw1
N: hidraw1
E: SUBSYSTEM=hidraw

P: /devices/pci0000:00/0000:00:14.0/usb1/1-3
E: SUBSYSTEM=usb
E: DEVTYPE=usb_device
A: idVendor=0b0e
A: idProduct=0307
A: product=Unbound Audio Phone

P: /devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.0
E: SUBSYSTEM=usb
E: DEVTYPE=usb_interface
A: bInterfaceClass=01

P: /devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.3
E: SUBSYSTEM=usb
E: DEVTYPE=usb_interface
A: bInterfaceClass=03

P: /devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.3/0003:0B0E:0307.0003
E: SUBSYSTEM=hid

P: /devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.3/0003:0B0E:0307.0003/hidraw/hidraw2
N: hidraw2
E: SUBSYSTEM=hidraw

P: /devices/pci0000:00/0000:00:14.0/usb1/1-4
E: SUBSYSTEM=usb
E: DEVTYPE=usb_device
A: idVendor=047f
A: idProduct=c053
A: product=Two Card Headset

P: /devices/pci0000:00/0000:00:14.0/usb1/1-4/1-4:1.0
E: SUBSYSTEM=usb
E: DEVTYPE=usb_interface
A: bInterfaceClass=01

P: /devices/pci0000:00/0000:00:14.0/usb1/1-4/1-4:1.0/sound/card7
E: SUBSYSTEM=sound
A: id=Headset_1
A: number=7

P: /devices/pci0000:00/0000:00:14.0/usb1/1-4/1-4:1.2
E: SUBSYSTEM=usb
E: DEVTYPE=usb_interface
A: bInterfaceClass=01

P: /devices/pci0000:00/0000:00:14.0/usb1/1-4/1-4:1.2/sound/card3
E: SUBSYSTEM=sound
A: id=Headset
A: number=3

P: /devices/pci0000:00/0000:00:14.0/usb1/1-5
E: SUBSYSTEM=usb
E: DEVTYPE=usb_device
A: idVendor=0d8c
A: idProduct=000c

P: /devices/pci0000:00/0000:00:14.0/usb1/1-5/1-5:1.0
E: SUBSYSTEM=usb
E: DEVTYPE=usb_interface
A: bInterfaceClass=01

P: /devices/pci0000:00/0000:00:14.0/usb1/1-5/1-5:1.0/sound/card2
E: SUBSYSTEM=sound
A: id=Device
A: number=2

P: /devices/virtual/misc/uhid/0003:0D8C:000C.0009
E: SUBSYSTEM=hid

P: /devices/virtual/misc/uhid/0003:0D8C:000C.0009/hidraw/hidraw9
N: hidraw9
E: SUBSYSTEM=hidraw
`

func newTestbed(t *testing.T) {
	t.Helper()
	tb, err := umockdevtb.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tb.Close)
	if err := tb.AddFromString(tree); err != nil {
		t.Fatal(err)
	}
}

func TestLookup(t *testing.T) {
	newTestbed(t)
	cm108 := card.Card{Index: 1, ID: "Set", Name: "C-Media USB Headphone Set", SysfsPath: usb + "/1-1/1-1:1.0/sound/card1"}
	for _, tc := range []struct {
		name string
		fn   func(string) (card.Card, error)
		path string
		want card.Card
	}{
		{"hidraw", card.ForHIDDevice, usb + "/1-1/1-1:1.3/0003:0D8C:000C.0001/hidraw/hidraw0", cm108},
		{"hidraw class link", card.ForHIDDevice, "/sys/class/hidraw/hidraw0", cm108},
		{"hid node", card.ForHIDDevice, usb + "/1-1/1-1:1.3/0003:0D8C:000C.0001", cm108},
		{"usb interface", card.ForHIDDevice, usb + "/1-1/1-1:1.3", cm108},
		{"usb device", card.ForUSBDevice, usb + "/1-1", cm108},
		{"usb device from hid side", card.ForHIDDevice, usb + "/1-1", cm108},
		{"lowest of two cards", card.ForUSBDevice, usb + "/1-4",
			card.Card{Index: 3, ID: "Headset", Name: "Two Card Headset", SysfsPath: usb + "/1-4/1-4:1.2/sound/card3"}},
		{"no product string", card.ForUSBDevice, usb + "/1-5",
			card.Card{Index: 2, ID: "Device", Name: "USB Device 0xd8c:0x0c", SysfsPath: usb + "/1-5/1-5:1.0/sound/card2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.fn(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestLookupErrors(t *testing.T) {
	newTestbed(t)
	for _, tc := range []struct {
		name string
		fn   func(string) (card.Card, error)
		path string
		want error
	}{
		{"hid only", card.ForHIDDevice, usb + "/1-2/1-2:1.0/0003:1395:0082.0002/hidraw/hidraw1", card.ErrNoAudio},
		{"audio function without card", card.ForHIDDevice, usb + "/1-3/1-3:1.3/0003:0B0E:0307.0003/hidraw/hidraw2", card.ErrCardMissing},
		{"not usb", card.ForHIDDevice, "/sys/devices/virtual/misc/uhid/0003:0D8C:000C.0009/hidraw/hidraw9", card.ErrNoAudio},
		{"interface given as usb device", card.ForUSBDevice, usb + "/1-1/1-1:1.3", card.ErrNotUSBDevice},
		{"missing", card.ForHIDDevice, usb + "/9-9/9-9:1.0", card.ErrNoDevice},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.fn(tc.path)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %+v, %v; want error %v", got, err, tc.want)
			}
		})
	}
}

// TestUnplugged checks that a card removed from the tree (snd-usb-audio
// unbound) turns into ErrCardMissing for the same handset.
func TestUnplugged(t *testing.T) {
	tb, err := umockdevtb.New()
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	if err := tb.AddFromString(tree); err != nil {
		t.Fatal(err)
	}
	hidraw := usb + "/1-1/1-1:1.3/0003:0D8C:000C.0001/hidraw/hidraw0"
	if _, err := card.ForHIDDevice(hidraw); err != nil {
		t.Fatal(err)
	}
	tb.Remove(usb + "/1-1/1-1:1.0/sound/card1")
	if _, err := card.ForHIDDevice(hidraw); !errors.Is(err, card.ErrCardMissing) {
		t.Fatalf("after removing the card: %v, want %v", err, card.ErrCardMissing)
	}
}

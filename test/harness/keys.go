package harness

import "handsetd/hid"

// KeyUsage is the Phone Key usage (Telephony page, HID Usage Tables 1.5
// section 14) of a keypad character: 0-9 are 0xB0-0xB9, * is 0xBA, # 0xBB.
func KeyUsage(k byte) hid.Usage {
	switch k {
	case '*':
		return hid.NewUsage(hid.PageTelephony, 0xBA)
	case '#':
		return hid.UsagePhoneKeyPound
	}
	return hid.NewUsage(hid.PageTelephony, 0xB0+uint16(k-'0'))
}

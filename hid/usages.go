package hid

import "fmt"

// Usage pages of the HID Usage Tables 1.5 that telephony devices and their
// companions use, plus the rest of the standard page list for naming.
const (
	PageGenericDesktop = 0x01
	PageKeyboard       = 0x07
	PageLED            = 0x08
	PageButton         = 0x09
	PageOrdinal        = 0x0A
	PageTelephony      = 0x0B
	PageConsumer       = 0x0C
	PageVendorMin      = 0xFF00 // 0xFF00-0xFFFF are vendor defined
)

// Usages the telephony summary looks for.
var (
	// Telephony page (0x0B).
	UsagePhone              = NewUsage(PageTelephony, 0x01)
	UsageHandset            = NewUsage(PageTelephony, 0x04)
	UsageHeadset            = NewUsage(PageTelephony, 0x05)
	UsageTelephonyKeyPad    = NewUsage(PageTelephony, 0x06)
	UsageProgrammableButton = NewUsage(PageTelephony, 0x07)
	UsageHookSwitch         = NewUsage(PageTelephony, 0x20)
	UsageFlash              = NewUsage(PageTelephony, 0x21)
	UsageRedial             = NewUsage(PageTelephony, 0x24)
	UsageDrop               = NewUsage(PageTelephony, 0x26)
	UsagePhoneMute          = NewUsage(PageTelephony, 0x2F)
	UsageLineBusyTone       = NewUsage(PageTelephony, 0x97)
	UsageRinger             = NewUsage(PageTelephony, 0x9E)
	UsagePhoneKey0          = NewUsage(PageTelephony, 0xB0)
	UsagePhoneKeyPound      = NewUsage(PageTelephony, 0xBB)

	// LED page (0x08).
	UsageLEDMute       = NewUsage(PageLED, 0x09)
	UsageLEDOffHook    = NewUsage(PageLED, 0x17)
	UsageLEDRing       = NewUsage(PageLED, 0x18)
	UsageLEDHold       = NewUsage(PageLED, 0x20)
	UsageLEDMicrophone = NewUsage(PageLED, 0x21)
	UsageLEDOnLine     = NewUsage(PageLED, 0x2A)

	// Consumer page (0x0C).
	UsageConsumerControl = NewUsage(PageConsumer, 0x01)
	UsageConsumerMute    = NewUsage(PageConsumer, 0xE2)
	UsageVolumeUp        = NewUsage(PageConsumer, 0xE9)
	UsageVolumeDown      = NewUsage(PageConsumer, 0xEA)
)

var pageNames = map[uint16]string{
	0x01:   "Generic Desktop",
	0x02:   "Simulation Controls",
	0x03:   "VR Controls",
	0x04:   "Sport Controls",
	0x05:   "Game Controls",
	0x06:   "Generic Device Controls",
	0x07:   "Keyboard/Keypad",
	0x08:   "LED",
	0x09:   "Button",
	0x0A:   "Ordinal",
	0x0B:   "Telephony",
	0x0C:   "Consumer",
	0x0D:   "Digitizers",
	0x0E:   "Haptics",
	0x0F:   "Physical Input Device",
	0x10:   "Unicode",
	0x11:   "SoC",
	0x12:   "Eye and Head Trackers",
	0x14:   "Auxiliary Display",
	0x20:   "Sensors",
	0x40:   "Medical Instrument",
	0x41:   "Braille Display",
	0x59:   "Lighting And Illumination",
	0x80:   "Monitor",
	0x81:   "Monitor Enumerated",
	0x82:   "VESA Virtual Controls",
	0x84:   "Power",
	0x85:   "Battery System",
	0x8C:   "Barcode Scanner",
	0x8D:   "Scales",
	0x8E:   "Magnetic Stripe Reader",
	0x90:   "Camera Control",
	0x91:   "Arcade",
	0x92:   "Gaming Device",
	0xF1D0: "FIDO Alliance",
}

// PageName names a usage page: "Telephony", "Vendor Defined 0xff30", or
// "0x0013" for a reserved page.
func PageName(p uint16) string {
	if n, ok := pageNames[p]; ok {
		return n
	}
	if p >= PageVendorMin {
		return fmt.Sprintf("Vendor Defined 0x%04x", p)
	}
	return fmt.Sprintf("0x%04x", p)
}

// UsageName names a usage within its page ("Hook Switch", "Button 3"), or
// gives its ID in hex ("0x00fd") when the tables do not know it.
func UsageName(u Usage) string {
	id := u.ID()
	switch u.Page() {
	case PageButton:
		if id == 0 {
			return "No Button Pressed"
		}
		return fmt.Sprintf("Button %d", id)
	case PageOrdinal:
		return fmt.Sprintf("Instance %d", id)
	case PageKeyboard:
		if n, ok := keyboardNames[id]; ok {
			return n
		}
	}
	if t := usageNames[u.Page()]; t != nil {
		if n, ok := t[id]; ok {
			return n
		}
	}
	return fmt.Sprintf("0x%04x", id)
}

var usageNames = map[uint16]map[uint16]string{
	PageGenericDesktop: {
		0x01: "Pointer", 0x02: "Mouse", 0x04: "Joystick", 0x05: "Gamepad",
		0x06: "Keyboard", 0x07: "Keypad", 0x08: "Multi-axis Controller",
		0x09: "Tablet PC System Controls", 0x0A: "Water Cooling Device",
		0x0B: "Computer Chassis Device", 0x0C: "Wireless Radio Controls",
		0x0D: "Portable Device Control", 0x0E: "System Multi-Axis Controller",
		0x0F: "Spatial Controller", 0x10: "Assistive Control",
		0x30: "X", 0x31: "Y", 0x32: "Z", 0x33: "Rx", 0x34: "Ry", 0x35: "Rz",
		0x36: "Slider", 0x37: "Dial", 0x38: "Wheel", 0x39: "Hat Switch",
		0x3A: "Counted Buffer", 0x3B: "Byte Count", 0x3C: "Motion Wakeup",
		0x3D: "Start", 0x3E: "Select", 0x40: "Vx", 0x41: "Vy", 0x42: "Vz",
		0x43: "Vbrx", 0x44: "Vbry", 0x45: "Vbrz", 0x46: "Vno",
		0x47: "Feature Notification", 0x48: "Resolution Multiplier",
		0x80: "System Control", 0x81: "System Power Down", 0x82: "System Sleep",
		0x83: "System Wake Up", 0x84: "System Context Menu", 0x85: "System Main Menu",
		0x86: "System App Menu", 0x87: "System Menu Help", 0x88: "System Menu Exit",
		0x89: "System Menu Select", 0x8A: "System Menu Right", 0x8B: "System Menu Left",
		0x8C: "System Menu Up", 0x8D: "System Menu Down",
		0x90: "D-pad Up", 0x91: "D-pad Down", 0x92: "D-pad Right", 0x93: "D-pad Left",
		0xC6: "Wireless Radio Button", 0xC7: "Wireless Radio LED",
		0xC8: "Wireless Radio Slider Switch",
	},
	PageLED: {
		0x01: "Num Lock", 0x02: "Caps Lock", 0x03: "Scroll Lock", 0x04: "Compose",
		0x05: "Kana", 0x06: "Power", 0x07: "Shift", 0x08: "Do Not Disturb",
		0x09: "Mute", 0x0A: "Tone Enable", 0x0B: "High Cut Filter",
		0x0C: "Low Cut Filter", 0x0D: "Equalizer Enable", 0x0E: "Sound Field On",
		0x0F: "Surround On", 0x10: "Repeat", 0x11: "Stereo",
		0x12: "Sampling Rate Detect", 0x13: "Spinning", 0x14: "CAV", 0x15: "CLV",
		0x16: "Recording Format Detect", 0x17: "Off-Hook", 0x18: "Ring",
		0x19: "Message Waiting", 0x1A: "Data Mode", 0x1B: "Battery Operation",
		0x1C: "Battery OK", 0x1D: "Battery Low", 0x1E: "Speaker", 0x1F: "Headset",
		0x20: "Hold", 0x21: "Microphone", 0x22: "Coverage", 0x23: "Night Mode",
		0x24: "Send Calls", 0x25: "Call Pickup", 0x26: "Conference",
		0x27: "Stand-by", 0x28: "Camera On", 0x29: "Camera Off", 0x2A: "On-Line",
		0x2B: "Off-Line", 0x2C: "Busy", 0x2D: "Ready", 0x2E: "Paper-Out",
		0x2F: "Paper-Jam", 0x30: "Remote", 0x31: "Forward", 0x32: "Reverse",
		0x33: "Stop", 0x34: "Rewind", 0x35: "Fast Forward", 0x36: "Play",
		0x37: "Pause", 0x38: "Record", 0x39: "Error",
		0x3A: "Usage Selected Indicator", 0x3B: "Usage In Use Indicator",
		0x3C: "Usage Multi Mode Indicator", 0x3D: "Indicator On",
		0x3E: "Indicator Flash", 0x3F: "Indicator Slow Blink",
		0x40: "Indicator Fast Blink", 0x41: "Indicator Off", 0x42: "Flash On Time",
		0x43: "Slow Blink On Time", 0x44: "Slow Blink Off Time",
		0x45: "Fast Blink On Time", 0x46: "Fast Blink Off Time",
		0x47: "Usage Indicator Color", 0x48: "Indicator Red",
		0x49: "Indicator Green", 0x4A: "Indicator Amber", 0x4B: "Generic Indicator",
		0x4C: "System Suspend", 0x4D: "External Power Connected",
	},
	PageTelephony: {
		0x01: "Phone", 0x02: "Answering Machine", 0x03: "Message Controls",
		0x04: "Handset", 0x05: "Headset", 0x06: "Telephony Key Pad",
		0x07: "Programmable Button",
		0x20: "Hook Switch", 0x21: "Flash", 0x22: "Feature", 0x23: "Hold",
		0x24: "Redial", 0x25: "Transfer", 0x26: "Drop", 0x27: "Park",
		0x28: "Forward Calls", 0x29: "Alternate Function", 0x2A: "Line",
		0x2B: "Speaker Phone", 0x2C: "Conference", 0x2D: "Ring Enable",
		0x2E: "Ring Select", 0x2F: "Phone Mute", 0x30: "Caller ID", 0x31: "Send",
		0x50: "Speed Dial", 0x51: "Store Number", 0x52: "Recall Number",
		0x53: "Phone Directory",
		0x70: "Voice Mail", 0x71: "Screen Calls", 0x72: "Do Not Disturb",
		0x73: "Message", 0x74: "Answer On/Off",
		0x90: "Inside Dial Tone", 0x91: "Outside Dial Tone",
		0x92: "Inside Ring Tone", 0x93: "Outside Ring Tone",
		0x94: "Priority Ring Tone", 0x95: "Inside Ringback",
		0x96: "Priority Ringback", 0x97: "Line Busy Tone", 0x98: "Reorder Tone",
		0x99: "Call Waiting Tone", 0x9A: "Confirmation Tone 1",
		0x9B: "Confirmation Tone 2", 0x9C: "Tones Off", 0x9D: "Outside Ringback",
		0x9E: "Ringer",
		0xB0: "Phone Key 0", 0xB1: "Phone Key 1", 0xB2: "Phone Key 2",
		0xB3: "Phone Key 3", 0xB4: "Phone Key 4", 0xB5: "Phone Key 5",
		0xB6: "Phone Key 6", 0xB7: "Phone Key 7", 0xB8: "Phone Key 8",
		0xB9: "Phone Key 9", 0xBA: "Phone Key Star", 0xBB: "Phone Key Pound",
		0xBC: "Phone Key A", 0xBD: "Phone Key B", 0xBE: "Phone Key C",
		0xBF: "Phone Key D",
		0xC0: "Phone Call History Key", 0xC1: "Phone Caller ID Key",
		0xC2: "Phone Settings Key",
		0xF0: "Host Control", 0xF1: "Host Available", 0xF2: "Host Call Active",
		0xF3: "Activate Handset Audio", 0xF4: "Ring Type",
		0xF5: "Re-dialable Phone Number",
	},
	PageConsumer: {
		0x01: "Consumer Control", 0x02: "Numeric Key Pad", 0x03: "Programmable Buttons",
		0x04: "Microphone", 0x05: "Headphone", 0x06: "Graphic Equalizer",
		0x20: "+10", 0x21: "+100", 0x22: "AM/PM",
		0x30: "Power", 0x31: "Reset", 0x32: "Sleep", 0x33: "Sleep After",
		0x34: "Sleep Mode", 0x35: "Illumination", 0x36: "Function Buttons",
		0x40: "Menu", 0x41: "Menu Pick", 0x42: "Menu Up", 0x43: "Menu Down",
		0x44: "Menu Left", 0x45: "Menu Right", 0x46: "Menu Escape",
		0x47: "Menu Value Increase", 0x48: "Menu Value Decrease",
		0x60: "Data On Screen", 0x61: "Closed Caption", 0x62: "Closed Caption Select",
		0x63: "VCR/TV", 0x64: "Broadcast Mode", 0x65: "Snapshot", 0x66: "Still",
		0x80: "Selection", 0x81: "Assign Selection", 0x82: "Mode Step",
		0x83: "Recall Last", 0x84: "Enter Channel", 0x85: "Order Movie",
		0x86: "Channel", 0x87: "Media Selection",
		0xB0: "Play", 0xB1: "Pause", 0xB2: "Record", 0xB3: "Fast Forward",
		0xB4: "Rewind", 0xB5: "Scan Next Track", 0xB6: "Scan Previous Track",
		0xB7: "Stop", 0xB8: "Eject", 0xB9: "Random Play", 0xBA: "Select Disc",
		0xBB: "Enter Disc", 0xBC: "Repeat", 0xBD: "Tracking", 0xBE: "Track Normal",
		0xBF: "Slow Tracking", 0xC0: "Frame Forward", 0xC1: "Frame Back",
		0xC2: "Mark", 0xC3: "Clear Mark", 0xC4: "Repeat From Mark",
		0xC5: "Return To Mark", 0xC6: "Search Mark Forward",
		0xC7: "Search Mark Backwards", 0xC8: "Counter Reset",
		0xC9: "Show Counter", 0xCA: "Tracking Increment",
		0xCB: "Tracking Decrement", 0xCC: "Stop/Eject", 0xCD: "Play/Pause",
		0xCE: "Play/Skip",
		0xE0: "Volume", 0xE1: "Balance", 0xE2: "Mute", 0xE3: "Bass", 0xE4: "Treble",
		0xE5: "Bass Boost", 0xE6: "Surround Mode", 0xE7: "Loudness", 0xE8: "MPX",
		0xE9: "Volume Increment", 0xEA: "Volume Decrement",
		0x150: "Balance Right", 0x151: "Balance Left", 0x152: "Bass Increment",
		0x153: "Bass Decrement", 0x154: "Treble Increment", 0x155: "Treble Decrement",
		0x182: "AL Programmable Button Configuration", 0x183: "AL Consumer Control Configuration",
		0x18A: "AL Email Reader", 0x192: "AL Calculator",
		0x221: "AC Search", 0x223: "AC Home", 0x224: "AC Back", 0x225: "AC Forward",
		0x226: "AC Stop", 0x227: "AC Refresh", 0x22A: "AC Bookmarks",
	},
}

// keyboardNames covers the keys a telephone keypad or a companion keyboard
// collection uses; others are named by number.
var keyboardNames = func() map[uint16]string {
	m := map[uint16]string{
		0x00: "Reserved (no event)", 0x01: "ErrorRollOver", 0x02: "POSTFail",
		0x03: "ErrorUndefined",
		0x28: "Return (ENTER)", 0x29: "ESCAPE", 0x2A: "DELETE (Backspace)",
		0x2B: "Tab", 0x2C: "Spacebar", 0x2D: "- and _", 0x2E: "= and +",
		0x53: "Keypad Num Lock and Clear", 0x54: "Keypad /", 0x55: "Keypad *",
		0x56: "Keypad -", 0x57: "Keypad +", 0x58: "Keypad ENTER",
		0xE0: "LeftControl", 0xE1: "LeftShift", 0xE2: "LeftAlt", 0xE3: "Left GUI",
		0xE4: "RightControl", 0xE5: "RightShift", 0xE6: "RightAlt", 0xE7: "Right GUI",
	}
	for i := 0; i < 26; i++ {
		m[uint16(0x04+i)] = "Keyboard " + string(rune('a'+i))
	}
	for i := 1; i <= 9; i++ {
		m[uint16(0x1D+i)] = fmt.Sprintf("Keyboard %d", i)
		m[uint16(0x58+i)] = fmt.Sprintf("Keypad %d", i)
	}
	m[0x27] = "Keyboard 0"
	m[0x62] = "Keypad 0"
	for i := 1; i <= 12; i++ {
		m[uint16(0x39+i)] = fmt.Sprintf("F%d", i)
	}
	return m
}()

package hid

// Control is a telephony control the summary looks for: the inputs a
// handset driver turns into events and the outputs it drives.
type Control uint8

// Controls, inputs first. The order is the order of TelephonySummary.
const (
	HookSwitch Control = iota + 1
	PhoneMute
	KeyPad
	Flash
	Redial
	Drop
	ProgrammableButton
	VolumeUp
	VolumeDown
	ConsumerMute
	LineBusy
	LEDOffHook
	LEDMute
	LEDRing
	LEDHold
	LEDMicrophone
	LEDOnLine
	Ringer
	numControls
)

var controlInfo = [numControls]struct {
	name, key string
	usage     Usage
	typ       ReportType
}{
	HookSwitch:         {"Hook Switch", "hook_switch", UsageHookSwitch, Input},
	PhoneMute:          {"Phone Mute", "phone_mute", UsagePhoneMute, Input},
	KeyPad:             {"Key Pad", "keypad", UsageTelephonyKeyPad, Input},
	Flash:              {"Flash", "flash", UsageFlash, Input},
	Redial:             {"Redial", "redial", UsageRedial, Input},
	Drop:               {"Drop", "drop", UsageDrop, Input},
	ProgrammableButton: {"Programmable Button", "programmable_button", UsageProgrammableButton, Input},
	VolumeUp:           {"Volume Up", "volume_up", UsageVolumeUp, Input},
	VolumeDown:         {"Volume Down", "volume_down", UsageVolumeDown, Input},
	ConsumerMute:       {"Consumer Mute", "consumer_mute", UsageConsumerMute, Input},
	LineBusy:           {"Line Busy", "line_busy", UsageLineBusyTone, Input},
	LEDOffHook:         {"LED Off-Hook", "led_off_hook", UsageLEDOffHook, Output},
	LEDMute:            {"LED Mute", "led_mute", UsageLEDMute, Output},
	LEDRing:            {"LED Ring", "led_ring", UsageLEDRing, Output},
	LEDHold:            {"LED Hold", "led_hold", UsageLEDHold, Output},
	LEDMicrophone:      {"LED Microphone", "led_microphone", UsageLEDMicrophone, Output},
	LEDOnLine:          {"LED On-Line", "led_on_line", UsageLEDOnLine, Output},
	Ringer:             {"Ringer", "ringer", UsageRinger, Output},
}

func (c Control) valid() bool { return c > 0 && c < numControls }

// String returns the control's display name ("Hook Switch").
func (c Control) String() string {
	if !c.valid() {
		return "Control(?)"
	}
	return controlInfo[c].name
}

// Key returns the control's stable snake_case name ("hook_switch").
func (c Control) Key() string {
	if !c.valid() {
		return ""
	}
	return controlInfo[c].key
}

// Usage returns the usage that identifies the control. The keypad is found
// by its phone key usages (0x0B:B0-BF), the programmable button also as a
// Button page usage inside a telephony collection (see TelephonySummary).
func (c Control) Usage() Usage {
	if !c.valid() {
		return 0
	}
	return controlInfo[c].usage
}

// ReportType returns Input for the controls a user operates and Output for
// the indicators the host drives.
func (c Control) ReportType() ReportType {
	if !c.valid() {
		return 0
	}
	return controlInfo[c].typ
}

// TelephonyControl is where one control lives.
type TelephonyControl struct {
	Control Control
	// Ref is the field element (variable field) or the field and the
	// position of the usage (array field), as FindUsage returns it. For the
	// keypad, Ref.Index is the position of the first phone key usage.
	Ref FieldRef
	// Usage is the usage matched, which differs from Control.Usage() for the
	// keypad and a Button page programmable button.
	Usage Usage
}

// ReportID is the report the control is in.
func (c TelephonyControl) ReportID() uint8 { return c.Ref.Field.ReportID }

// BitOffset is where the control's element starts, after the report ID.
func (c TelephonyControl) BitOffset() int { return c.Ref.BitOffset() }

// BitSize is the size of one element.
func (c TelephonyControl) BitSize() int { return c.Ref.Field.BitSize }

// Relative reports a control that signals changes (press to toggle)
// rather than state; decided from the Relative bit alone, since the
// Preferred State bit is unreliable on real devices.
func (c TelephonyControl) Relative() bool { return c.Ref.Field.Flags.IsRelative() }

// Application is the Application collection the control belongs to.
func (c TelephonyControl) Application() *Collection { return c.Ref.Field.Application }

// TelephonySummary finds each telephony control of the descriptor, in
// Control order, leaving out those it lacks. When a control appears more
// than once (Jabra mirrors its Telephony collection on vendor pages, Poly
// adds vendor collections), the one in a standard collection is chosen:
// an Application collection on the control's own page (Telephony for
// telephony usages and LEDs, Consumer for volume and mute), then any
// standard page, then vendor pages; ties go to the first in report order.
func TelephonySummary(d *ReportDescriptor) []TelephonyControl {
	var out []TelephonyControl
	for c := HookSwitch; c < numControls; c++ {
		var cands []TelephonyControl
		switch c {
		case KeyPad:
			cands = keypads(d)
		case ProgrammableButton:
			for _, ref := range d.FindUsage(Input, c.Usage()) {
				cands = append(cands, buttonRef(ref))
			}
			cands = append(cands, buttonsInTelephony(d)...)
		default:
			for _, ref := range d.FindUsage(c.ReportType(), c.Usage()) {
				cands = append(cands, TelephonyControl{c, ref, c.Usage()})
			}
		}
		best, bestRank := -1, 0
		for i, cand := range cands {
			if r := rank(c, cand.Ref.Field); best < 0 || r < bestRank {
				best, bestRank = i, r
			}
		}
		if best >= 0 {
			out = append(out, cands[best])
		}
	}
	return out
}

func rank(c Control, f *Field) int {
	want := uint16(PageTelephony)
	switch c {
	case VolumeUp, VolumeDown, ConsumerMute:
		want = PageConsumer
	}
	switch {
	case f.Application == nil:
		return 3
	case f.Application.Usage.Page() == want:
		return 0
	case f.Application.Usage.Page() < PageVendorMin:
		return 1
	}
	return 2
}

func isPhoneKey(u Usage) bool { return u.Page() == PageTelephony && u.ID() >= 0xB0 && u.ID() <= 0xBF }

// keypads returns the input fields that carry phone keys; an array field
// is referred to by its first phone key usage.
func keypads(d *ReportDescriptor) []TelephonyControl {
	var out []TelephonyControl
	for _, r := range d.Reports {
		if r.Type != Input {
			continue
		}
		for _, f := range r.Fields {
			if f.Flags.IsConstant() {
				continue
			}
			for i, u := range f.Usages {
				if isPhoneKey(u) {
					out = append(out, TelephonyControl{KeyPad, FieldRef{f, i}, u})
					break
				}
			}
		}
	}
	return out
}

// buttonsInTelephony finds Button page inputs declared inside a Telephony
// application collection. Devices write "Usage (Programmable Button)" and
// then switch to the Button page before the Input item (Jabra, Yealink),
// which by the HID rule names the field "Button n"; a Programmable Buttons
// collection (Telephony 0x07) holding Button usages is the other form.
func buttonsInTelephony(d *ReportDescriptor) []TelephonyControl {
	var out []TelephonyControl
	for _, r := range d.Reports {
		if r.Type != Input {
			continue
		}
		for _, f := range r.Fields {
			if f.Flags.IsConstant() || f.Application == nil || f.Application.Usage.Page() != PageTelephony {
				continue
			}
			for i := 0; i < len(f.Usages) && (f.Flags.IsArray() || i < f.Count); i++ {
				if f.Usages[i].Page() == PageButton && f.Usages[i].ID() != 0 {
					out = append(out, TelephonyControl{ProgrammableButton, FieldRef{f, i}, f.Usages[i]})
					break
				}
			}
		}
	}
	return out
}

// buttonRef refers to a Programmable Button usage, or, when it is one of
// the selections of an array that also selects a Button page usage (EPOS:
// "Usage (Programmable Button), Usage Page (Button), Usage (Button 1),
// Input (Array,Null State)"), to that button, which is what a press sends.
func buttonRef(ref FieldRef) TelephonyControl {
	if f := ref.Field; f.Flags.IsArray() {
		for i, u := range f.Usages {
			if u.Page() == PageButton && u.ID() != 0 {
				return TelephonyControl{ProgrammableButton, FieldRef{f, i}, u}
			}
		}
	}
	return TelephonyControl{ProgrammableButton, ref, UsageProgrammableButton}
}

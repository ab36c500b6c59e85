package phone

import (
	"time"

	"handsetd/devices"
	"handsetd/phoneapi"
)

// onEvent turns one user action into what the mode says.
func (p *Phone) onEvent(ev devices.Event) {
	p.log.Debug("handset event", "event", ev.String())
	switch ev.Kind {
	case devices.HookOff:
		p.hookOff = true
	case devices.HookOn:
		p.hookOff = false
		if p.ended != ProgressNone {
			p.ended = ProgressNone
			p.refreshProgress(false)
		}
	case devices.KeyDown:
		p.pressedKeys[ev.Key]++
	case devices.KeyUp:
		if p.pressedKeys[ev.Key] == 0 {
			// A release without a press (a driver restarted mid-press):
			// the host never saw the press, so it must not see this.
			return
		}
		if p.pressedKeys[ev.Key]--; p.pressedKeys[ev.Key] == 0 {
			delete(p.pressedKeys, ev.Key)
		}
	}
	if p.cfg.Mode == ModeAccess {
		p.accessEvent(ev)
		return
	}
	switch ev.Kind {
	case devices.HookOff:
		p.send(phoneapi.HookCmd{OffHook: true})
		if p.cfg.DialToneInPhoneMode && !p.tracker.InCall() && len(p.tracker.Ringing()) == 0 {
			p.setDialTone(true)
		}
	case devices.HookOn:
		p.setDialTone(false)
		p.send(phoneapi.HookCmd{OffHook: false})
	case devices.KeyDown:
		p.setDialTone(false)
		p.send(phoneapi.BtnPressedCmd{Key: ev.Key})
	case devices.KeyUp:
		p.send(phoneapi.BtnReleasedCmd{Key: ev.Key})
	case devices.MuteToggle:
		p.setMuteRequest(!p.muted)
	case devices.MuteOn:
		p.setMuteRequest(true)
	case devices.MuteOff:
		p.setMuteRequest(false)
	}
}

// setMuteRequest asks the host to mute or unmute. The indicator follows at
// once (the device expects the acknowledgement); the host's MUTE
// notification, when it comes, is the truth and may set it back.
func (p *Phone) setMuteRequest(on bool) {
	p.muted = on
	p.setIndicator(devices.Mute, on)
	if p.cfg.Mode == ModeAccess {
		p.send(phoneapi.SetMuteCmd{On: on})
	} else {
		p.send(phoneapi.MuteCmd{On: on})
	}
}

// accessEvent is access mode: the phone itself answers, dials and hangs up.
func (p *Phone) accessEvent(ev devices.Event) {
	switch ev.Kind {
	case devices.HookOff:
		if id, ok := p.firstRinging(); ok {
			p.send(phoneapi.AlterCallCmd{ID: id, Action: "ANSWER"})
			return
		}
		if _, ok := p.currentCall(); ok {
			return
		}
		p.startDigits()
	case devices.HookOn:
		p.stopDigits()
		if id, ok := p.currentCall(); ok {
			p.send(phoneapi.AlterCallCmd{ID: id, Action: "HANGUP"})
		}
	case devices.KeyDown:
		p.accessKey(ev)
	case devices.MuteToggle:
		p.setMuteRequest(!p.muted)
	case devices.MuteOn:
		p.setMuteRequest(true)
	case devices.MuteOff:
		p.setMuteRequest(false)
	}
}

func (p *Phone) accessKey(ev devices.Event) {
	key := ev.Key
	if p.cfg.Tones != nil && isDTMFKey(key) {
		p.cfg.Tones.KeyTone(key)
	}
	answer := key == "YES" || ev.Button == devices.ButtonAnswer
	drop := key == "NO" || ev.Button == devices.ButtonDrop
	if id, ok := p.firstRinging(); ok && !p.hasActive() {
		switch {
		case answer:
			p.send(phoneapi.AlterCallCmd{ID: id, Action: "ANSWER"})
		case drop:
			p.send(phoneapi.AlterCallCmd{ID: id, Action: "END", Arg: "HANGUP"})
		}
		return
	}
	if id, ok := p.currentCall(); ok {
		switch {
		case drop:
			p.send(phoneapi.AlterCallCmd{ID: id, Action: "HANGUP"})
		case isDTMFKey(key):
			p.send(phoneapi.AlterCallCmd{ID: id, Action: "DTMF", Arg: key})
		}
		return
	}
	switch {
	case key == "#" || answer:
		if p.digits.Len() > 0 {
			p.dialDigits()
		}
	case drop:
		p.stopDigits()
	case isDTMFKey(key):
		if !p.collecting() {
			p.startDigits()
		}
		p.addDigit(key)
	}
}

func isDTMFKey(k string) bool {
	return len(k) == 1 && (k[0] >= '0' && k[0] <= '9' || k[0] == '*' || k[0] == '#')
}

// Digit collection (access mode): hook off with no call starts it, with a
// dial tone; the first digit stops the tone; '#', YES or DigitTimeout after
// the last digit dials.

func (p *Phone) collecting() bool { return !p.digitDeadline.IsZero() || p.dialTone }

func (p *Phone) startDigits() {
	p.digits.Reset()
	p.setDialTone(true)
}

func (p *Phone) addDigit(k string) {
	if p.digits.Len() >= 64 {
		return
	}
	p.setDialTone(false)
	p.digits.WriteString(k)
	p.digitDeadline = p.armTimer(&p.digitTimer, p.cfg.DigitTimeout)
}

func (p *Phone) dialDigits() {
	number := p.digits.String()
	p.stopDigits()
	p.send(phoneapi.CallCmd{Target: number})
}

func (p *Phone) stopDigits() {
	stopTimer(&p.digitTimer)
	p.digitDeadline = time.Time{}
	p.digits.Reset()
	p.setDialTone(false)
}

func (p *Phone) setDialTone(on bool) {
	if p.dialTone == on {
		return
	}
	p.dialTone = on
	if p.cfg.Tones != nil {
		p.cfg.Tones.DialTone(on)
	}
}

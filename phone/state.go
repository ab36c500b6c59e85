package phone

import (
	"context"
	"errors"
	"log/slog"

	"handsetd/devices"
	"handsetd/phoneapi"
	"handsetd/phoneapi/calls"
)

// onMessage applies one notification from the host.
func (p *Phone) onMessage(m phoneapi.Message) {
	switch m := m.(type) {
	case phoneapi.CallMsg:
		ch := p.tracker.Apply(m)
		if ch.Ended && ch.Call.Type.Outgoing() {
			switch ch.Call.Status {
			case calls.StatusBusy:
				p.latchEnded(ProgressBusy)
			case calls.StatusFailed:
				p.latchEnded(ProgressCongestion)
			}
		}
		if ch.AskType && !p.askedType[m.ID] {
			if len(p.askedType) > 64 {
				clear(p.askedType)
			}
			p.askedType[m.ID] = true
			p.send(phoneapi.GetCallCmd{ID: m.ID, Property: "TYPE"})
		}
		p.refresh()
	case phoneapi.MuteMsg:
		p.muted = m.On
		p.setIndicator(devices.Mute, m.On)
	case phoneapi.ErrorMsg:
		p.log.Warn("host error", "code", m.Code, "error", m.Text)
	case phoneapi.ConnStatusMsg, phoneapi.UserStatusMsg, phoneapi.UnknownMsg,
		phoneapi.OKMsg, phoneapi.PongMsg, phoneapi.ProtocolMsg,
		phoneapi.AudioInMsg, phoneapi.AudioOutMsg:
		// Nothing on the handset follows these.
	}
}

// onAttached re-sends the device's state: the host forgets a client's
// state when it goes away, and a re-plugged handset may be mid-call.
func (p *Phone) onAttached() {
	p.attached = true
	if p.cfg.AudioIn != "" {
		p.send(phoneapi.AudioInCmd{Device: p.cfg.AudioIn})
	}
	if p.cfg.AudioOut != "" {
		p.send(phoneapi.AudioOutCmd{Device: p.cfg.AudioOut})
	}
	if p.cfg.Mode == ModePhone {
		if p.hookOff {
			p.send(phoneapi.HookCmd{OffHook: true})
		}
		if p.muted {
			p.send(phoneapi.MuteCmd{On: true})
		}
	}
	p.send(searchActiveCalls)
}

// onDetached forgets the host's calls: a new host has its own, and a host
// that left must not keep the handset ringing.
func (p *Phone) onDetached() {
	p.attached = false
	p.tracker.Reset()
	clear(p.askedType)
	p.stopDigits()
	p.refresh()
	if p.muted {
		p.muted = false
		p.setIndicator(devices.Mute, false)
	}
}

// refresh derives the call indicators from the tracker:
//   - ring and ringer while an incoming call is RINGING (never outgoing);
//   - off-hook while a call is in progress or held (hold keeps it set:
//     clearing it makes some headsets hang up);
//   - hold while no call is in progress and one is held;
//   - the caller's number on displays while ringing.
func (p *Phone) refresh() {
	ringing := p.tracker.Ringing()
	ring := len(ringing) > 0
	active := p.hasActive()
	held := len(p.tracker.OnHold()) > 0
	offHook := active || held
	hold := held && !active

	if ring != p.ringing {
		p.ringing = ring
		p.log.Info("ringing", "on", ring)
		p.setIndicator(devices.Ring, ring)
		p.setIndicator(devices.Ringer, ring)
		if _, hasRinger := p.indicators[devices.Ringer]; !hasRinger && p.cfg.Tones != nil {
			p.cfg.Tones.RingTone(ring)
		}
	}
	if offHook != p.callAudio {
		p.callAudio = offHook
		if p.cfg.Tones != nil {
			p.cfg.Tones.CallAudio(offHook)
		}
	}
	if offHook != p.offHookLED {
		p.offHookLED = offHook
		p.setIndicator(devices.OffHook, offHook)
	}
	if hold != p.holdLED {
		p.holdLED = hold
		p.setIndicator(devices.Hold, hold)
	}
	display := ""
	if ring {
		display = callerID(ringing[0])
	} else if c, ok := p.tracker.Active(); ok {
		display = callerID(c)
	}
	if display != p.display {
		p.display = display
		if err := p.cfg.Handset.SetDisplay(display); err != nil && !errors.Is(err, devices.ErrUnsupported) {
			p.log.Warn("display failed", "err", err)
		}
	}
	if p.cfg.Mode == ModeAccess && (ring || active) {
		p.stopDigits()
	}
	if ring || offHook {
		p.setDialTone(false)
	}
	p.refreshProgress(active || ring)
}

// refreshProgress plays ringback while an outgoing call rings at the far
// end, and busy or congestion for a while after one ended so.
func (p *Phone) refreshProgress(busyLine bool) {
	if !p.cfg.ProgressTones || p.cfg.Tones == nil {
		return
	}
	if busyLine {
		p.ended = ProgressNone
	}
	want := p.ended
	for _, c := range p.tracker.All() {
		if c.Type.Outgoing() && c.Status == calls.StatusRinging {
			want = ProgressRingback
		}
	}
	if want != p.progress {
		p.progress = want
		p.cfg.Tones.Progress(want)
	}
}

// latchEnded keeps a busy or congestion tone until the user hangs up, a
// call comes, or progressHold passes.
func (p *Phone) latchEnded(t Progress) {
	p.ended = t
	p.endedDeadline = p.armTimer(&p.endedTimer, progressHold)
}

func callerID(c calls.Call) string {
	if c.PartnerHandle != "" {
		return c.PartnerHandle
	}
	return c.PartnerDispName
}

func (p *Phone) hasActive() bool {
	_, ok := p.tracker.Active()
	return ok
}

func (p *Phone) firstRinging() (int, bool) {
	r := p.tracker.Ringing()
	if len(r) == 0 {
		return 0, false
	}
	return r[0].ID, true
}

// currentCall is the call that hook-on, NO and DTMF address in access mode:
// the call in progress, else a call being placed, else a held one.
func (p *Phone) currentCall() (int, bool) {
	if c, ok := p.tracker.Active(); ok {
		return c.ID, true
	}
	for _, c := range p.tracker.All() {
		if c.Type.Outgoing() && !c.Status.Ended() && !c.Status.Held() {
			return c.ID, true
		}
	}
	if h := p.tracker.OnHold(); len(h) > 0 {
		return h[0].ID, true
	}
	return 0, false
}

// setIndicator switches an indicator the handset has; others are ignored.
func (p *Phone) setIndicator(ind devices.Indicator, on bool) {
	if _, has := p.indicators[ind]; !has {
		return
	}
	if err := p.cfg.Handset.SetIndicator(ind, on); err != nil {
		level := slog.LevelWarn
		if errors.Is(err, devices.ErrGone) {
			// Unplugged: the slot is about to end; nothing to fix.
			level = slog.LevelDebug
		}
		p.log.Log(context.Background(), level, "indicator failed", "indicator", ind.String(), "on", on, "err", err)
		return
	}
	p.indicators[ind] = on
}

func (p *Phone) allIndicatorsOff() {
	for ind, on := range p.indicators {
		if on {
			p.setIndicator(ind, false)
		}
	}
	p.ringing, p.offHookLED, p.holdLED = false, false, false
}

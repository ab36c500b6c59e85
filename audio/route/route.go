// Package route gives one handset its audio: it finds the handset's sound
// card (audio/card), the card's PortAudio devices (audio/pa), and runs a
// router (audio/bridge) in the configured mode. To the phone it is the
// names to report with AUDIO_IN/AUDIO_OUT and a phone.Tones: dial tone,
// DTMF feedback, a ring tone for handsets without a ringer, and the call
// audio state during which tones keep off the device.
//
// Audio never stops a handset from working: a handset without a sound
// card, or whose card PortAudio cannot open, works for control, and Open
// says why once.
package route

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"handsetd/audio/bridge"
	"handsetd/audio/card"
	"handsetd/audio/pa"
	"handsetd/audio/tone"
	"handsetd/devices"
	"handsetd/devices/telephony"
	"handsetd/phone"
)

// Config is the [audio] section of the configuration.
type Config struct {
	// Route is "direct", "bridge" or "off".
	Route    string
	TonePlan string
	// DialTone is "access" (the phone plays it in access mode), "always"
	// or "never".
	DialTone string
	// HandsetInput and HandsetOutput name the handset's PortAudio
	// devices, overriding discovery; HostInput and HostOutput are the
	// host-facing pair of bridge mode.
	HandsetInput, HandsetOutput string
	HostInput, HostOutput       string
	Latency                     time.Duration
	Logger                      *slog.Logger
}

// ErrOff means audio is switched off in the configuration.
var ErrOff = errors.New("route: audio is off")

// player is what Route needs of a bridge.Router.
type player interface {
	AudioNames() (in, out string)
	PlayTone(k bridge.ToneKind) error
	PlayDTMF(key byte, d time.Duration) error
	StopTone() error
	SetCallAudio(active bool) error
	Close() error
}

// Route is one handset's audio.
type Route struct {
	p        player
	log      *slog.Logger
	dialTone bool
	paOpen   bool
	// playing is the tone started last (0: none). Stopping one tone must
	// not silence another: the router plays one at a time, and the phone
	// may end the dial tone just as the ring tone starts.
	playing bridge.ToneKind
}

var _ phone.Tones = (*Route)(nil)

// keyToneLength is the DTMF feedback per key press: Q.23 asks for at least
// 40 ms; 100 ms is what desk phones play.
const keyToneLength = 100 * time.Millisecond

// Open finds and starts the audio of a handset.
func Open(ctx context.Context, cfg Config, info devices.Info) (*Route, error) {
	if cfg.Route == "off" {
		return nil, ErrOff
	}
	mode, err := bridge.ParseMode(cfg.Route)
	if err != nil {
		return nil, fmt.Errorf("route: %w", err)
	}
	plan, err := tone.PlanByName(cfg.TonePlan)
	if err != nil {
		return nil, fmt.Errorf("route: %w", err)
	}
	in, out := cfg.HandsetInput, cfg.HandsetOutput
	var c card.Card
	if in == "" || out == "" {
		find := card.ForHIDDevice
		if info.Driver != telephony.DriverName {
			find = card.ForUSBDevice
		}
		if c, err = find(info.SysfsPath); err != nil {
			return nil, fmt.Errorf("route: %s: %w", info.Name, err)
		}
	}
	if err := pa.Init(); err != nil {
		return nil, fmt.Errorf("route: %w", err)
	}
	r := &Route{log: cfg.Logger, dialTone: cfg.DialTone != "never", paOpen: true}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	devs, err := pa.Devices()
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("route: %w", err)
	}
	if in == "" || out == "" {
		din, dout, err := pa.DevicesForCard(devs, c)
		if err != nil {
			r.Close()
			return nil, fmt.Errorf("route: card %s: %w", c, err)
		}
		if in == "" && din != nil {
			in = din.Name
		}
		if out == "" && dout != nil {
			out = dout.Name
		}
	}
	router, err := bridge.New(bridge.Config{
		Mode:          mode,
		HandsetIn:     in,
		HandsetOut:    out,
		HostIn:        cfg.HostInput,
		HostOut:       cfg.HostOutput,
		TargetLatency: cfg.Latency,
		TonePlan:      plan,
	}, devs)
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("route: %w", err)
	}
	if err := router.Start(ctx); err != nil {
		router.Close()
		r.Close()
		return nil, fmt.Errorf("route: %w", err)
	}
	r.p = router
	return r, nil
}

// Names returns the devices to report with AUDIO_IN and AUDIO_OUT.
func (r *Route) Names() (in, out string) { return r.p.AudioNames() }

func (r *Route) DialTone(on bool) {
	if !r.dialTone {
		return
	}
	r.tone(on, bridge.Dial)
}

func (r *Route) KeyTone(key string) {
	if len(key) != 1 {
		return
	}
	if err := r.p.PlayDTMF(key[0], keyToneLength); err != nil {
		r.log.Debug("key tone not played", "key", key, "err", err)
	}
}

func (r *Route) RingTone(on bool) { r.tone(on, bridge.Ring) }

func (r *Route) Progress(p phone.Progress) {
	switch p {
	case phone.ProgressRingback:
		r.tone(true, bridge.Ringback)
	case phone.ProgressBusy:
		r.tone(true, bridge.Busy)
	case phone.ProgressCongestion:
		r.tone(true, bridge.Congestion)
	default:
		r.tone(false, bridge.Ringback, bridge.Busy, bridge.Congestion)
	}
}

func (r *Route) CallAudio(active bool) {
	if err := r.p.SetCallAudio(active); err != nil {
		r.log.Debug("call audio state", "active", active, "err", err)
	}
}

// tone starts kinds[0], or stops the tone playing if it is one of kinds.
func (r *Route) tone(on bool, kinds ...bridge.ToneKind) {
	var err error
	switch {
	case on:
		if err = r.p.PlayTone(kinds[0]); err == nil {
			r.playing = kinds[0]
		}
	case r.playing != 0 && slices.Contains(kinds, r.playing):
		err = r.p.StopTone()
		r.playing = 0
	}
	if err != nil {
		r.log.Debug("tone not played", "on", on, "err", err)
	}
}

// Close stops the audio and releases PortAudio.
func (r *Route) Close() error {
	var err error
	if r.p != nil {
		err = r.p.Close()
		r.p = nil
	}
	if r.paOpen {
		r.paOpen = false
		if terr := pa.Terminate(); err == nil {
			err = terr
		}
	}
	return err
}

package models

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"handsetd/devices"
)

// Drivers lists the driver names a model may ask for. It is a plain list
// here, rather than a registry the drivers fill in, so that the database can
// be checked without importing every driver (and the drivers need not import
// each other).
var Drivers = []string{
	"hid-telephony", // devices/telephony: any HID Telephony page device
	"cm109",         // devices/cm109: C-Media CM109 "Skype phones" over libusb
	"yealink-p1k",   // devices/yealink: Yealink USB-P1K over libusb
}

// Sentinel errors callers branch on.
var (
	// ErrInvalid means a model file is malformed or breaks a database rule
	// (missing field, unknown driver, bad key name, overlapping ids).
	ErrInvalid = errors.New("models: invalid model")
)

// Model is one product in the database.
type Model struct {
	// ID is a stable, unique, lower-case name: "jabra-evolve-link-ms".
	ID     string
	Name   string // product name as sold, shown to the host
	Vendor string
	// VendorID and ProductID are the USB ids. ProductIDMax, when non-zero,
	// makes the entry cover ProductID..ProductIDMax inclusive.
	VendorID     uint16
	ProductID    uint16
	ProductIDMax uint16
	// Driver is one of Drivers.
	Driver string
	Quirks Quirks
	// KeyMap maps a control to a phone-API key name (devices.ValidKeyName).
	// For the generic driver the controls are named ("flash", "redial",
	// "drop", "programmable", "volume_up", ...); vendor drivers use raw
	// scancodes written in hex ("0x88").
	KeyMap map[string]string
	Audio  AudioHints
	// Source says where the protocol facts for this entry come from (a
	// kernel driver, a descriptor dump, a vendor document).
	Source string
	// Notes is free text for people maintaining the entry.
	Notes string
}

// Quirks are the behaviours of a model that the protocol alone does not
// tell. Zero values mean "no quirk".
type Quirks struct {
	// HookOnIgnoreAfterAnswer: ignore a hook-on that arrives this soon
	// after a hook-off (some headsets report a spurious one when answering).
	HookOnIgnoreAfterAnswer time.Duration
	// Debounce: drop a repeat of the same control's report within this
	// window. Nil means the driver's default; a zero duration disables it.
	Debounce *time.Duration
	// MuteNeedsOffHook: the device only applies mute while off hook
	// (Jabra), so the mute LED must not be set on hook.
	MuteNeedsOffHook bool
	// LEDHoldKeepsOffHook: while on hold, LED Off-Hook must stay set or
	// the device ends the call.
	LEDHoldKeepsOffHook bool
	// CM109Keymap names the scancode table of a CM109 product: "kip1000",
	// "gtalk", "usbph01" or "atcom" (as in the kernel's cm109.c).
	CM109Keymap string
	// RingCadence is the on/off pattern, alternating, that a driver plays
	// for Ringer on hardware that only has a steady buzzer or LED. Empty
	// means the driver's default.
	RingCadence []time.Duration
	// Extra holds quirks this package does not know, for a driver to read
	// with Decode.
	Extra map[string]json.RawMessage
}

// Decode unmarshals the extra quirk name into v. It reports whether the
// quirk was present.
func (q Quirks) Decode(name string, v any) (bool, error) {
	raw, ok := q.Extra[name]
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("models: quirk %s: %w", name, err)
	}
	return true, nil
}

// AudioHints describes the USB audio interface that comes with the HID
// interface, where it is known. They are hints: the audio code still asks
// the device.
type AudioHints struct {
	// HasAudio: the product has a USB audio interface (a sound card).
	HasAudio bool
	// Rates lists the sample rates known to work, best first; empty means
	// unknown.
	Rates []int
	// CaptureChannels and PlaybackChannels are 0 when unknown.
	CaptureChannels  int
	PlaybackChannels int
}

// Matches reports whether the model covers the USB id vid:pid.
func (m *Model) Matches(vid, pid uint16) bool {
	return vid == m.VendorID && pid >= m.ProductID && pid <= m.maxPID()
}

func (m *Model) maxPID() uint16 {
	if m.ProductIDMax == 0 {
		return m.ProductID
	}
	return m.ProductIDMax
}

// overlaps reports whether two models claim a common USB id.
func (m *Model) overlaps(o *Model) bool {
	return m.VendorID == o.VendorID && m.ProductID <= o.maxPID() && o.ProductID <= m.maxPID()
}

// Validate checks the rules every entry must follow.
func (m *Model) Validate() error {
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf(format, a...))
	}
	if m.ID == "" {
		bad("missing id")
	} else if strings.Trim(m.ID, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		bad("id %q: only a-z, 0-9 and '-' allowed", m.ID)
	}
	if m.Name == "" {
		bad("missing name")
	}
	if m.VendorID == 0 {
		bad("missing vendor_id")
	}
	if m.ProductIDMax != 0 && m.ProductIDMax < m.ProductID {
		bad("product_id_max %04x below product_id %04x", m.ProductIDMax, m.ProductID)
	}
	if !slices.Contains(Drivers, m.Driver) {
		bad("unknown driver %q (known: %s)", m.Driver, strings.Join(Drivers, ", "))
	}
	for _, c := range sortedKeys(m.KeyMap) {
		if c == "" {
			bad("keymap: empty control name")
		}
		if k := m.KeyMap[c]; !devices.ValidKeyName(k) {
			bad("keymap %s: %q is not a phone-API key name", c, k)
		}
	}
	if m.Quirks.HookOnIgnoreAfterAnswer < 0 {
		bad("quirks: negative hook_on_ignore_after_answer_ms")
	}
	if m.Quirks.Debounce != nil && *m.Quirks.Debounce < 0 {
		bad("quirks: negative debounce_ms")
	}
	for _, d := range m.Quirks.RingCadence {
		if d <= 0 {
			bad("quirks: ring_cadence_ms entries must be positive")
			break
		}
	}
	for _, r := range m.Audio.Rates {
		if r <= 0 {
			bad("audio: bad rate %d", r)
		}
	}
	if strings.TrimSpace(m.Source) == "" {
		bad("missing source")
	}
	if len(errs) == 0 {
		return nil
	}
	id := m.ID
	if id == "" {
		id = "?"
	}
	return fmt.Errorf("%w %s: %w", ErrInvalid, id, errors.Join(errs...))
}

// usbID is a USB id written as four hex digits in JSON.
type usbID uint16

func (u usbID) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, `"%04x"`, uint16(u)), nil
}

func (u *usbID) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("usb id must be a string of four hex digits: %w", err)
	}
	s = strings.TrimPrefix(strings.ToLower(s), "0x")
	if len(s) != 4 {
		return fmt.Errorf("usb id %q: want four hex digits", s)
	}
	v, err := strconv.ParseUint(s, 16, 16)
	if err != nil {
		return fmt.Errorf("usb id %q: want four hex digits", s)
	}
	*u = usbID(v)
	return nil
}

// modelJSON is the file format; Model keeps plain Go types.
type modelJSON struct {
	ID           string            `json:"id"`
	Name         string            `json:"name"`
	Vendor       string            `json:"vendor,omitempty"`
	VendorID     usbID             `json:"vendor_id"`
	ProductID    usbID             `json:"product_id"`
	ProductIDMax *usbID            `json:"product_id_max,omitempty"`
	Driver       string            `json:"driver"`
	Quirks       *Quirks           `json:"quirks,omitempty"`
	KeyMap       map[string]string `json:"keymap,omitempty"`
	Audio        *audioJSON        `json:"audio,omitempty"`
	Source       string            `json:"source"`
	Notes        string            `json:"notes,omitempty"`
}

type audioJSON struct {
	HasAudio         bool  `json:"has_audio"`
	Rates            []int `json:"rates,omitempty"`
	CaptureChannels  int   `json:"capture_channels,omitempty"`
	PlaybackChannels int   `json:"playback_channels,omitempty"`
}

type quirksJSON struct {
	HookOnIgnoreAfterAnswerMS int    `json:"hook_on_ignore_after_answer_ms,omitempty"`
	DebounceMS                *int   `json:"debounce_ms,omitempty"`
	MuteNeedsOffHook          bool   `json:"mute_needs_off_hook,omitempty"`
	LEDHoldKeepsOffHook       bool   `json:"led_hold_keeps_off_hook,omitempty"`
	CM109Keymap               string `json:"cm109_keymap,omitempty"`
	RingCadenceMS             []int  `json:"ring_cadence_ms,omitempty"`
}

// quirkNames are the quirks quirksJSON decodes; the rest go to Extra.
var quirkNames = map[string]bool{
	"hook_on_ignore_after_answer_ms": true,
	"debounce_ms":                    true,
	"mute_needs_off_hook":            true,
	"led_hold_keeps_off_hook":        true,
	"cm109_keymap":                   true,
	"ring_cadence_ms":                true,
}

func (q Quirks) MarshalJSON() ([]byte, error) {
	out := map[string]any{}
	for k, v := range q.Extra {
		out[k] = v
	}
	if q.HookOnIgnoreAfterAnswer != 0 {
		out["hook_on_ignore_after_answer_ms"] = q.HookOnIgnoreAfterAnswer.Milliseconds()
	}
	if q.Debounce != nil {
		out["debounce_ms"] = q.Debounce.Milliseconds()
	}
	if q.MuteNeedsOffHook {
		out["mute_needs_off_hook"] = true
	}
	if q.LEDHoldKeepsOffHook {
		out["led_hold_keeps_off_hook"] = true
	}
	if q.CM109Keymap != "" {
		out["cm109_keymap"] = q.CM109Keymap
	}
	if len(q.RingCadence) > 0 {
		ms := make([]int64, len(q.RingCadence))
		for i, d := range q.RingCadence {
			ms[i] = d.Milliseconds()
		}
		out["ring_cadence_ms"] = ms
	}
	return json.Marshal(out)
}

func (q *Quirks) UnmarshalJSON(b []byte) error {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return fmt.Errorf("quirks: %w", err)
	}
	known := map[string]json.RawMessage{}
	var extra map[string]json.RawMessage
	for k, v := range all {
		if quirkNames[k] {
			known[k] = v
			continue
		}
		if extra == nil {
			extra = map[string]json.RawMessage{}
		}
		extra[k] = v
	}
	kb, err := json.Marshal(known)
	if err != nil {
		return fmt.Errorf("quirks: %w", err)
	}
	var j quirksJSON
	if err := strictUnmarshal(kb, &j); err != nil {
		return fmt.Errorf("quirks: %w", err)
	}
	*q = Quirks{
		HookOnIgnoreAfterAnswer: time.Duration(j.HookOnIgnoreAfterAnswerMS) * time.Millisecond,
		MuteNeedsOffHook:        j.MuteNeedsOffHook,
		LEDHoldKeepsOffHook:     j.LEDHoldKeepsOffHook,
		CM109Keymap:             j.CM109Keymap,
		Extra:                   extra,
	}
	if j.DebounceMS != nil {
		d := time.Duration(*j.DebounceMS) * time.Millisecond
		q.Debounce = &d
	}
	for _, ms := range j.RingCadenceMS {
		q.RingCadence = append(q.RingCadence, time.Duration(ms)*time.Millisecond)
	}
	return nil
}

// MarshalJSON writes the file format.
func (m Model) MarshalJSON() ([]byte, error) {
	j := modelJSON{
		ID: m.ID, Name: m.Name, Vendor: m.Vendor,
		VendorID: usbID(m.VendorID), ProductID: usbID(m.ProductID),
		Driver: m.Driver, KeyMap: m.KeyMap, Source: m.Source, Notes: m.Notes,
	}
	if m.ProductIDMax != 0 {
		p := usbID(m.ProductIDMax)
		j.ProductIDMax = &p
	}
	if !m.Quirks.isZero() {
		q := m.Quirks
		j.Quirks = &q
	}
	a := m.Audio
	j.Audio = &audioJSON{HasAudio: a.HasAudio, Rates: a.Rates, CaptureChannels: a.CaptureChannels, PlaybackChannels: a.PlaybackChannels}
	return json.Marshal(j)
}

func (q Quirks) isZero() bool {
	return q.HookOnIgnoreAfterAnswer == 0 && q.Debounce == nil && !q.MuteNeedsOffHook &&
		!q.LEDHoldKeepsOffHook && q.CM109Keymap == "" && len(q.RingCadence) == 0 && len(q.Extra) == 0
}

// UnmarshalJSON reads the file format strictly: unknown fields are errors.
func (m *Model) UnmarshalJSON(b []byte) error {
	var j modelJSON
	if err := strictUnmarshal(b, &j); err != nil {
		return err
	}
	*m = Model{
		ID: j.ID, Name: j.Name, Vendor: j.Vendor,
		VendorID: uint16(j.VendorID), ProductID: uint16(j.ProductID),
		Driver: j.Driver, KeyMap: j.KeyMap, Source: j.Source, Notes: j.Notes,
	}
	if j.ProductIDMax != nil {
		m.ProductIDMax = uint16(*j.ProductIDMax)
	}
	if j.Quirks != nil {
		m.Quirks = *j.Quirks
	}
	if j.Audio != nil {
		m.Audio = AudioHints{HasAudio: j.Audio.HasAudio, Rates: j.Audio.Rates,
			CaptureChannels: j.Audio.CaptureChannels, PlaybackChannels: j.Audio.PlaybackChannels}
	}
	return nil
}

// Parse reads and validates one model file.
func Parse(data []byte) (*Model, error) {
	var m Model
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

package main

import (
	"fmt"
	"sort"
	"strings"

	"handsetd/hid"
)

// Telephony is the device side of a HID Telephony handset: it turns the
// user's actions into the input reports a device with this descriptor sends,
// and output reports from the host back into indicator states.
type Telephony struct {
	desc *hid.ReportDescriptor
	in   *hid.Encoder
	// inds are the indicators the descriptor declares, by name.
	inds map[string][]hid.FieldRef
}

// indicatorUsages names the output usages handsetd drives, with the names
// devices.Indicator prints.
var indicatorUsages = map[string]hid.Usage{
	"ring":       hid.UsageLEDRing,
	"ringer":     hid.UsageRinger,
	"off-hook":   hid.UsageLEDOffHook,
	"mute":       hid.UsageLEDMute,
	"hold":       hid.UsageLEDHold,
	"microphone": hid.UsageLEDMicrophone,
	"on-line":    hid.UsageLEDOnLine,
}

// NewTelephony parses a report descriptor.
func NewTelephony(raw []byte) (*Telephony, error) {
	d, err := hid.ParseReportDescriptor(raw)
	if err != nil {
		return nil, fmt.Errorf("qemutest: %w", err)
	}
	if !d.HasTelephony() {
		return nil, fmt.Errorf("qemutest: descriptor has no telephony collection")
	}
	t := &Telephony{desc: d, in: hid.NewInputEncoder(d), inds: map[string][]hid.FieldRef{}}
	for name, u := range indicatorUsages {
		if refs := d.FindUsage(hid.Output, u); len(refs) > 0 {
			t.inds[name] = refs
		}
	}
	return t, nil
}

// ReportLength is the longest input or output report, ID byte included.
func (t *Telephony) ReportLength() int {
	n := 0
	for _, r := range t.desc.Reports {
		if r.Type == hid.Input || r.Type == hid.Output {
			n = max(n, r.ByteLen())
		}
	}
	return n
}

// Indicators returns the names of the indicators the device has, sorted.
func (t *Telephony) Indicators() []string {
	var names []string
	for n := range t.inds {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Input sets one input usage and returns the reports to send.
func (t *Telephony) Input(u hid.Usage, v int32) ([][]byte, error) {
	reps, err := t.in.SetUsage(hid.Input, u, v)
	if err != nil {
		return nil, fmt.Errorf("qemutest: input %s: %w", hid.UsageName(u), err)
	}
	if len(reps) == 0 {
		return nil, fmt.Errorf("qemutest: input %s changed no report", hid.UsageName(u))
	}
	return reps, nil
}

// KeyUsage is the Phone Key usage of a keypad key: 0-9, * or #.
func KeyUsage(k byte) (hid.Usage, error) {
	switch {
	case k >= '0' && k <= '9':
		return hid.UsagePhoneKey0 + hid.Usage(k-'0'), nil
	case k == '*':
		return hid.UsagePhoneKey0 + 10, nil
	case k == '#':
		return hid.UsagePhoneKeyPound, nil
	}
	return 0, fmt.Errorf("qemutest: no phone key %q", k)
}

// Indicators is the state of a device's indicators, 0 or 1 by name.
type Indicators map[string]int32

func (s Indicators) String() string {
	names := make([]string, 0, len(s))
	for n := range s {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%d", n, s[n])
	}
	return b.String()
}

// Equal reports whether two states hold the same values.
func (s Indicators) Equal(o Indicators) bool {
	if len(s) != len(o) {
		return false
	}
	for k, v := range s {
		if w, ok := o[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// Off is the state with every indicator of the device off.
func (t *Telephony) Off() Indicators {
	s := Indicators{}
	for n := range t.inds {
		s[n] = 0
	}
	return s
}

// With returns the all-off state with the named indicators on, among those
// the device has: a scenario names what a call shows, each device shows
// what it can.
func (t *Telephony) With(on ...string) Indicators {
	s := t.Off()
	for _, n := range on {
		if _, ok := s[n]; ok {
			s[n] = 1
		}
	}
	return s
}

// ApplyOutput updates state from one output report as the host sent it (ID
// byte first when the descriptor is numbered). Indicators outside that
// report keep their value: a report only speaks for its own fields.
func (t *Telephony) ApplyOutput(state Indicators, raw []byte) error {
	var id uint8
	body := raw
	if t.desc.Numbered {
		if len(raw) == 0 {
			return fmt.Errorf("qemutest: empty output report")
		}
		id, body = raw[0], raw[1:]
	}
	r := t.desc.Report(hid.Output, id)
	if r == nil {
		return fmt.Errorf("qemutest: output report % x: no output report %d in the descriptor", raw, id)
	}
	if len(body)*8 < r.BitLen {
		return fmt.Errorf("qemutest: output report % x: %d bits, want %d", raw, len(body)*8, r.BitLen)
	}
	for name, refs := range t.inds {
		for _, ref := range refs {
			if ref.Field.ReportID != id {
				continue
			}
			state[name] = int32(bits(body, ref.BitOffset(), ref.Field.BitSize))
		}
	}
	return nil
}

// bits extracts n bits (n <= 32) from b at bit offset off, little endian
// (HID 1.11 section 5.8).
func bits(b []byte, off, n int) uint32 {
	var v uint32
	for i := 0; i < n; i++ {
		bit := off + i
		if b[bit/8]&(1<<(bit%8)) != 0 {
			v |= 1 << i
		}
	}
	return v
}

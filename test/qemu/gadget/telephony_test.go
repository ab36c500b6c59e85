package main

import (
	"bytes"
	"os"
	"slices"
	"testing"

	"handsetd/hid"
)

func loadTelephony(t testing.TB, name string) *Telephony {
	t.Helper()
	raw, err := os.ReadFile("../../../testdata/hid/" + name + ".rdesc")
	if err != nil {
		t.Fatal(err)
	}
	tel, err := NewTelephony(raw)
	if err != nil {
		t.Fatal(err)
	}
	return tel
}

func TestTelephonyLayout(t *testing.T) {
	for _, tc := range []struct {
		name   string
		length int
		inds   []string
	}{
		// Jabra: the longest input or output report is vendor report 4's.
		{"0b0e-0307", 33, []string{"hold", "microphone", "mute", "off-hook", "ring", "ringer"}},
		// Poly: input report 1 carries 61 bytes; no Telephony Ringer.
		{"047f-c053", 64, []string{"hold", "mute", "off-hook", "on-line", "ring"}},
	} {
		tel := loadTelephony(t, tc.name)
		if got := tel.ReportLength(); got != tc.length {
			t.Errorf("%s: ReportLength = %d, want %d", tc.name, got, tc.length)
		}
		if got := tel.Indicators(); !slices.Equal(got, tc.inds) {
			t.Errorf("%s: Indicators = %q, want %q", tc.name, got, tc.inds)
		}
	}
}

func TestTelephonyInputReports(t *testing.T) {
	tel := loadTelephony(t, "0b0e-0307")
	pound, err := KeyUsage('#')
	if err != nil {
		t.Fatal(err)
	}
	// Report 2: hook bit 0, mute bit 2, keypad array in bits 7-10 whose
	// idle value is the null 12 (0b1100).
	steps := []struct {
		u    hid.Usage
		v    int32
		want []byte
	}{
		{hid.UsageHookSwitch, 1, []byte{0x02, 0x01, 0x06}},
		{pound, 1, []byte{0x02, 0x81, 0x05}},
		{pound, 0, []byte{0x02, 0x01, 0x06}},
		{hid.UsagePhoneMute, 1, []byte{0x02, 0x05, 0x06}},
		{hid.UsagePhoneMute, 0, []byte{0x02, 0x01, 0x06}},
		{hid.UsageHookSwitch, 0, []byte{0x02, 0x00, 0x06}},
	}
	for i, s := range steps {
		reps, err := tel.Input(s.u, s.v)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if len(reps) != 1 || !bytes.Equal(reps[0], s.want) {
			t.Errorf("step %d: %s=%d sends % x, want [% x]", i, hid.UsageName(s.u), s.v, reps, s.want)
		}
	}

	poly := loadTelephony(t, "047f-c053")
	reps, err := poly.Input(hid.UsageHookSwitch, 1)
	if err != nil || len(reps) != 1 || !bytes.Equal(reps[0], []byte{0x08, 0x02}) {
		t.Errorf("poly hook off sends % x, %v; want [08 02]", reps, err)
	}
	if _, err := poly.Input(pound, 1); err == nil {
		t.Error("poly has no keypad, but pressing # succeeded")
	}
}

func TestKeyUsage(t *testing.T) {
	for k, want := range map[byte]hid.Usage{
		'0': hid.UsagePhoneKey0, '7': hid.UsagePhoneKey0 + 7,
		'*': hid.NewUsage(hid.PageTelephony, 0xBA), '#': hid.UsagePhoneKeyPound,
	} {
		if got, err := KeyUsage(k); err != nil || got != want {
			t.Errorf("KeyUsage(%q) = %v, %v; want %v", k, got, err, want)
		}
	}
	if _, err := KeyUsage('A'); err == nil {
		t.Error("KeyUsage('A') succeeded")
	}
}

func TestApplyOutput(t *testing.T) {
	jabra := loadTelephony(t, "0b0e-0307")
	s := jabra.Off()
	// Report 2, one byte: Off-Hook bit 0, Mute 1, Ring 2, Hold 3,
	// Microphone 4, Ringer 5.
	if err := jabra.ApplyOutput(s, []byte{0x02, 0x24, 0x00}); err != nil {
		t.Fatal(err)
	}
	if want := jabra.With("ring", "ringer"); !s.Equal(want) {
		t.Errorf("after 02 24: %v, want %v", s, want)
	}
	if err := jabra.ApplyOutput(s, []byte{0x02, 0x0b, 0x00}); err != nil {
		t.Fatal(err)
	}
	if want := jabra.With("off-hook", "mute", "hold"); !s.Equal(want) {
		t.Errorf("after 02 0b: %v, want %v", s, want)
	}

	// Poly: one report per LED; a report leaves the others as they were.
	poly := loadTelephony(t, "047f-c053")
	p := poly.Off()
	for _, r := range [][]byte{{0x18, 0x01}, {0x17, 0x01}, {0x18, 0x00}} {
		if err := poly.ApplyOutput(p, r); err != nil {
			t.Fatal(err)
		}
	}
	if want := poly.With("off-hook"); !p.Equal(want) {
		t.Errorf("poly: %v, want %v", p, want)
	}

	for _, bad := range [][]byte{nil, {0x63, 0x01}, {0x02}} {
		if err := jabra.ApplyOutput(jabra.Off(), bad); err == nil {
			t.Errorf("ApplyOutput(% x) succeeded", bad)
		}
	}
}

func TestIndicators(t *testing.T) {
	jabra := loadTelephony(t, "0b0e-0307")
	// With ignores what the device lacks: a call shows on-line where it can.
	got := jabra.With("off-hook", "on-line")
	if want := "hold=0 microphone=0 mute=0 off-hook=1 ring=0 ringer=0"; got.String() != want {
		t.Errorf("With = %q, want %q", got.String(), want)
	}
	if got.Equal(jabra.Off()) || !jabra.Off().Equal(jabra.With()) {
		t.Error("Equal disagrees with the states' contents")
	}
	if (Indicators{"ring": 0}).Equal(Indicators{"ringer": 0}) {
		t.Error("states with different names are Equal")
	}
}

func FuzzApplyOutput(f *testing.F) {
	tels := []*Telephony{loadTelephony(f, "0b0e-0307"), loadTelephony(f, "047f-c053")}
	f.Add(uint8(0), []byte{0x02, 0x24, 0x00})
	f.Add(uint8(1), []byte{0x18, 0x01})
	f.Add(uint8(1), []byte{0x09})
	f.Add(uint8(0), []byte{})
	f.Fuzz(func(t *testing.T, which uint8, raw []byte) {
		tel := tels[int(which)%len(tels)]
		s := tel.Off()
		if err := tel.ApplyOutput(s, raw); err != nil {
			return
		}
		// Every indicator is a 1-bit LED or ringer.
		for n, v := range s {
			if v != 0 && v != 1 {
				t.Fatalf("% x sets %s to %d", raw, n, v)
			}
		}
		if len(s) != len(tel.Indicators()) {
			t.Fatalf("% x changed the set of indicators: %v", raw, s)
		}
	})
}

package hid

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
)

type valWant struct {
	usage Usage
	index int
	value int32
	null  bool
}

func decodeAll(t *testing.T, d *ReportDescriptor, raw []byte) (*Report, []valWant) {
	t.Helper()
	dec := NewDecoder(d)
	r, vs, err := dec.Decode(raw, nil)
	if err != nil {
		t.Fatalf("Decode(% x): %v", raw, err)
	}
	var out []valWant
	for _, v := range vs {
		out = append(out, valWant{v.Usage, v.Index, v.Value, v.Null})
	}
	return r, out
}

func TestDecodeJabra(t *testing.T) {
	d := mustParse(t, realDescriptor(t, "0b0e-0307"))
	// Off hook, Redial pressed, keypad value 5 in bits 7-10.
	r, got := decodeAll(t, d, []byte{0x02, 0x01 | 0x10 | 0x80, 0x02})
	if r != d.Report(Input, 2) {
		t.Fatalf("report %s %d", r.Type, r.ID)
	}
	want := []valWant{
		{UsageHookSwitch, 0, 1, false},
		{UsageLineBusyTone, 1, 0, false},
		{UsagePhoneMute, 0, 0, false},
		{UsageFlash, 1, 0, false},
		{UsageRedial, 2, 1, false},
		{tel(0x50), 3, 0, false},
		{NewUsage(PageButton, 7), 0, 0, false},
		{tel(0xB5), 0, 5, false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("values\n got  %v\n want %v", got, want)
	}
	// Keypad value 12 lies in the vendor mirror's logical range (0..12) but
	// past its usages: no key.
	_, got = decodeAll(t, d, []byte{0x04, 0x00, 0x06})
	if k := got[len(got)-1]; k != (valWant{0, 0, 12, false}) {
		t.Errorf("mirror keypad value 12: %+v", k)
	}
	// Volume report 1.
	_, got = decodeAll(t, d, []byte{0x01, 0x02, 0x00})
	if want := []valWant{{UsageVolumeDown, 0, 0, false}, {UsageVolumeUp, 1, 1, false}}; !reflect.DeepEqual(got, want) {
		t.Errorf("volume %v", got)
	}
}

func TestDecodeSignedAndUnnumbered(t *testing.T) {
	// Unnumbered: X and Y as 12-bit signed relative values, then a 4-bit
	// unsigned value and 4 bits of padding.
	d := mustParse(t, []byte{
		0x05, 0x01, 0x09, 0x02, 0xa1, 0x01,
		0x09, 0x30, 0x09, 0x31, 0x16, 0x00, 0xf8, 0x26, 0xff, 0x07, 0x75, 0x0c, 0x95, 0x02, 0x81, 0x06,
		0x09, 0x38, 0x15, 0x00, 0x25, 0x0f, 0x75, 0x04, 0x95, 0x01, 0x81, 0x02,
		0x81, 0x03,
		0xc0,
	})
	// X = -2 (0xffe), Y = 1000 (0x3e8), wheel 9.
	_, got := decodeAll(t, d, []byte{0xfe, 0x8f, 0x3e, 0x09})
	want := []valWant{{NewUsage(1, 0x30), 0, -2, false}, {NewUsage(1, 0x31), 1, 1000, false}, {NewUsage(1, 0x38), 0, 9, false}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	_, got = decodeAll(t, d, []byte{0x00, 0x08, 0x80, 0x0f})
	want = []valWant{{NewUsage(1, 0x30), 0, -2048, false}, {NewUsage(1, 0x31), 1, -2048, false}, {NewUsage(1, 0x38), 0, 15, false}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	// Extra bytes are ignored, as hidraw may deliver a longer buffer.
	if _, _, err := NewDecoder(d).Decode([]byte{0, 0, 0, 0, 0xff}, nil); err != nil {
		t.Errorf("long report: %v", err)
	}
}

func TestDecode32Bit(t *testing.T) {
	d := mustParse(t, []byte{
		0x17, 0x00, 0x00, 0x00, 0x80, 0x27, 0xff, 0xff, 0xff, 0x7f, 0x75, 0x20, 0x95, 0x01, 0x09, 0x01, 0x81, 0x02, // signed
		0x15, 0x00, 0x27, 0xff, 0xff, 0xff, 0xff, 0x09, 0x02, 0x81, 0x02, // unsigned 0..0xffffffff
		0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x01, 0x09, 0x03, 0x81, 0x02, // a bit after them
	})
	_, got := decodeAll(t, d, []byte{0x00, 0x00, 0x00, 0x80, 0xff, 0xff, 0xff, 0xff, 0x01})
	want := []valWant{{1, 0, -2147483648, false}, {2, 0, -1, false}, {3, 0, 1, false}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestDecodeNullAndArrays(t *testing.T) {
	d := mustParse(t, []byte{
		0x85, 0x01,
		// Hat switch 0..7 with a null state.
		0x05, 0x01, 0x09, 0x39, 0x15, 0x00, 0x25, 0x07, 0x75, 0x04, 0x95, 0x01, 0x81, 0x42,
		// The same without null state: an out-of-range value is just a value.
		0x09, 0x39, 0x81, 0x02,
		// Keyboard array, 3 keys of 8 bits, 0..101.
		0x05, 0x07, 0x19, 0x00, 0x29, 0x65, 0x15, 0x00, 0x25, 0x65, 0x75, 0x08, 0x95, 0x03, 0x81, 0x00,
		// Keypad array 1..12 with null.
		0x85, 0x02, 0x05, 0x0b, 0x19, 0xb0, 0x29, 0xbb, 0x15, 0x01, 0x25, 0x0c, 0x75, 0x04, 0x95, 0x02, 0x81, 0x40,
		// A signed array -1..1.
		0x05, 0x09, 0x19, 0x01, 0x29, 0x03, 0x15, 0xff, 0x25, 0x01, 0x75, 0x02, 0x95, 0x02, 0x81, 0x00,
	})
	hat := NewUsage(1, 0x39)
	_, got := decodeAll(t, d, []byte{0x01, 0x83, 0x04, 0x00, 0xff})
	want := []valWant{
		{hat, 0, 3, false},
		{hat, 0, 8, false},
		{NewUsage(PageKeyboard, 0x04), 0, 4, false},
		{0, 1, 0, false}, // Keyboard 0x00 is "no event"
		{0, 2, -1 & 0xff, true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("report 1\n got  %v\n want %v", got, want)
	}
	_, got = decodeAll(t, d, []byte{0x01, 0x08, 0x00, 0x00, 0x00})
	if got[0] != (valWant{hat, 0, 8, true}) {
		t.Errorf("hat null: %v", got[0])
	}
	// Keypad: 0 is out of 1..12 (no key), 6 is Phone Key 5; then signed
	// array elements 3 (-1 -> Button 1) and 1 (1 -> Button 3).
	_, got = decodeAll(t, d, []byte{0x02, 0x60, 0x07})
	want = []valWant{
		{0, 0, 0, true},
		{tel(0xB5), 1, 6, false},
		{NewUsage(PageButton, 1), 0, -1, false},
		{NewUsage(PageButton, 3), 1, 1, false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("report 2\n got  %v\n want %v", got, want)
	}
}

func TestDecodeErrors(t *testing.T) {
	d := mustParse(t, realDescriptor(t, "0b0e-0307"))
	dec := NewDecoder(d)
	for _, tc := range []struct {
		raw  []byte
		want error
		msg  string
	}{
		{nil, ErrShortReport, "hid: short report: empty report"},
		{[]byte{0x02, 0x01}, ErrShortReport, "hid: short report: input report 2: got 1 bytes, want 2"},
		{[]byte{0x03, 0x01, 0x00}, ErrUnknownReport, "hid: unknown report id: input report 3"},
		{[]byte{0x00, 0x01, 0x00}, ErrUnknownReport, "hid: unknown report id: input report 0"},
	} {
		_, vs, err := dec.Decode(tc.raw, make([]Value, 3))
		if !errors.Is(err, tc.want) || err.Error() != tc.msg || len(vs) != 0 {
			t.Errorf("Decode(% x) = %d values, %v; want %q", tc.raw, len(vs), err, tc.msg)
		}
	}
	// An unnumbered descriptor without input reports.
	d2 := mustParse(t, []byte{0x75, 0x01, 0x95, 0x01, 0x91, 0x02})
	if _, _, err := NewDecoder(d2).Decode([]byte{0}, nil); !errors.Is(err, ErrUnknownReport) {
		t.Errorf("no input reports: %v", err)
	}
}

func TestDecodeDoesNotAllocate(t *testing.T) {
	d := mustParse(t, realDescriptor(t, "0b0e-0307"))
	dec := NewDecoder(d)
	// Report 5: 32 bytes of a Buffered Bytes field.
	if dec.MaxValues() != 32 {
		t.Errorf("MaxValues %d, want 32", dec.MaxValues())
	}
	dst := make([]Value, 0, dec.MaxValues())
	raw := []byte{0x02, 0x91, 0x02}
	allocs := testing.AllocsPerRun(100, func() {
		_, dst, _ = dec.Decode(raw, dst)
	})
	if allocs != 0 || len(dst) != 8 {
		t.Errorf("%v allocations per Decode, %d values", allocs, len(dst))
	}
}

func TestEncoderShadow(t *testing.T) {
	d := mustParse(t, realDescriptor(t, "0b0e-0307"))
	e := NewEncoder(d)
	steps := []struct {
		u    Usage
		v    int32
		want []byte
	}{
		{UsageLEDOffHook, 1, []byte{0x02, 0x01, 0x00}},
		{UsageLEDMute, 1, []byte{0x02, 0x03, 0x00}},
		{UsageRinger, 1, []byte{0x02, 0x23, 0x00}},
		{UsageLEDOffHook, 0, []byte{0x02, 0x22, 0x00}},
		{UsageLEDHold, 1, []byte{0x02, 0x2a, 0x00}},
		{UsageRinger, 0, []byte{0x02, 0x0a, 0x00}},
	}
	for _, s := range steps {
		got, err := e.SetUsage(Output, s.u, s.v)
		if err != nil {
			t.Fatalf("SetUsage(%s, %d): %v", s.u, s.v, err)
		}
		if !reflect.DeepEqual(got, [][]byte{s.want}) {
			t.Fatalf("SetUsage(%s, %d) = % x, want % x", s.u, s.v, got, s.want)
		}
	}
	// Set by reference gives the same report and does not share memory
	// with the shadow.
	ref := d.FindUsage(Output, UsageLEDMicrophone)[0]
	b, err := e.Set(Output, ref, 1)
	if err != nil || !reflect.DeepEqual(b, []byte{0x02, 0x1a, 0x00}) {
		t.Fatalf("Set(Microphone) = % x, %v", b, err)
	}
	b[1] = 0xff
	if got := e.Report(Output, 2); !reflect.DeepEqual(got, []byte{0x02, 0x1a, 0x00}) {
		t.Errorf("shadow % x after changing a returned copy", got)
	}
	if e.Report(Output, 9) != nil {
		t.Error("Report of a missing id is not nil")
	}
}

func TestEncoderOneLEDPerReport(t *testing.T) {
	d := mustParse(t, realDescriptor(t, "047f-c053"))
	e := NewEncoder(d)
	got, err := e.SetUsage(Output, UsageLEDRing, 1)
	if err != nil || !reflect.DeepEqual(got, [][]byte{{24, 0x01}}) {
		t.Fatalf("ring = % x, %v", got, err)
	}
	got, err = e.SetUsage(Output, UsageLEDOffHook, 1)
	if err != nil || !reflect.DeepEqual(got, [][]byte{{23, 0x01}}) {
		t.Fatalf("off-hook = % x, %v", got, err)
	}
	if r := e.Report(Output, 24); !reflect.DeepEqual(r, []byte{24, 0x01}) {
		t.Errorf("ring report % x", r)
	}
}

func TestEncoderUnnumberedSignedAndErrors(t *testing.T) {
	d := mustParse(t, []byte{
		0x05, 0x08, 0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x02, 0x09, 0x17, 0x09, 0x18, 0x91, 0x02,
		0x15, 0xf8, 0x25, 0x07, 0x75, 0x04, 0x95, 0x01, 0x09, 0x4b, 0x91, 0x02, // signed -8..7
		0x75, 0x02, 0x91, 0x03, // padding
		0x15, 0x00, 0x25, 0x0a, 0x75, 0x04, 0x09, 0x42, 0x91, 0x42, // 0..10 with null state
		0x75, 0x04, 0x09, 0x43, 0xb1, 0x02, // feature
		0x09, 0x44, 0x81, 0x02, // input
	})
	e := NewEncoder(d)
	out := d.Report(Output, 0).Fields
	check := func(ref FieldRef, v int32, want []byte) {
		t.Helper()
		got, err := e.Set(Output, ref, v)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("Set(%v, %d) = % x, %v; want % x", ref.Usage(), v, got, err, want)
		}
	}
	check(FieldRef{out[0], 1}, 1, []byte{0x00, 0x02, 0x00})
	check(FieldRef{out[1], 0}, -3, []byte{0x00, 0x36, 0x00})
	check(FieldRef{out[0], 0}, 1, []byte{0x00, 0x37, 0x00})
	check(FieldRef{out[1], 0}, 7, []byte{0x00, 0x1f, 0x00})
	check(FieldRef{out[3], 0}, 15, []byte{0x00, 0x1f, 0x0f}) // null value
	check(FieldRef{out[3], 0}, 10, []byte{0x00, 0x1f, 0x0a})
	if b, err := e.SetUsage(Feature, NewUsage(PageLED, 0x43), 9); err != nil || !reflect.DeepEqual(b, [][]byte{{0x00, 0x09}}) {
		t.Errorf("feature = % x, %v", b, err)
	}

	for _, tc := range []struct {
		name string
		t    ReportType
		ref  FieldRef
		v    int32
		want error
	}{
		{"value over the logical maximum", Output, FieldRef{out[0], 0}, 2, ErrOutOfRange},
		{"negative value in an unsigned field", Output, FieldRef{out[0], 0}, -1, ErrOutOfRange},
		{"value below a signed minimum", Output, FieldRef{out[1], 0}, -9, ErrOutOfRange},
		{"null value that does not fit the bits", Output, FieldRef{out[3], 0}, 16, ErrOutOfRange},
		{"element index", Output, FieldRef{out[0], 2}, 1, ErrOutOfRange},
		{"constant field", Output, FieldRef{out[2], 0}, 0, ErrNotWritable},
		{"input field", Input, FieldRef{d.Report(Input, 0).Fields[0], 0}, 1, ErrNotWritable},
		{"type mismatch", Feature, FieldRef{out[0], 0}, 1, ErrNotWritable},
		{"nil field", Output, FieldRef{}, 1, ErrNotWritable},
	} {
		if _, err := e.Set(tc.t, tc.ref, tc.v); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := e.SetUsage(Output, UsageRinger, 1); !errors.Is(err, ErrNoUsage) || err.Error() != "hid: usage not found: Telephony.Ringer in Output reports" {
		t.Errorf("SetUsage(missing) = %v", err)
	}
	if got := e.Report(Output, 0); !reflect.DeepEqual(got, []byte{0x00, 0x1f, 0x0a}) {
		t.Errorf("failed sets changed the shadow: % x", got)
	}
}

func TestEncoderArray(t *testing.T) {
	// Two 8-bit elements selecting LEDs Off-Hook, Ring, Mute with 1..3.
	d := mustParse(t, []byte{0x05, 0x08, 0x09, 0x17, 0x09, 0x18, 0x09, 0x09, 0x15, 0x01, 0x25, 0x03, 0x75, 0x08, 0x95, 0x02, 0x91, 0x00})
	e := NewEncoder(d)
	steps := []struct {
		u    Usage
		v    int32
		want []byte
	}{
		{UsageLEDRing, 1, []byte{0, 2, 0}},
		{UsageLEDRing, 1, []byte{0, 2, 0}}, // already there
		{UsageLEDOffHook, 1, []byte{0, 2, 1}},
		{UsageLEDRing, 0, []byte{0, 0, 1}},
		{UsageLEDMute, 1, []byte{0, 3, 1}},
		{UsageLEDMute, 0, []byte{0, 0, 1}},
		{UsageLEDOffHook, 0, []byte{0, 0, 0}},
	}
	for _, s := range steps {
		got, err := e.SetUsage(Output, s.u, s.v)
		if err != nil || !reflect.DeepEqual(got, [][]byte{s.want}) {
			t.Fatalf("SetUsage(%s, %d) = % x, %v; want % x", s.u, s.v, got, err, s.want)
		}
	}
	e.SetUsage(Output, UsageLEDRing, 1)
	e.SetUsage(Output, UsageLEDMute, 1)
	if _, err := e.SetUsage(Output, UsageLEDOffHook, 1); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("full array: %v", err)
	}
	if _, err := e.Set(Output, FieldRef{d.Reports[0].Fields[0], 3}, 1); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("usage index past the list: %v", err)
	}
	// An array whose every value selects a usage: the zeroed shadow already
	// selects the first usage, which cannot be cleared, and there is no
	// free element for the second.
	d2 := mustParse(t, []byte{0x05, 0x08, 0x19, 0x01, 0x29, 0x02, 0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x01, 0x91, 0x00})
	e2 := NewEncoder(d2)
	f := d2.Reports[0].Fields[0]
	if b, err := e2.Set(Output, FieldRef{f, 0}, 1); err != nil || !reflect.DeepEqual(b, []byte{0, 0}) {
		t.Fatalf("set first = % x, %v", b, err)
	}
	if _, err := e2.Set(Output, FieldRef{f, 0}, 0); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("clear without a none value: %v", err)
	}
	if _, err := e2.Set(Output, FieldRef{f, 1}, 1); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("set second: %v", err)
	}
}

// Concurrent writers of LEDs that share a byte never lose each other's
// bits.
func TestEncoderConcurrent(t *testing.T) {
	d := mustParse(t, realDescriptor(t, "1395-00a2"))
	e := NewEncoder(d)
	leds := []Usage{UsageRinger, UsageLEDOffHook, UsageLEDMicrophone, UsageLEDRing, UsageLEDMute, UsageLEDOnLine, UsageLEDHold}
	var wg sync.WaitGroup
	for _, u := range leds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if _, err := e.SetUsage(Output, u, int32(i&1)); err != nil {
					t.Error(err)
					return
				}
			}
			e.SetUsage(Output, u, 1)
		}()
	}
	wg.Wait()
	if got := e.Report(Output, 3); !reflect.DeepEqual(got, []byte{0x03, 0x7f}) {
		t.Errorf("report 3 = % x, want 03 7f", got)
	}
}

func TestBitHelpers(t *testing.T) {
	p := make([]byte, 6)
	for _, tc := range []struct{ off, n int }{{0, 1}, {3, 7}, {7, 9}, {5, 32}, {12, 12}, {1, 31}} {
		for _, v := range []uint32{0, 1, 0x5a5a5a5a, 0xffffffff} {
			for i := range p {
				p[i] = 0xc3
			}
			want := v & uint32(1<<uint(tc.n)-1)
			insert(p, tc.off, tc.n, v)
			if got := extract(p, tc.off, tc.n); got != want {
				t.Errorf("off %d n %d: wrote %#x read %#x", tc.off, tc.n, want, got)
			}
			// Bits outside the element keep their value.
			for bit := 0; bit < 8*len(p); bit++ {
				if bit >= tc.off && bit < tc.off+tc.n {
					continue
				}
				if p[bit/8]>>(bit%8)&1 != 0xc3>>(bit%8)&1 {
					t.Fatalf("off %d n %d: bit %d changed", tc.off, tc.n, bit)
				}
			}
		}
	}
	if fmt.Sprint(signExtend(0x8, 4), signExtend(0x7, 4), signExtend(0xffffffff, 32), signExtend(5, 0)) != "-8 7 -1 0" {
		t.Error("signExtend")
	}
}

package hid

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

func TestInputEncoderBuildsDeviceReports(t *testing.T) {
	b, err := os.ReadFile("../testdata/hid/0b0e-0307.rdesc")
	if err != nil {
		t.Fatal(err)
	}
	d, err := ParseReportDescriptor(b)
	if err != nil {
		t.Fatal(err)
	}
	e := NewInputEncoder(d)
	// Report 2: hook bit 0, keypad a 4-bit array at bits 7-10 whose
	// logical 0 is Phone Key 0, so "no key" starts as 12 (bits 9, 10).
	if got := e.Report(Input, 2); !bytes.Equal(got, []byte{0x02, 0x00, 0x06}) {
		t.Fatalf("initial report 2 = % x, want 02 00 06", got)
	}
	steps := []struct {
		u    Usage
		v    int32
		want []byte
	}{
		{UsageHookSwitch, 1, []byte{0x02, 0x01, 0x06}},
		{NewUsage(PageTelephony, 0xB5), 1, []byte{0x02, 0x81, 0x02}}, // key 5 = 0101 at bit 7
		{NewUsage(PageTelephony, 0xB5), 0, []byte{0x02, 0x01, 0x06}},
		{UsageHookSwitch, 0, []byte{0x02, 0x00, 0x06}},
	}
	for _, s := range steps {
		reports, err := e.SetUsage(Input, s.u, s.v)
		if err != nil {
			t.Fatalf("SetUsage(%s, %d): %v", s.u, s.v, err)
		}
		if len(reports) != 1 || !bytes.Equal(reports[0], s.want) {
			t.Fatalf("SetUsage(%s, %d) = % x, want % x", s.u, s.v, reports, s.want)
		}
	}
	// An input encoder writes no output reports, an output encoder no
	// input reports.
	if _, err := e.SetUsage(Output, UsageLEDMute, 1); !errors.Is(err, ErrNotWritable) {
		t.Fatalf("input encoder set an LED: %v", err)
	}
	if _, err := NewEncoder(d).SetUsage(Input, UsageHookSwitch, 1); !errors.Is(err, ErrNotWritable) {
		t.Fatalf("output encoder set the hook switch: %v", err)
	}
}

func TestFieldHolds(t *testing.T) {
	for _, tc := range []struct {
		f    Field
		v    int32
		want bool
	}{
		{Field{BitSize: 1, LogicalMax: 1}, 1, true},
		{Field{BitSize: 1, LogicalMax: 1}, 2, false},
		{Field{BitSize: 1, LogicalMin: -128, LogicalMax: 0}, -128, false}, // in range, not in 1 bit
		{Field{BitSize: 8, LogicalMin: -128, LogicalMax: 0}, -128, true},
		{Field{BitSize: 8, LogicalMin: 808464432, LogicalMax: 0}, 0, false},
		{Field{BitSize: 1, LogicalMax: 1, Flags: Constant}, 1, false},
		{Field{BitSize: 40, LogicalMax: 1}, 1, false},
	} {
		if got := tc.f.Holds(tc.v); got != tc.want {
			t.Errorf("Field{size %d, %d..%d, %v}.Holds(%d) = %v, want %v", tc.f.BitSize, tc.f.LogicalMin, tc.f.LogicalMax, tc.f.Flags, tc.v, got, tc.want)
		}
	}
}

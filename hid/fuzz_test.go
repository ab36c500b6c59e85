package hid

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// TestMain shortens the minimization of new fuzz inputs unless asked
// otherwise: the seeds are real descriptors of up to 1 KB, minimizing one
// costs a number of runs quadratic in its length, and the default 60 s
// would eat all the time CI gives each fuzz target.
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.fuzzminimizetime" })
	if !set {
		if err := flag.Set("test.fuzzminimizetime", "2s"); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}

// FuzzParseReportDescriptor feeds arbitrary descriptors and reports through
// the parser, the decoder, the encoder and the summary: none may panic,
// and whatever parses must have a consistent layout.
func FuzzParseReportDescriptor(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "hid", "*.rdesc"))
	if len(files) == 0 {
		f.Fatal("no seed descriptors")
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, []byte{0x02, 0x81, 0x02})
		f.Add(b, []byte{0x01, 0xff, 0xff, 0xff})
	}
	f.Add([]byte{0xa4, 0xb4, 0xfe, 0x01, 0x00, 0x00, 0xa9, 0x01, 0x09, 0x01, 0xa9, 0x00, 0x81, 0x02}, []byte{0})
	f.Add([]byte{0x15, 0x81, 0x25, 0x7f, 0x75, 0x08, 0x95, 0x02, 0x19, 0x01, 0x29, 0x05, 0x81, 0x00, 0x91, 0x02}, []byte{0x80, 0x01})
	f.Fuzz(func(t *testing.T, desc, report []byte) {
		d, err := ParseReportDescriptor(desc)
		if err != nil {
			if !errors.Is(err, ErrInvalidDescriptor) {
				t.Fatalf("error %v does not wrap ErrInvalidDescriptor", err)
			}
			return
		}
		checkLayout(t, d)
		for i, it := range d.Items {
			if i == 64 {
				break // formatting dominates the run time; 64 items reach every kind
			}
			_ = it.String()
		}
		_ = TelephonySummary(d)
		dec := NewDecoder(d)
		dst := make([]Value, 0, dec.MaxValues())
		r, vs, err := dec.Decode(report, dst)
		if err == nil && (r == nil || r.Type != Input || len(vs) > dec.MaxValues()) {
			t.Fatalf("Decode: report %v, %d values of at most %d", r, len(vs), dec.MaxValues())
		}
		for _, v := range vs {
			// Null means out of range, for arrays and for variables with a
			// null state; other variables are never null.
			f := v.Field
			wantNull := !inRange(f, v.Value) && (f.Flags.IsArray() || f.Flags.HasNull())
			if v.Null != wantNull {
				t.Fatalf("value %d of a %v field in %d..%d: Null %v", v.Value, f.Flags, f.LogicalMin, f.LogicalMax, v.Null)
			}
			if v.Usage != 0 && f.Flags.IsArray() && v.Null {
				t.Fatalf("null array element selects %v", v.Usage)
			}
		}
		e := NewEncoder(d)
		for _, r := range d.Reports {
			if r.Type == Input {
				continue
			}
			for _, fl := range r.Fields {
				if fl.Flags.IsConstant() {
					continue
				}
				for i := 0; i < fl.Count && i < 4; i++ {
					b, err := e.Set(r.Type, FieldRef{fl, i}, fl.LogicalMax)
					if err == nil && len(b) != 1+(r.BitLen+7)/8 {
						t.Fatalf("Set returned %d bytes for a %d-bit report", len(b), r.BitLen)
					}
				}
			}
		}
	})
}

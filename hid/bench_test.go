package hid

import "testing"

// BenchmarkDecode decodes the Jabra hook/keypad report; it must report
// 0 allocs/op.
func BenchmarkDecode(b *testing.B) {
	d := mustParse(b, realDescriptor(b, "0b0e-0307"))
	dec := NewDecoder(d)
	dst := make([]Value, 0, dec.MaxValues())
	raw := []byte{0x02, 0x91, 0x02}
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if _, dst, err = dec.Decode(raw, dst); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseReportDescriptor(b *testing.B) {
	raw := realDescriptor(b, "047f-02ec")
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := ParseReportDescriptor(raw); err != nil {
			b.Fatal(err)
		}
	}
}

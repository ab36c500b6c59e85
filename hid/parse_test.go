package hid

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// realDescriptor loads one of the real descriptors kept with the project.
func realDescriptor(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "hid", name+".rdesc"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustParse(t testing.TB, b []byte) *ReportDescriptor {
	t.Helper()
	d, err := ParseReportDescriptor(b)
	if err != nil {
		t.Fatalf("ParseReportDescriptor: %v", err)
	}
	return d
}

type fieldWant struct {
	off, size, count int
	flags            MainFlags
	usages           []Usage
	lmin, lmax       int32
}

func checkFields(t *testing.T, r *Report, want []fieldWant) {
	t.Helper()
	if r == nil {
		t.Fatal("report missing")
	}
	if len(r.Fields) != len(want) {
		t.Fatalf("%s report %d: %d fields, want %d", r.Type, r.ID, len(r.Fields), len(want))
	}
	for i, w := range want {
		f := r.Fields[i]
		got := fieldWant{f.BitOffset, f.BitSize, f.Count, f.Flags, f.Usages, f.LogicalMin, f.LogicalMax}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("%s report %d field %d:\n got  %+v\n want %+v", r.Type, r.ID, i, got, w)
		}
	}
}

func tel(id uint16) Usage { return NewUsage(PageTelephony, id) }

func phoneKeys(n int) []Usage {
	var us []Usage
	for i := 0; i < n; i++ {
		us = append(us, tel(uint16(0xB0+i)))
	}
	return us
}

func TestParseJabraEvolveLinkMS(t *testing.T) {
	d := mustParse(t, realDescriptor(t, "0b0e-0307"))
	if !d.Numbered {
		t.Error("Numbered = false, want true")
	}
	var got []string
	for _, r := range d.Reports {
		got = append(got, r.Type.String()+" "+string(rune('0'+r.ID)))
	}
	want := []string{"Input 1", "Input 2", "Input 4", "Input 5", "Input 8", "Output 2", "Output 4", "Output 5", "Feature 8"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("reports %q, want %q", got, want)
	}

	in2 := d.Report(Input, 2)
	checkFields(t, in2, []fieldWant{
		{0, 1, 2, Variable | NoPreferred, []Usage{UsageHookSwitch, UsageLineBusyTone}, 0, 1},
		{2, 1, 4, Variable | Relative, []Usage{UsagePhoneMute, UsageFlash, UsageRedial, tel(0x50)}, 0, 1},
		// Usage (Programmable Button) followed by Usage Page (Button):
		// the page applies at the Input item.
		{6, 1, 1, Variable, []Usage{NewUsage(PageButton, 7)}, 0, 1},
		{7, 4, 1, 0, phoneKeys(12), 0, 11},
		{11, 1, 5, Constant, nil, 0, 11},
	})
	if in2.BitLen != 16 || in2.ByteLen() != 3 {
		t.Errorf("input 2: BitLen %d ByteLen %d, want 16 and 3", in2.BitLen, in2.ByteLen())
	}
	hook := in2.Fields[0]
	if hook.Flags.IsRelative() || !hook.Flags.IsVariable() || hook.Flags.HasPreferredState() {
		t.Errorf("hook flags %v: want absolute variable without preferred state", hook.Flags)
	}
	if !in2.Fields[1].Flags.IsRelative() {
		t.Error("phone mute field is not relative")
	}
	keypad := in2.Fields[3]
	if !keypad.Flags.IsArray() || keypad.Collection.Usage != UsageTelephonyKeyPad || keypad.Collection.Type != Logical {
		t.Errorf("keypad: array %v in %v %v", keypad.Flags.IsArray(), keypad.Collection.Usage, keypad.Collection.Type)
	}
	if keypad.Application.Usage != UsageHeadset || keypad.Collection.Parent != keypad.Application {
		t.Errorf("keypad application %v, parent %p want %p", keypad.Application.Usage, keypad.Collection.Parent, keypad.Application)
	}

	checkFields(t, d.Report(Output, 2), []fieldWant{
		{0, 1, 5, Variable | NoPreferred, []Usage{UsageLEDOffHook, UsageLEDMute, UsageLEDRing, UsageLEDHold, UsageLEDMicrophone}, 0, 1},
		{5, 1, 1, Variable | NoPreferred, []Usage{UsageRinger}, 0, 1},
		{6, 1, 10, Constant, nil, 0, 1},
	})
	// The vendor mirror in report 4 has its own usage pages.
	if refs := d.FindUsage(Output, UsageLEDRing); len(refs) != 1 || refs[0].Field != d.Report(Output, 2).Fields[0] || refs[0].Index != 2 || refs[0].BitOffset() != 2 {
		t.Errorf("FindUsage(LED Ring) = %+v", refs)
	}
	checkFields(t, d.Report(Output, 5), []fieldWant{
		{0, 8, 32, Variable | BufferedBytes, []Usage{NewUsage(0xFF00, 1)}, 0, 255},
	})
	if r := d.Report(Output, 5); r.ByteLen() != 33 {
		t.Errorf("output 5 ByteLen %d, want 33", r.ByteLen())
	}

	var apps []Usage
	for _, a := range d.Applications() {
		apps = append(apps, a.Usage)
	}
	if want := []Usage{UsageHeadset, NewUsage(0xFF00, 5), UsageConsumerControl}; !reflect.DeepEqual(apps, want) {
		t.Errorf("applications %v, want %v", apps, want)
	}
	if !d.HasTelephony() {
		t.Error("HasTelephony = false")
	}
	if len(d.Items) != 163 || d.Items[162].Offset != 331 || d.Items[162].Name() != "End Collection" {
		t.Errorf("%d items, last %+v", len(d.Items), d.Items[len(d.Items)-1])
	}
}

// One hand-made descriptor per rule; each names what it checks.
func TestParseRules(t *testing.T) {
	t.Run("usage page after usages applies at the main item", func(t *testing.T) {
		d := mustParse(t, []byte{0x09, 0x20, 0x09, 0x2f, 0x05, 0x0b, 0x75, 0x01, 0x95, 0x02, 0x81, 0x02})
		checkFields(t, d.Report(Input, 0), []fieldWant{{0, 1, 2, Variable, []Usage{UsageHookSwitch, UsagePhoneMute}, 0, 0}})
	})
	t.Run("page change stops at a usage already on the page", func(t *testing.T) {
		// Consumer Volume Up, then Telephony Hook Switch, one item: as
		// Linux reads it, each keeps its own page.
		d := mustParse(t, []byte{0x05, 0x0c, 0x09, 0xe9, 0x05, 0x0b, 0x09, 0x20, 0x75, 0x01, 0x95, 0x02, 0x81, 0x02})
		checkFields(t, d.Report(Input, 0), []fieldWant{{0, 1, 2, Variable, []Usage{UsageVolumeUp, UsageHookSwitch}, 0, 0}})
	})
	t.Run("extended usages carry their own page", func(t *testing.T) {
		d := mustParse(t, []byte{0x05, 0x01, 0x0b, 0x20, 0x00, 0x0b, 0x00, 0x09, 0x30, 0x75, 0x01, 0x95, 0x02, 0x81, 0x02})
		checkFields(t, d.Report(Input, 0), []fieldWant{{0, 1, 2, Variable, []Usage{UsageHookSwitch, NewUsage(1, 0x30)}, 0, 0}})
	})
	t.Run("usage range, last usage repeats", func(t *testing.T) {
		d := mustParse(t, []byte{0x05, 0x09, 0x19, 0x01, 0x29, 0x03, 0x75, 0x01, 0x95, 0x05, 0x81, 0x02})
		f := d.Report(Input, 0).Fields[0]
		want := []Usage{NewUsage(9, 1), NewUsage(9, 2), NewUsage(9, 3)}
		if !reflect.DeepEqual(f.Usages, want) {
			t.Fatalf("usages %v, want %v", f.Usages, want)
		}
		if f.ElementUsage(4) != NewUsage(9, 3) || f.ElementUsage(-1) != 0 {
			t.Errorf("ElementUsage(4) = %v, ElementUsage(-1) = %v", f.ElementUsage(4), f.ElementUsage(-1))
		}
	})
	t.Run("variable field keeps only count usages of a huge range", func(t *testing.T) {
		d := mustParse(t, []byte{0x05, 0x09, 0x19, 0x00, 0x2a, 0xff, 0xff, 0x75, 0x01, 0x95, 0x02, 0x81, 0x02})
		if us := d.Report(Input, 0).Fields[0].Usages; !reflect.DeepEqual(us, []Usage{NewUsage(9, 0), NewUsage(9, 1)}) {
			t.Errorf("usages %v", us)
		}
	})
	t.Run("extended usage range", func(t *testing.T) {
		d := mustParse(t, []byte{0x1b, 0xb0, 0x00, 0x0b, 0x00, 0x2b, 0xb2, 0x00, 0x0b, 0x00, 0x75, 0x04, 0x95, 0x01, 0x81, 0x00})
		if us := d.Report(Input, 0).Fields[0].Usages; !reflect.DeepEqual(us, phoneKeys(3)) {
			t.Errorf("usages %v", us)
		}
	})
	t.Run("locals reset after each main item", func(t *testing.T) {
		d := mustParse(t, []byte{0x05, 0x0b, 0x09, 0x20, 0x75, 0x01, 0x95, 0x01, 0x81, 0x02, 0x81, 0x02})
		checkFields(t, d.Report(Input, 0), []fieldWant{
			{0, 1, 1, Variable, []Usage{UsageHookSwitch}, 0, 0},
			{1, 1, 1, Variable, nil, 0, 0},
		})
	})
	t.Run("delimiter keeps the first usage of a set", func(t *testing.T) {
		d := mustParse(t, []byte{0x05, 0x0b, 0xa9, 0x01, 0x09, 0x20, 0x09, 0x21, 0x19, 0x01, 0x29, 0x02, 0xa9, 0x00, 0x09, 0x2f, 0x75, 0x01, 0x95, 0x02, 0x81, 0x02})
		checkFields(t, d.Report(Input, 0), []fieldWant{{0, 1, 2, Variable, []Usage{UsageHookSwitch, UsagePhoneMute}, 0, 0}})
	})
	t.Run("delimiter set starting with a range", func(t *testing.T) {
		d := mustParse(t, []byte{0x05, 0x0b, 0xa9, 0x01, 0x19, 0xb0, 0x29, 0xb1, 0x09, 0x20, 0xa9, 0x00, 0x75, 0x04, 0x95, 0x01, 0x81, 0x00})
		checkFields(t, d.Report(Input, 0), []fieldWant{{0, 4, 1, 0, phoneKeys(2), 0, 0}})
	})
	t.Run("push and pop", func(t *testing.T) {
		d := mustParse(t, []byte{
			0x05, 0x0b, 0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x01, 0x85, 0x01,
			0xa4, // push
			0x05, 0x08, 0x15, 0x81, 0x25, 0x7f, 0x75, 0x08, 0x85, 0x02,
			0x09, 0x09, 0x81, 0x02,
			0xb4, // pop
			0x09, 0x20, 0x81, 0x02,
		})
		checkFields(t, d.Report(Input, 2), []fieldWant{{0, 8, 1, Variable, []Usage{UsageLEDMute}, -127, 127}})
		checkFields(t, d.Report(Input, 1), []fieldWant{{0, 1, 1, Variable, []Usage{UsageHookSwitch}, 0, 1}})
	})
	t.Run("report ids keep separate bit offsets", func(t *testing.T) {
		d := mustParse(t, []byte{
			0x75, 0x04, 0x95, 0x01,
			0x85, 0x01, 0x81, 0x02, 0x91, 0x02,
			0x85, 0x02, 0x81, 0x02,
			0x85, 0x01, 0x81, 0x02, 0xb1, 0x02,
		})
		if !d.Numbered {
			t.Fatal("not numbered")
		}
		checkFields(t, d.Report(Input, 1), []fieldWant{{0, 4, 1, Variable, nil, 0, 0}, {4, 4, 1, Variable, nil, 0, 0}})
		checkFields(t, d.Report(Input, 2), []fieldWant{{0, 4, 1, Variable, nil, 0, 0}})
		checkFields(t, d.Report(Output, 1), []fieldWant{{0, 4, 1, Variable, nil, 0, 0}})
		checkFields(t, d.Report(Feature, 1), []fieldWant{{0, 4, 1, Variable, nil, 0, 0}})
		if n := d.Report(Input, 1).ByteLen(); n != 2 {
			t.Errorf("ByteLen %d, want 2 (id + 1 byte)", n)
		}
		if d.Report(Output, 2) != nil {
			t.Error("Report(Output, 2) exists")
		}
	})
	t.Run("unnumbered report has no id byte", func(t *testing.T) {
		d := mustParse(t, []byte{0x75, 0x03, 0x95, 0x03, 0x81, 0x02})
		if r := d.Report(Input, 0); d.Numbered || r.BitLen != 9 || r.ByteLen() != 2 {
			t.Errorf("numbered %v BitLen %d ByteLen %d", d.Numbered, r.BitLen, r.ByteLen())
		}
	})
	t.Run("zero sized fields declare nothing", func(t *testing.T) {
		d := mustParse(t, []byte{0x75, 0x00, 0x95, 0x03, 0x81, 0x02, 0x75, 0x08, 0x95, 0x00, 0x81, 0x02})
		if len(d.Reports) != 0 {
			t.Errorf("%d reports", len(d.Reports))
		}
	})
	t.Run("padding wider than 32 bits", func(t *testing.T) {
		d := mustParse(t, []byte{0x75, 0x40, 0x95, 0x01, 0x81, 0x03, 0x75, 0x01, 0x81, 0x02})
		checkFields(t, d.Report(Input, 0), []fieldWant{{0, 64, 1, Constant | Variable, nil, 0, 0}, {64, 1, 1, Variable, nil, 0, 0}})
	})
	t.Run("report of exactly the maximum size", func(t *testing.T) {
		d := mustParse(t, []byte{0x75, 0x08, 0x96, 0x00, 0x10, 0x82, 0x02, 0x01})
		if n := d.Report(Input, 0).ByteLen(); n != MaxReportBytes {
			t.Errorf("ByteLen %d", n)
		}
	})
}

func TestParseNumbers(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		items                  []byte
		lmin, lmax, pmin, pmax int32
		unit                   uint32
		exp                    int8
	}{
		{"signed byte range", []byte{0x15, 0x81, 0x25, 0x7f}, -127, 127, 0, 0, 0, 0},
		{"unsigned max of its own size", []byte{0x15, 0x00, 0x25, 0xff}, 0, 255, 0, 0, 0, 0},
		{"unsigned 16-bit max", []byte{0x15, 0x01, 0x26, 0xff, 0xff}, 1, 65535, 0, 0, 0, 0},
		{"signed when the minimum is negative", []byte{0x15, 0xff, 0x25, 0xff}, -1, -1, 0, 0, 0, 0},
		{"signed 16-bit range", []byte{0x16, 0x00, 0x80, 0x26, 0xff, 0x7f}, -32768, 32767, 0, 0, 0, 0},
		{"32-bit range", []byte{0x17, 0x00, 0x00, 0x00, 0x80, 0x27, 0xff, 0xff, 0xff, 0x7f}, -2147483648, 2147483647, 0, 0, 0, 0},
		{"physical range", []byte{0x35, 0xf6, 0x46, 0x10, 0x27}, 0, 0, -10, 10000, 0, 0},
		{"physical unsigned", []byte{0x35, 0x00, 0x45, 0xc8}, 0, 0, 0, 200, 0, 0},
		{"unit and nibble exponent", []byte{0x66, 0x01, 0x10, 0x55, 0x0e}, 0, 0, 0, 0, 0x1001, -2},
		{"exponent as a signed byte", []byte{0x55, 0xfd}, 0, 0, 0, 0, 0, -3},
		{"positive exponent", []byte{0x55, 0x03}, 0, 0, 0, 0, 0, 3},
		{"empty data is zero", []byte{0x14, 0x24}, 0, 0, 0, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := append(append([]byte{}, tc.items...), 0x75, 0x08, 0x95, 0x01, 0x81, 0x02)
			f := mustParse(t, b).Report(Input, 0).Fields[0]
			got := []any{f.LogicalMin, f.LogicalMax, f.PhysicalMin, f.PhysicalMax, f.Unit, f.UnitExponent}
			want := []any{tc.lmin, tc.lmax, tc.pmin, tc.pmax, tc.unit, tc.exp}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestParseCollections(t *testing.T) {
	// Every collection type, nested, with a field at each level.
	var b []byte
	for ct := byte(0); ct <= 6; ct++ {
		b = append(b, 0x09, 0x10+ct, 0xa1, ct)
	}
	b = append(b, 0xa1, 0x80) // vendor type, no usage
	b = append(b, 0x75, 0x01, 0x95, 0x01, 0x81, 0x02)
	for i := 0; i < 8; i++ {
		b = append(b, 0xc0)
	}
	b = append([]byte{0x05, 0x0b}, b...)
	d := mustParse(t, b)
	if len(d.Collections) != 1 {
		t.Fatalf("%d top-level collections", len(d.Collections))
	}
	var types []CollectionType
	var usages []Usage
	c := d.Collections[0]
	for {
		types = append(types, c.Type)
		usages = append(usages, c.Usage)
		if len(c.Children) == 0 {
			break
		}
		if c.Children[0].Parent != c {
			t.Fatal("child's Parent is not its parent")
		}
		c = c.Children[0]
	}
	wantTypes := []CollectionType{Physical, Application, Logical, ReportColl, NamedArray, UsageSwitch, UsageModifier, 0x80}
	if !reflect.DeepEqual(types, wantTypes) {
		t.Errorf("types %v, want %v", types, wantTypes)
	}
	wantUsages := []Usage{tel(0x10), tel(0x11), tel(0x12), tel(0x13), tel(0x14), tel(0x15), tel(0x16), 0}
	if !reflect.DeepEqual(usages, wantUsages) {
		t.Errorf("usages %v, want %v", usages, wantUsages)
	}
	f := d.Report(Input, 0).Fields[0]
	if f.Collection != c || f.Application.Usage != tel(0x11) || len(c.Fields) != 1 || c.Depth() != 7 {
		t.Errorf("field collection %p (want %p), application %v, depth %d", f.Collection, c, f.Application.Usage, c.Depth())
	}
	if apps := d.Applications(); len(apps) != 1 || d.HasTelephony() != true {
		t.Errorf("applications %d, telephony %v", len(apps), d.HasTelephony())
	}
	names := []string{"Physical", "Application", "Logical", "Report", "Named Array", "Usage Switch", "Usage Modifier", "Vendor Defined 0x80"}
	for i, ct := range wantTypes {
		if ct.String() != names[i] {
			t.Errorf("%d.String() = %q, want %q", ct, ct.String(), names[i])
		}
	}
	if s := CollectionType(7).String(); s != "Reserved 0x07" {
		t.Errorf("CollectionType(7) = %q", s)
	}
}

func TestParseItems(t *testing.T) {
	b := []byte{
		0x05, 0x0b, // Usage Page
		0x09, 0x05, // Usage
		0xa1, 0x01, // Collection
		0x85, 0x02, // Report ID
		0x15, 0xff, 0x25, 0x01, 0x35, 0x00, 0x45, 0x0a, // Logical, Physical
		0x55, 0x0e, 0x65, 0x11, // Unit Exponent, Unit
		0x75, 0x01, 0x95, 0x02, // Size, Count
		0xa4, 0xb4, // Push, Pop
		0x19, 0x20, 0x29, 0x21, // Usage Min/Max
		0x39, 0x01, 0x49, 0x02, 0x59, 0x03, // Designator Index/Min/Max
		0x79, 0x04, 0x89, 0x05, 0x99, 0x06, // String Index/Min/Max
		0xa9, 0x01, 0x09, 0x2f, 0xa9, 0x00, // Delimiters
		0x81, 0x06, // Input
		0xfe, 0x02, 0x42, 0xaa, 0xbb, // Long item
		0x91, 0x22, 0xb2, 0x02, 0x01, // Output, Feature (2-byte data)
		0xf4,                         // reserved global tag
		0xc0,                         // End Collection
		0x0b, 0x20, 0x00, 0x0b, 0x00, // extended Usage outside a collection
		0xd0,       // reserved main tag
		0x2d, 0x01, // reserved item type
		0xb9, 0x07, // reserved local tag
	}
	d := mustParse(t, b)
	var got []string
	for _, it := range d.Items {
		got = append(got, strings.Repeat(" ", it.Depth)+it.Hex()+" "+it.String())
	}
	want := []string{
		"05 0b Usage Page (Telephony)",
		"09 05 Usage (Headset)",
		"a1 01 Collection (Application)",
		" 85 02 Report ID (2)",
		" 15 ff Logical Minimum (-1)",
		" 25 01 Logical Maximum (1)",
		" 35 00 Physical Minimum (0)",
		" 45 0a Physical Maximum (10)",
		" 55 0e Unit Exponent (-2)",
		" 65 11 Unit (0x11)",
		" 75 01 Report Size (1)",
		" 95 02 Report Count (2)",
		" a4 Push",
		" b4 Pop",
		" 19 20 Usage Minimum (Hook Switch)",
		" 29 21 Usage Maximum (Flash)",
		" 39 01 Designator Index (1)",
		" 49 02 Designator Minimum (2)",
		" 59 03 Designator Maximum (3)",
		" 79 04 String Index (4)",
		" 89 05 String Minimum (5)",
		" 99 06 String Maximum (6)",
		" a9 01 Delimiter (Open)",
		" 09 2f Usage (Phone Mute)",
		" a9 00 Delimiter (Close)",
		" 81 06 Input (Data,Variable,Relative)",
		" fe 02 42 aa bb Long Item (tag 0x42, 2 bytes)",
		" 91 22 Output (Data,Variable,Absolute,No Preferred State)",
		" b2 02 01 Feature (Data,Variable,Absolute,Buffered Bytes)",
		" f4 Reserved Global 0xf",
		"c0 End Collection",
		"0b 20 00 0b 00 Usage (Telephony.Hook Switch)",
		"d0 Reserved Main 0xd",
		"2d 01 Reserved Item 0x2 (0x1)",
		"b9 07 Reserved Local 0xb (0x7)",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("items:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if it := d.Items[26]; it.Type != LongItem || it.Tag != 0x42 || !bytes.Equal(it.Data, []byte{0xaa, 0xbb}) || it.Offset != 50 {
		t.Errorf("long item %+v", it)
	}
	// The field after all that: range then delimited usage.
	checkFields(t, d.Report(Input, 2), []fieldWant{{0, 1, 2, Variable | Relative, []Usage{UsageHookSwitch, UsageFlash}, -1, 1}})
	// The result does not alias the input.
	b[1] = 0x0c
	if d.Items[0].Uint() != 0x0b {
		t.Error("items alias the input")
	}
}

func TestParseErrors(t *testing.T) {
	rep := func(b []byte, n int) []byte {
		var out []byte
		for i := 0; i < n; i++ {
			out = append(out, b...)
		}
		return out
	}
	field := []byte{0x75, 0x08, 0x95, 0x01}
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"truncated short item", []byte{0x05, 0x0b, 0x26, 0xff}, "hid: offset 2: truncated item: prefix 0x26 wants 2 data bytes, 1 left"},
		{"truncated 4-byte item", []byte{0x07, 0x01}, "hid: offset 0: truncated item: prefix 0x07 wants 4 data bytes, 1 left"},
		{"truncated long item header", []byte{0xfe, 0x01}, "hid: offset 0: truncated long item header"},
		{"truncated long item data", []byte{0xfe, 0x05, 0x00, 0x01}, "hid: offset 0: truncated long item: 5 data bytes, 1 left"},
		{"pop without push", []byte{0x05, 0x0b, 0xa4, 0xb4, 0xb4}, "hid: offset 4: pop without push"},
		{"push too deep", rep([]byte{0xa4}, MaxPushDepth+1), "hid: offset 16: push deeper than 16"},
		{"end collection without collection", []byte{0xa1, 0x01, 0xc0, 0xc0}, "hid: offset 3: end collection without collection"},
		{"unclosed collection", []byte{0xa1, 0x01, 0xa1, 0x02, 0xc0}, "hid: offset 5: 1 unclosed collection(s), innermost opened at offset 0"},
		{"collections too deep", rep([]byte{0xa1, 0x00}, MaxCollectionDepth+1), "hid: offset 128: collections nested deeper than 64"},
		{"collection type over 8 bits", []byte{0xa2, 0x00, 0x01}, "hid: offset 0: collection type 0x100 over 8 bits"},
		{"report id 0", []byte{0x85, 0x00}, "hid: offset 0: report id 0 outside 1-255"},
		{"report id over 255", []byte{0x86, 0x00, 0x01}, "hid: offset 0: report id 256 outside 1-255"},
		{"usage page over 16 bits", []byte{0x07, 0x00, 0x00, 0x01, 0x00}, "hid: offset 0: usage page 0x10000 over 16 bits"},
		{"absurd report size", []byte{0x77, 0x01, 0x00, 0x01, 0x00}, "hid: offset 0: report size 65537 over the 4096-byte report limit"},
		{"absurd report count", []byte{0x97, 0xff, 0xff, 0xff, 0xff}, "hid: offset 0: report count 4294967295 over the 4096-byte report limit"},
		{"data element over 32 bits", []byte{0x75, 0x21, 0x95, 0x01, 0x81, 0x02}, "hid: offset 4: report size 33 over 32 bits for a data field"},
		{"report over the limit", []byte{0x75, 0x08, 0x96, 0x00, 0x10, 0x81, 0x03, 0x75, 0x01, 0x95, 0x01, 0x81, 0x03}, "hid: offset 11: Input report 0 longer than 4096 bytes"},
		{"output report over the limit", []byte{0x85, 0x07, 0x75, 0x20, 0x96, 0x01, 0x04, 0x91, 0x02}, "hid: offset 7: Output report 7 longer than 4096 bytes"},
		{"reports over the total limit", append([]byte{0x75, 0x08, 0x96, 0x00, 0x10}, func() (b []byte) {
			for id := byte(1); id <= 17; id++ {
				b = append(b, 0x85, id, 0x81, 0x03)
			}
			return b
		}()...), "hid: offset 71: reports total more than 65536 bytes"},
		{"usage maximum without minimum", []byte{0x29, 0x05}, "hid: offset 0: usage maximum without usage minimum"},
		{"usage minimum without maximum", append([]byte{0x19, 0x01}, append(field, 0x81, 0x02)...), "hid: offset 0: usage minimum without usage maximum"},
		{"usage maximum below minimum", []byte{0x19, 0x05, 0x29, 0x04}, "hid: offset 2: usage maximum 0x4 below minimum 0x5"},
		{"usage range across pages", []byte{0x1b, 0x01, 0x00, 0x09, 0x00, 0x2b, 0x05, 0x00, 0x0b, 0x00}, "hid: offset 5: usage range crosses pages 0x0009 and 0x000b"},
		{"nested delimiter", []byte{0xa9, 0x01, 0xa9, 0x01}, "hid: offset 2: nested delimiter"},
		{"delimiter close without open", []byte{0xa9, 0x00}, "hid: offset 0: delimiter close without open"},
		{"delimiter data", []byte{0xa9, 0x02}, "hid: offset 0: delimiter data 2, want 0 or 1"},
		{"main item in a delimiter set", append([]byte{0xa9, 0x01, 0x09, 0x01}, append(field, 0x81, 0x02)...), "hid: offset 8: Input inside a delimiter set"},
		{"array selecting too many usages", append([]byte{0x19, 0x00, 0x2a, 0xff, 0xff, 0x19, 0x00, 0x29, 0x00}, append(field, 0x81, 0x00)...), "hid: offset 13: array field selects more than 65536 usages"},
		{"too many usages in all", append(rep(append([]byte{0x19, 0x00, 0x2a, 0xff, 0xff}, append(field, 0x81, 0x00)...), 5)[:4*11], append([]byte{0x19, 0x00, 0x2a, 0xff, 0xff}, append(field, 0x81, 0x00)...)...), "hid: offset 53: more than 262144 usages in the descriptor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseReportDescriptor(tc.in)
			if err == nil {
				t.Fatalf("no error; %d reports", len(d.Reports))
			}
			if err.Error() != tc.want {
				t.Errorf("error %q\n want %q", err, tc.want)
			}
			if !errors.Is(err, ErrInvalidDescriptor) {
				t.Error("error does not wrap ErrInvalidDescriptor")
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Error("error is not a *ParseError")
			}
		})
	}
}

func TestParseEmpty(t *testing.T) {
	d := mustParse(t, nil)
	if len(d.Reports) != 0 || len(d.Items) != 0 || d.HasTelephony() || d.Numbered {
		t.Errorf("%+v", d)
	}
}

func TestUsageNames(t *testing.T) {
	for _, tc := range []struct {
		u    Usage
		want string
	}{
		{UsageHookSwitch, "Telephony.Hook Switch"},
		{UsagePhoneKeyPound, "Telephony.Phone Key Pound"},
		{UsageLEDOffHook, "LED.Off-Hook"},
		{UsageVolumeDown, "Consumer.Volume Decrement"},
		{NewUsage(PageButton, 3), "Button.Button 3"},
		{NewUsage(PageButton, 0), "Button.No Button Pressed"},
		{NewUsage(PageOrdinal, 2), "Ordinal.Instance 2"},
		{NewUsage(PageKeyboard, 0x04), "Keyboard/Keypad.Keyboard a"},
		{NewUsage(PageKeyboard, 0x27), "Keyboard/Keypad.Keyboard 0"},
		{NewUsage(PageKeyboard, 0x3a), "Keyboard/Keypad.F1"},
		{NewUsage(PageKeyboard, 0x99), "Keyboard/Keypad.0x0099"},
		{NewUsage(0xff30, 0x20), "Vendor Defined 0xff30.0x0020"},
		{NewUsage(0x13, 1), "0x0013.0x0001"},
		{NewUsage(1, 0x30), "Generic Desktop.X"},
	} {
		if got := tc.u.String(); got != tc.want {
			t.Errorf("%08x: %q, want %q", uint32(tc.u), got, tc.want)
		}
	}
	if u := NewUsage(0x0b, 0x20); u.Page() != 0x0b || u.ID() != 0x20 || u != 0x000b0020 {
		t.Errorf("NewUsage = %08x", uint32(u))
	}
}

func TestFlagsAndTypes(t *testing.T) {
	for _, tc := range []struct {
		f    MainFlags
		want string
	}{
		{0, "Data,Array,Absolute"},
		{Constant | Variable, "Constant,Variable,Absolute"},
		{0x1ff, "Constant,Variable,Relative,Wrap,Non Linear,No Preferred State,Null State,Volatile,Buffered Bytes"},
		{0x400, "Data,Array,Absolute,0x400"},
	} {
		if got := tc.f.String(); got != tc.want {
			t.Errorf("%#x: %q, want %q", uint32(tc.f), got, tc.want)
		}
	}
	all := MainFlags(0x1ff)
	if !all.IsConstant() || !all.IsVariable() || all.IsArray() || !all.IsRelative() || !all.IsWrap() || !all.IsNonLinear() ||
		all.HasPreferredState() || !all.HasNull() || !all.IsVolatile() || !all.IsBufferedBytes() {
		t.Error("predicates on all flags")
	}
	none := MainFlags(0)
	if none.IsConstant() || none.IsVariable() || !none.IsArray() || none.IsRelative() || none.IsWrap() || none.IsNonLinear() ||
		!none.HasPreferredState() || none.HasNull() || none.IsVolatile() || none.IsBufferedBytes() {
		t.Error("predicates on no flags")
	}
	if got := []string{Input.String(), Output.String(), Feature.String(), ReportType(9).String()}; !reflect.DeepEqual(got, []string{"Input", "Output", "Feature", "ReportType(9)"}) {
		t.Errorf("report type names %q", got)
	}
}

// Every real descriptor parses; layouts stay within their limits and
// fields tile their report without overlap.
func TestParseRealDescriptors(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "hid", "*.rdesc"))
	if len(files) < 8 {
		t.Fatalf("found %d descriptors, want 8", len(files))
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".rdesc")
		t.Run(name, func(t *testing.T) {
			d := mustParse(t, realDescriptor(t, name))
			checkLayout(t, d)
			if !d.HasTelephony() {
				t.Error("no telephony application")
			}
		})
	}
}

func checkLayout(t testing.TB, d *ReportDescriptor) {
	t.Helper()
	for i, r := range d.Reports {
		if i > 0 {
			p := d.Reports[i-1]
			if p.Type > r.Type || (p.Type == r.Type && p.ID >= r.ID) {
				t.Errorf("reports out of order: %s %d before %s %d", p.Type, p.ID, r.Type, r.ID)
			}
		}
		at := 0
		for _, f := range r.Fields {
			if f.BitOffset != at || f.Type != r.Type || f.ReportID != r.ID {
				t.Errorf("%s report %d: field at %d, want %d", r.Type, r.ID, f.BitOffset, at)
			}
			at += f.BitLen()
		}
		if at != r.BitLen || r.BitLen > 8*MaxReportBytes {
			t.Errorf("%s report %d: fields end at %d, BitLen %d", r.Type, r.ID, at, r.BitLen)
		}
	}
}

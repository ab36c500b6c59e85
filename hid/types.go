package hid

import (
	"fmt"
	"strings"
)

// ReportType is the kind of a report: what the device sends (Input), what
// the host sends (Output), or configuration both read and write (Feature).
// The values are those of the Input/Output/Feature report types in
// HID 1.11 section 7.2.1 (Get_Report/Set_Report wValue high byte).
type ReportType uint8

// Report types.
const (
	Input   ReportType = 1
	Output  ReportType = 2
	Feature ReportType = 3
)

func (t ReportType) String() string {
	switch t {
	case Input:
		return "Input"
	case Output:
		return "Output"
	case Feature:
		return "Feature"
	}
	return fmt.Sprintf("ReportType(%d)", uint8(t))
}

// Usage is a complete (extended) usage: the usage page in the high 16 bits
// and the usage ID in the low 16 bits, as in HID 1.11 section 6.2.2.8.
type Usage uint32

// NewUsage builds a usage from its page and ID.
func NewUsage(page, id uint16) Usage { return Usage(uint32(page)<<16 | uint32(id)) }

// Page returns the usage page.
func (u Usage) Page() uint16 { return uint16(u >> 16) }

// ID returns the usage ID within its page.
func (u Usage) ID() uint16 { return uint16(u) }

// String names the usage: "Telephony.Hook Switch", or hex numbers for
// usages the tables do not know.
func (u Usage) String() string {
	return PageName(u.Page()) + "." + UsageName(u)
}

// MainFlags holds the data bits of an Input, Output or Feature item
// (HID 1.11 section 6.2.2.5). A zero bit is the first alternative of each
// pair: Data, Array, Absolute, No Wrap, Linear, Preferred State, No Null
// Position, Non Volatile, Bit Field.
type MainFlags uint32

// Main item data bits.
const (
	Constant      MainFlags = 1 << 0
	Variable      MainFlags = 1 << 1
	Relative      MainFlags = 1 << 2
	Wrap          MainFlags = 1 << 3
	NonLinear     MainFlags = 1 << 4
	NoPreferred   MainFlags = 1 << 5
	NullState     MainFlags = 1 << 6
	Volatile      MainFlags = 1 << 7 // Output and Feature items only
	BufferedBytes MainFlags = 1 << 8
)

// IsConstant reports a constant (padding or read-only) field.
func (f MainFlags) IsConstant() bool { return f&Constant != 0 }

// IsVariable reports a field with one element per usage.
func (f MainFlags) IsVariable() bool { return f&Variable != 0 }

// IsArray reports a field whose elements hold indexes of usages that are
// currently asserted (keys pressed), the alternative to IsVariable.
func (f MainFlags) IsArray() bool { return f&Variable == 0 }

// IsRelative reports a field whose values are changes (a button that
// reports a press to be toggled, a wheel) rather than states.
func (f MainFlags) IsRelative() bool { return f&Relative != 0 }

// IsWrap reports a value that rolls over at its extremes.
func (f MainFlags) IsWrap() bool { return f&Wrap != 0 }

// IsNonLinear reports a value not linearly related to what it measures.
func (f MainFlags) IsNonLinear() bool { return f&NonLinear != 0 }

// HasPreferredState reports a control that returns to a rest state when
// released (a push button), the opposite of the No Preferred bit.
func (f MainFlags) HasPreferredState() bool { return f&NoPreferred == 0 }

// HasNull reports a field whose out-of-range values mean "no data".
func (f MainFlags) HasNull() bool { return f&NullState != 0 }

// IsVolatile reports an output or feature value the device may change
// by itself.
func (f MainFlags) IsVolatile() bool { return f&Volatile != 0 }

// IsBufferedBytes reports a field that is a byte stream rather than
// numbers.
func (f MainFlags) IsBufferedBytes() bool { return f&BufferedBytes != 0 }

var flagNames = [...][2]string{
	{"Data", "Constant"},
	{"Array", "Variable"},
	{"Absolute", "Relative"},
	{"No Wrap", "Wrap"},
	{"Linear", "Non Linear"},
	{"Preferred State", "No Preferred State"},
	{"No Null Position", "Null State"},
	{"Non Volatile", "Volatile"},
	{"Bit Field", "Buffered Bytes"},
}

// String lists the flags the way hid-decode does: "Data,Var,Abs" style
// but with the spec's full words, omitting the defaults past Absolute.
func (f MainFlags) String() string {
	var parts []string
	for i, n := range flagNames {
		on := f&(1<<i) != 0
		if i < 3 || on {
			parts = append(parts, n[b2i(on)])
		}
	}
	if rest := f &^ (1<<len(flagNames) - 1); rest != 0 {
		parts = append(parts, fmt.Sprintf("0x%x", uint32(rest)))
	}
	return strings.Join(parts, ",")
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CollectionType is the data of a Collection item (HID 1.11 section
// 6.2.2.6).
type CollectionType uint8

// Collection types. 0x07-0x7F are reserved, 0x80-0xFF vendor defined.
const (
	Physical      CollectionType = 0
	Application   CollectionType = 1
	Logical       CollectionType = 2
	ReportColl    CollectionType = 3
	NamedArray    CollectionType = 4
	UsageSwitch   CollectionType = 5
	UsageModifier CollectionType = 6
)

func (t CollectionType) String() string {
	switch t {
	case Physical:
		return "Physical"
	case Application:
		return "Application"
	case Logical:
		return "Logical"
	case ReportColl:
		return "Report"
	case NamedArray:
		return "Named Array"
	case UsageSwitch:
		return "Usage Switch"
	case UsageModifier:
		return "Usage Modifier"
	}
	if t >= 0x80 {
		return fmt.Sprintf("Vendor Defined 0x%02x", uint8(t))
	}
	return fmt.Sprintf("Reserved 0x%02x", uint8(t))
}

// Collection groups fields and other collections under a usage. An
// Application collection is what an operating system treats as one device
// function (a keyboard, a telephone handset).
type Collection struct {
	Type     CollectionType
	Usage    Usage // first usage declared before the Collection item, 0 if none
	Parent   *Collection
	Children []*Collection
	// Fields holds the fields declared directly in this collection, in
	// descriptor order (not those of child collections).
	Fields []*Field
	// Offset is the byte offset of the Collection item.
	Offset int
}

// Depth returns the nesting level: 0 for a top-level collection.
func (c *Collection) Depth() int {
	d := 0
	for p := c.Parent; p != nil; p = p.Parent {
		d++
	}
	return d
}

// Field is what one Input, Output or Feature item declares: Count elements
// of BitSize bits each, laid out one after the other from BitOffset.
type Field struct {
	Type     ReportType
	ReportID uint8 // 0 when the descriptor has no report IDs
	// BitOffset counts from the first bit after the report ID byte; element
	// i starts at BitOffset + i*BitSize. Bits are numbered from bit 0 of
	// byte 0, little endian (HID 1.11 section 5.8).
	BitOffset int
	BitSize   int
	Count     int
	Flags     MainFlags
	// Usages of a variable field: Usages[i] names element i; when there are
	// fewer usages than elements, the last one repeats (see ElementUsage).
	// Usages of an array field: the usages an element can select,
	// Usages[v-LogicalMin] for logical value v.
	Usages                 []Usage
	LogicalMin, LogicalMax int32
	// PhysicalMin and PhysicalMax are as declared; when both are 0 the
	// physical range equals the logical one (HID 1.11 section 6.2.2.7).
	PhysicalMin, PhysicalMax int32
	Unit                     uint32 // HID 1.11 section 6.2.2.7 nibble code, 0 = none
	UnitExponent             int8
	// Collection is the innermost collection the field is declared in;
	// Application the enclosing Application collection. Either is nil for
	// a field declared outside any collection.
	Collection  *Collection
	Application *Collection
	// Offset is the byte offset of the main item that declared the field.
	Offset int
}

// ElementUsage returns the usage of element i of a variable field (the last
// usage repeats for elements past the list), or 0 when there is none.
func (f *Field) ElementUsage(i int) Usage {
	if len(f.Usages) == 0 || i < 0 {
		return 0
	}
	if i >= len(f.Usages) {
		return f.Usages[len(f.Usages)-1]
	}
	return f.Usages[i]
}

// Signed reports whether elements hold two's complement numbers, which
// HID 1.11 signals by a negative Logical Minimum.
func (f *Field) Signed() bool { return f.LogicalMin < 0 }

// BitLen is the number of bits the field occupies.
func (f *Field) BitLen() int { return f.BitSize * f.Count }

// Report is the layout of one report: the fields of one type and ID in
// the order they appear on the wire.
type Report struct {
	Type   ReportType
	ID     uint8
	Fields []*Field
	BitLen int  // payload bits, without the report ID byte
	idByte bool // the descriptor is numbered, so the report starts with ID
}

// ByteLen returns the length of the report on the wire, including the
// report ID byte when the descriptor uses report IDs.
func (r *Report) ByteLen() int {
	n := (r.BitLen + 7) / 8
	if r.idByte {
		n++
	}
	return n
}

// FieldRef points at one usage inside a field. For a variable field, Index
// is the element index. For an array field, Index is the position in
// Field.Usages, the usage selected by logical value LogicalMin+Index.
type FieldRef struct {
	Field *Field
	Index int
}

// Usage returns the usage the reference points at.
func (r FieldRef) Usage() Usage {
	if r.Field == nil {
		return 0
	}
	if r.Field.Flags.IsArray() {
		if r.Index < 0 || r.Index >= len(r.Field.Usages) {
			return 0
		}
		return r.Field.Usages[r.Index]
	}
	return r.Field.ElementUsage(r.Index)
}

// BitOffset returns where the referenced element starts in the report
// (after the ID byte). For an array field that is the first element, since
// any element may hold the usage.
func (r FieldRef) BitOffset() int {
	if r.Field.Flags.IsArray() {
		return r.Field.BitOffset
	}
	return r.Field.BitOffset + r.Index*r.Field.BitSize
}

// ReportDescriptor is a parsed report descriptor.
type ReportDescriptor struct {
	// Reports lists every report, sorted by type and then ID.
	Reports []*Report
	// Collections holds the top-level collections in descriptor order.
	Collections []*Collection
	// Items lists every item with its byte offset, for display.
	Items []Item
	// Numbered is true when the descriptor declares report IDs: every
	// report then starts with its ID byte.
	Numbered bool
}

// Report returns the report of type t with the given ID (0 when the
// descriptor is not numbered), or nil.
func (d *ReportDescriptor) Report(t ReportType, id uint8) *Report {
	for _, r := range d.Reports {
		if r.Type == t && r.ID == id {
			return r
		}
	}
	return nil
}

// FindUsage returns every place a usage appears in reports of type t, in
// report order: each element of a variable field named u, and each array
// field that can select u.
func (d *ReportDescriptor) FindUsage(t ReportType, u Usage) []FieldRef {
	var refs []FieldRef
	for _, r := range d.Reports {
		if r.Type != t {
			continue
		}
		for _, f := range r.Fields {
			if f.Flags.IsConstant() && len(f.Usages) == 0 {
				continue
			}
			if f.Flags.IsArray() {
				for i, fu := range f.Usages {
					if fu == u {
						refs = append(refs, FieldRef{f, i})
						break
					}
				}
				continue
			}
			n := min(f.Count, len(f.Usages))
			for i := 0; i < n; i++ {
				if f.Usages[i] == u {
					refs = append(refs, FieldRef{f, i})
				}
			}
			// Elements past the usage list repeat the last usage.
			if n > 0 && f.Usages[n-1] == u {
				for i := n; i < f.Count; i++ {
					refs = append(refs, FieldRef{f, i})
				}
			}
		}
	}
	return refs
}

// Applications returns every Application collection, at any depth, in
// descriptor order.
func (d *ReportDescriptor) Applications() []*Collection {
	var apps []*Collection
	var walk func([]*Collection)
	walk = func(cs []*Collection) {
		for _, c := range cs {
			if c.Type == Application {
				apps = append(apps, c)
			}
			walk(c.Children)
		}
	}
	walk(d.Collections)
	return apps
}

// HasTelephony reports whether the descriptor has an Application
// collection on the Telephony page (0x0B): a phone, handset or headset the
// generic telephony driver can handle.
func (d *ReportDescriptor) HasTelephony() bool {
	for _, a := range d.Applications() {
		if a.Usage.Page() == PageTelephony {
			return true
		}
	}
	return false
}

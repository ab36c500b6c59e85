package hid

import (
	"errors"
	"fmt"
	"sync"
)

// Codec errors callers branch on.
var (
	// ErrShortReport: the raw report is shorter than its layout.
	ErrShortReport = errors.New("hid: short report")
	// ErrUnknownReport: no report of that type has the ID the raw report
	// carries.
	ErrUnknownReport = errors.New("hid: unknown report id")
	// ErrOutOfRange: the value is outside the field's logical range or
	// does not fit its bits, or the index is outside the field.
	ErrOutOfRange = errors.New("hid: value out of range")
	// ErrNotWritable: the field is an input or constant field, or not of
	// the report type asked for.
	ErrNotWritable = errors.New("hid: field not writable")
	// ErrNoUsage: no field of the report type carries the usage.
	ErrNoUsage = errors.New("hid: usage not found")
)

// Value is one decoded element of an input report.
type Value struct {
	Field *Field
	Index int // element index within the field
	// Usage names the element. For an array field it is the usage the
	// element selects, or 0 when it selects none (a value outside the
	// logical range, or a usage with ID 0, which the usage tables reserve
	// for "no event").
	Usage Usage
	// Value is the logical value, sign extended when the field is signed
	// (Logical Minimum below zero).
	Value int32
	// Null is set when the value lies outside the logical range: "no data"
	// for a variable field with the Null State flag, "no usage" for an
	// array element.
	Null bool
}

// Decoder decodes input reports. It only reads the descriptor, so one
// Decoder may be used from several goroutines.
type Decoder struct {
	numbered bool
	inputs   [256]*Report
	max      int
}

// NewDecoder returns a decoder for the input reports of d.
func NewDecoder(d *ReportDescriptor) *Decoder {
	dec := &Decoder{numbered: d.Numbered}
	for _, r := range d.Reports {
		if r.Type != Input {
			continue
		}
		dec.inputs[r.ID] = r
		n := 0
		for _, f := range r.Fields {
			if decodable(f) {
				n += f.Count
			}
		}
		dec.max = max(dec.max, n)
	}
	return dec
}

// MaxValues returns how many values the largest input report decodes to:
// a dst of that capacity makes Decode allocation free.
func (dec *Decoder) MaxValues() int { return dec.max }

// decodable: constant fields are padding, and elements wider than 32 bits
// (Buffered Bytes) are not numbers.
func decodable(f *Field) bool { return !f.Flags.IsConstant() && f.BitSize <= MaxElementBits }

// Decode decodes one raw input report (starting with its ID byte when the
// descriptor is numbered) into dst[:0] and returns the report's layout and
// the values: one per element of every data field, in wire order. It does
// not allocate when dst has room for MaxValues values.
func (dec *Decoder) Decode(raw []byte, dst []Value) (*Report, []Value, error) {
	dst = dst[:0]
	payload := raw
	var id uint8
	if dec.numbered {
		if len(raw) == 0 {
			return nil, dst, fmt.Errorf("%w: empty report", ErrShortReport)
		}
		id, payload = raw[0], raw[1:]
	}
	r := dec.inputs[id]
	if r == nil {
		return nil, dst, fmt.Errorf("%w: input report %d", ErrUnknownReport, id)
	}
	if want := (r.BitLen + 7) / 8; len(payload) < want {
		return r, dst, fmt.Errorf("%w: input report %d: got %d bytes, want %d", ErrShortReport, id, len(payload), want)
	}
	for _, f := range r.Fields {
		if !decodable(f) {
			continue
		}
		signed := f.Signed()
		array := f.Flags.IsArray()
		for i := 0; i < f.Count; i++ {
			bits := extract(payload, f.BitOffset+i*f.BitSize, f.BitSize)
			v := int32(bits)
			if signed {
				v = signExtend(bits, f.BitSize)
			}
			val := Value{Field: f, Index: i, Value: v, Null: !inRange(f, v)}
			if array {
				if !val.Null {
					k := int64(bits) - int64(uint32(f.LogicalMin))
					if signed {
						k = int64(v) - int64(f.LogicalMin)
					}
					val.Usage = usageAt(f, k)
				}
			} else {
				val.Usage = f.ElementUsage(i)
				val.Null = val.Null && f.Flags.HasNull()
			}
			dst = append(dst, val)
		}
	}
	return r, dst, nil
}

func usageAt(f *Field, k int64) Usage {
	if k < 0 || k >= int64(len(f.Usages)) || f.Usages[k].ID() == 0 {
		return 0
	}
	return f.Usages[k]
}

// inRange compares in the field's own signedness, so that an unsigned
// 32-bit range is not misread as negative.
// Holds reports whether an output or feature element of f can be set to
// v: a number the field's bits represent, within its logical range, in a
// field the Encoder writes (not constant, at most MaxElementBits wide).
func (f *Field) Holds(v int32) bool {
	return !f.Flags.IsConstant() && f.BitSize >= 1 && f.BitSize <= MaxElementBits && fits(f, v) && inRange(f, v)
}

func inRange(f *Field, v int32) bool {
	if f.Signed() {
		return v >= f.LogicalMin && v <= f.LogicalMax
	}
	return uint32(v) >= uint32(f.LogicalMin) && uint32(v) <= uint32(f.LogicalMax)
}

// extract reads n (1-32) bits at bit offset off, little endian.
func extract(p []byte, off, n int) uint32 {
	var v uint64
	for i := (off + n - 1) >> 3; i >= off>>3; i-- {
		v = v<<8 | uint64(p[i])
	}
	v >>= uint(off & 7)
	return uint32(v & (1<<uint(n) - 1))
}

// insert writes the low n (1-32) bits of v at bit offset off.
func insert(p []byte, off, n int, v uint32) {
	for done := 0; done < n; {
		bit := off + done
		k := min(8-bit&7, n-done)
		mask := byte((1<<uint(k) - 1) << uint(bit&7))
		p[bit>>3] = p[bit>>3]&^mask | byte(v>>uint(done))<<uint(bit&7)&mask
		done += k
	}
}

// Encoder builds output and feature reports (or, made by NewInputEncoder,
// input reports for a simulated device). It keeps a shadow copy of every
// such report, so that changing one field (one LED) leaves the others that
// share the report, even the same byte, as last set. It is safe for
// concurrent use.
type Encoder struct {
	mu     sync.Mutex
	d      *ReportDescriptor
	shadow map[reportKey][]byte
	// input: this encoder builds input reports (the device side).
	input bool
}

// NewEncoder returns an encoder of output and feature reports whose
// shadows start with every field zero and every array element selecting
// nothing.
func NewEncoder(d *ReportDescriptor) *Encoder {
	return newEncoder(d, false)
}

// NewInputEncoder returns an encoder of input reports: the device side of
// the link, for simulated devices that must produce exactly what real
// hardware with this descriptor would send.
func NewInputEncoder(d *ReportDescriptor) *Encoder {
	return newEncoder(d, true)
}

func newEncoder(d *ReportDescriptor, input bool) *Encoder {
	e := &Encoder{d: d, shadow: map[reportKey][]byte{}, input: input}
	for _, r := range d.Reports {
		if e.writable(r.Type) {
			b := make([]byte, 1+(r.BitLen+7)/8)
			b[0] = r.ID
			// An array starts with nothing selected. Where logical 0 is
			// a real usage (Jabra's keypad: 0 is Phone Key 0), "nothing"
			// is another value, not zero bits.
			for _, f := range r.Fields {
				if !f.Flags.IsArray() || f.Flags.IsConstant() || f.BitSize > MaxElementBits {
					continue
				}
				if v, ok := emptyValue(f); ok && v != 0 {
					for i := 0; i < f.Count; i++ {
						insert(b[1:], f.BitOffset+i*f.BitSize, f.BitSize, uint32(v))
					}
				}
			}
			e.shadow[reportKey{r.Type, r.ID}] = b
		}
	}
	return e
}

func (e *Encoder) writable(t ReportType) bool {
	if e.input {
		return t == Input
	}
	return t == Output || t == Feature
}

// Report returns a copy of the shadow of a report, ID byte first (0 when
// the descriptor is unnumbered, as hid.Device.WriteOutput expects), or nil
// when there is no such report.
func (e *Encoder) Report(t ReportType, id uint8) []byte {
	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.shadow[reportKey{t, id}]
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

// Set sets the element ref points at to v in the shadow of its report and
// returns a copy of the whole report to send, ID byte first (0 when
// unnumbered). For an array field, ref names one of its usages: v != 0
// puts that usage into a free element (unless one holds it already), v == 0
// removes it from every element.
func (e *Encoder) Set(t ReportType, ref FieldRef, v int32) ([]byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b, err := e.set(t, ref, v)
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), b...), nil
}

// SetUsage sets every element carrying usage u in reports of type t to v
// and returns each changed report once, in report order.
func (e *Encoder) SetUsage(t ReportType, u Usage, v int32) ([][]byte, error) {
	refs := e.d.FindUsage(t, u)
	if len(refs) == 0 {
		return nil, fmt.Errorf("%w: %s in %s reports", ErrNoUsage, u, t)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var touched [][]byte
	for _, ref := range refs {
		b, err := e.set(t, ref, v)
		if err != nil {
			return nil, err
		}
		if len(touched) == 0 || &touched[len(touched)-1][0] != &b[0] {
			touched = append(touched, b)
		}
	}
	out := make([][]byte, len(touched))
	for i, b := range touched {
		out[i] = append([]byte(nil), b...)
	}
	return out, nil
}

func (e *Encoder) set(t ReportType, ref FieldRef, v int32) ([]byte, error) {
	f := ref.Field
	if f == nil || f.Type != t || !e.writable(t) || f.Flags.IsConstant() {
		return nil, fmt.Errorf("%w: %s", ErrNotWritable, describeRef(ref))
	}
	b := e.shadow[reportKey{t, f.ReportID}]
	if b == nil || f.BitSize > MaxElementBits {
		return nil, fmt.Errorf("%w: %s", ErrNotWritable, describeRef(ref))
	}
	payload := b[1:]
	if f.Flags.IsArray() {
		if ref.Index < 0 || ref.Index >= len(f.Usages) {
			return nil, fmt.Errorf("%w: usage index %d of %d", ErrOutOfRange, ref.Index, len(f.Usages))
		}
		want := f.LogicalMin + int32(ref.Index)
		empty, ok := emptyValue(f)
		free := -1
		for i := 0; i < f.Count; i++ {
			off := f.BitOffset + i*f.BitSize
			cur := decodeElem(f, extract(payload, off, f.BitSize))
			switch {
			case cur == want && v != 0:
				return b, nil
			case cur == want:
				if !ok {
					return nil, fmt.Errorf("%w: array field has no value meaning none", ErrOutOfRange)
				}
				insert(payload, off, f.BitSize, uint32(empty))
			case free < 0 && (!inRange(f, cur) || usageAt(f, int64(cur)-int64(f.LogicalMin)) == 0):
				free = i
			}
		}
		if v != 0 {
			if free < 0 {
				return nil, fmt.Errorf("%w: all %d elements of the array field are in use", ErrOutOfRange, f.Count)
			}
			insert(payload, f.BitOffset+free*f.BitSize, f.BitSize, uint32(want))
		}
		return b, nil
	}
	if ref.Index < 0 || ref.Index >= f.Count {
		return nil, fmt.Errorf("%w: element %d of %d", ErrOutOfRange, ref.Index, f.Count)
	}
	if !fits(f, v) || (!inRange(f, v) && !f.Flags.HasNull()) {
		return nil, fmt.Errorf("%w: %d for %s (logical %d..%d)", ErrOutOfRange, v, describeRef(ref), f.LogicalMin, f.LogicalMax)
	}
	insert(payload, f.BitOffset+ref.Index*f.BitSize, f.BitSize, uint32(v))
	return b, nil
}

func decodeElem(f *Field, bits uint32) int32 {
	if f.Signed() {
		return signExtend(bits, f.BitSize)
	}
	return int32(bits)
}

// fits reports whether v is representable in the field's bits.
func fits(f *Field, v int32) bool {
	if f.BitSize >= 32 {
		return true
	}
	if f.Signed() {
		lim := int32(1) << uint(f.BitSize-1)
		return v >= -lim && v < lim
	}
	return v >= 0 && v < int32(1)<<uint(f.BitSize)
}

// emptyValue finds a value that selects no usage of an array field.
func emptyValue(f *Field) (int32, bool) {
	for _, c := range []int32{0, f.LogicalMin - 1, f.LogicalMax + 1} {
		if fits(f, c) && (!inRange(f, c) || usageAt(f, int64(c)-int64(f.LogicalMin)) == 0) {
			return c, true
		}
	}
	return 0, false
}

func describeRef(ref FieldRef) string {
	if ref.Field == nil {
		return "nil field"
	}
	return fmt.Sprintf("%s report %d field at bit %d (%s)", ref.Field.Type, ref.Field.ReportID, ref.Field.BitOffset, ref.Usage())
}

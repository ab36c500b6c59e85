package hid

import (
	"errors"
	"fmt"
	"sort"
)

// Limits that keep a hostile or corrupt descriptor from costing unbounded
// memory. Real telephony descriptors stay far below all of them.
const (
	// MaxReportBytes bounds a report's payload (without the ID byte). Linux
	// hidraw transfers at most 4096 bytes (HID_MAX_BUFFER_SIZE).
	MaxReportBytes = 4096
	// MaxTotalReportBytes bounds the payloads of all reports together, so
	// that shadows, decoders and searches stay small whatever the input.
	MaxTotalReportBytes = 1 << 16
	// MaxElementBits bounds the size of one numeric element: values are
	// decoded into int32. Constant padding and Buffered Bytes fields may be
	// larger, up to the report limit.
	MaxElementBits = 32
	// MaxArrayUsages bounds the usages one array field can select.
	MaxArrayUsages = 1 << 16
	// MaxUsages bounds the expanded usages of the whole descriptor.
	MaxUsages = 1 << 18
	// MaxCollectionDepth bounds collection nesting.
	MaxCollectionDepth = 64
	// MaxPushDepth bounds the global item stack.
	MaxPushDepth = 16
)

// ErrInvalidDescriptor is wrapped by every error of ParseReportDescriptor.
var ErrInvalidDescriptor = errors.New("hid: invalid report descriptor")

// ParseError is a descriptor error at a byte offset.
type ParseError struct {
	Offset int    // byte offset of the offending item (or the end)
	Msg    string // what is wrong
}

func (e *ParseError) Error() string { return fmt.Sprintf("hid: offset %d: %s", e.Offset, e.Msg) }

// Unwrap lets callers test errors.Is(err, ErrInvalidDescriptor).
func (e *ParseError) Unwrap() error { return ErrInvalidDescriptor }

func errAt(off int, format string, args ...any) error {
	return &ParseError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// rawNum is a global number as written: whether it is signed depends on
// another item (a maximum is unsigned when its minimum is not negative),
// so it is resolved only at the Main item.
type rawNum struct {
	v    uint32
	bits int
}

func (n rawNum) signed() int32 { return signExtend(n.v, n.bits) }

// resolveRange applies the HID rule for Minimum/Maximum pairs: both are two's
// complement when the minimum is negative, otherwise the maximum is unsigned
// of its own size (Logical Maximum 0xFF in one byte means 255).
func resolveRange(min, max rawNum) (int32, int32) {
	lo := min.signed()
	if lo < 0 {
		return lo, max.signed()
	}
	return lo, int32(max.v)
}

type globals struct {
	page                    uint16
	logMin, logMax          rawNum
	physMin, physMax        rawNum
	unitExp, unit           uint32
	reportSize, reportCount uint32
	reportID                uint8
}

// usageEntry is one Usage item or one Usage Minimum/Maximum range.
type usageEntry struct {
	min, max uint16
	page     uint16
	extended bool // 32-bit usage: carries its own page
}

type locals struct {
	usages []usageEntry
	// pending Usage Minimum, waiting for its Maximum.
	min      uint32
	minBits  int
	minSet   bool
	minOff   int
	delim    bool // inside a delimiter set
	delimHit bool // the set's first usage was taken
}

type parser struct {
	buf       []byte
	d         *ReportDescriptor
	g         globals
	stack     []globals
	l         locals
	open      []*Collection
	reports   map[reportKey]*Report
	nUsages   int
	totalBits int
	numbered  bool
	itemStart int
}

type reportKey struct {
	t  ReportType
	id uint8
}

// ParseReportDescriptor parses a HID 1.11 report descriptor. It never
// panics; malformed input yields an error wrapping ErrInvalidDescriptor
// that names the byte offset. The result does not refer to b.
func ParseReportDescriptor(b []byte) (*ReportDescriptor, error) {
	p := &parser{
		buf:     append([]byte(nil), b...),
		d:       &ReportDescriptor{},
		reports: map[reportKey]*Report{},
	}
	if err := p.run(); err != nil {
		return nil, err
	}
	for _, r := range p.reports {
		r.idByte = p.numbered
		p.d.Reports = append(p.d.Reports, r)
	}
	sort.Slice(p.d.Reports, func(i, j int) bool {
		a, b := p.d.Reports[i], p.d.Reports[j]
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return a.ID < b.ID
	})
	p.d.Numbered = p.numbered
	return p.d, nil
}

func (p *parser) run() error {
	buf := p.buf
	for off := 0; off < len(buf); {
		p.itemStart = off
		prefix := buf[off]
		var it Item
		if prefix == 0xFE { // long item: bDataSize, bLongItemTag, data
			if off+3 > len(buf) {
				return errAt(off, "truncated long item header")
			}
			n := int(buf[off+1])
			end := off + 3 + n
			if end > len(buf) {
				return errAt(off, "truncated long item: %d data bytes, %d left", n, len(buf)-off-3)
			}
			it = Item{Offset: off, Type: LongItem, Tag: buf[off+2], Data: buf[off+3 : end : end], Raw: buf[off:end:end]}
			off = end
		} else {
			n := int(prefix & 3)
			if n == 3 {
				n = 4
			}
			end := off + 1 + n
			if end > len(buf) {
				return errAt(off, "truncated item: prefix 0x%02x wants %d data bytes, %d left", prefix, n, len(buf)-off-1)
			}
			it = Item{Offset: off, Type: ItemType(prefix >> 2 & 3), Tag: prefix >> 4, Data: buf[off+1 : end : end], Raw: buf[off:end:end]}
			off = end
		}
		it.Depth = len(p.open)
		it.Page = p.g.page
		var err error
		switch it.Type {
		case MainItem:
			err = p.main(&it)
		case GlobalItem:
			err = p.global(it)
		case LocalItem:
			err = p.local(it)
		case LongItem, ReservedItem:
			// No long item tags are defined and bType 3 is reserved: HID
			// 1.11 section 6.2.2.4 asks parsers to skip what they do not
			// know.
		}
		if err != nil {
			return err
		}
		p.d.Items = append(p.d.Items, it)
	}
	if n := len(p.open); n > 0 {
		return errAt(len(buf), "%d unclosed collection(s), innermost opened at offset %d", n, p.open[n-1].Offset)
	}
	return nil
}

func (p *parser) global(it Item) error {
	v := it.Uint()
	num := rawNum{v, 8 * len(it.Data)}
	switch it.Tag {
	case TagUsagePage:
		if v > 0xFFFF {
			return errAt(it.Offset, "usage page 0x%x over 16 bits", v)
		}
		p.g.page = uint16(v)
	case TagLogicalMin:
		p.g.logMin = num
	case TagLogicalMax:
		p.g.logMax = num
	case TagPhysicalMin:
		p.g.physMin = num
	case TagPhysicalMax:
		p.g.physMax = num
	case TagUnitExponent:
		p.g.unitExp = v
	case TagUnit:
		p.g.unit = v
	case TagReportSize:
		if v > 8*MaxReportBytes {
			return errAt(it.Offset, "report size %d over the %d-byte report limit", v, MaxReportBytes)
		}
		p.g.reportSize = v
	case TagReportID:
		if v == 0 || v > 0xFF {
			return errAt(it.Offset, "report id %d outside 1-255", v)
		}
		p.g.reportID = uint8(v)
		p.numbered = true
	case TagReportCount:
		if v > 8*MaxReportBytes {
			return errAt(it.Offset, "report count %d over the %d-byte report limit", v, MaxReportBytes)
		}
		p.g.reportCount = v
	case TagPush:
		if len(p.stack) >= MaxPushDepth {
			return errAt(it.Offset, "push deeper than %d", MaxPushDepth)
		}
		p.stack = append(p.stack, p.g)
	case TagPop:
		if len(p.stack) == 0 {
			return errAt(it.Offset, "pop without push")
		}
		p.g = p.stack[len(p.stack)-1]
		p.stack = p.stack[:len(p.stack)-1]
	default:
		// Reserved global tags are ignored, as HID 1.11 section 6.2.2.4
		// asks of parsers that meet items from a later version.
	}
	return nil
}

func (p *parser) local(it Item) error {
	v := it.Uint()
	switch it.Tag {
	case TagUsage:
		if p.l.delim && p.l.delimHit {
			return nil // alternatives of a delimited set: the first one wins
		}
		p.l.delimHit = p.l.delim
		if len(it.Data) == 4 {
			p.l.usages = append(p.l.usages, usageEntry{min: uint16(v), max: uint16(v), page: uint16(v >> 16), extended: true})
		} else {
			p.l.usages = append(p.l.usages, usageEntry{min: uint16(v), max: uint16(v), page: p.g.page})
		}
	case TagUsageMin:
		if p.l.delim && p.l.delimHit {
			return nil
		}
		p.l.min, p.l.minBits, p.l.minSet, p.l.minOff = v, 8*len(it.Data), true, it.Offset
	case TagUsageMax:
		if p.l.delim && p.l.delimHit {
			return nil
		}
		if !p.l.minSet {
			return errAt(it.Offset, "usage maximum without usage minimum")
		}
		p.l.minSet = false
		p.l.delimHit = p.l.delim
		e := usageEntry{page: p.g.page}
		lo, hi := p.l.min, v
		if p.l.minBits == 32 || len(it.Data) == 4 {
			// Extended range: both ends carry the page; a short end takes
			// the other's page.
			loPage, hiPage := lo>>16, hi>>16
			if p.l.minBits < 32 {
				loPage = hiPage
			}
			if len(it.Data) < 4 {
				hiPage = loPage
			}
			if loPage != hiPage {
				return errAt(it.Offset, "usage range crosses pages 0x%04x and 0x%04x", loPage, hiPage)
			}
			e.page, e.extended = uint16(loPage), true
			lo, hi = lo&0xFFFF, hi&0xFFFF
		}
		if hi < lo {
			return errAt(it.Offset, "usage maximum 0x%x below minimum 0x%x", hi, lo)
		}
		e.min, e.max = uint16(lo), uint16(hi)
		p.l.usages = append(p.l.usages, e)
	case TagDelimiter:
		switch v {
		case 1:
			if p.l.delim {
				return errAt(it.Offset, "nested delimiter")
			}
			p.l.delim, p.l.delimHit = true, false
		case 0:
			if !p.l.delim {
				return errAt(it.Offset, "delimiter close without open")
			}
			p.l.delim = false
		default:
			return errAt(it.Offset, "delimiter data %d, want 0 or 1", v)
		}
	default:
		// Designator and String indexes name physical parts and strings;
		// nothing here uses them. Reserved tags are ignored.
	}
	return nil
}

// usagesFor resolves the pending local usages at a Main item. A 16-bit
// usage takes the Usage Page in effect at the Main item, as HID 1.11
// section 6.2.2.8 says; like Linux (hid_concatenate_last_usage_page), the
// page change stops at a usage already declared on that page, so a
// descriptor that switches pages between usages of one item keeps the
// earlier usages on their own page. limit bounds the expansion; over is
// reported when the usages would exceed it.
func (p *parser) usagesFor(limit int) (us []Usage, over bool) {
	es := p.l.usages
	for i := len(es) - 1; i >= 0; i-- {
		if es[i].extended {
			continue
		}
		if es[i].page == p.g.page {
			break
		}
		es[i].page = p.g.page
	}
	n := 0
	for _, e := range es {
		n += int(e.max-e.min) + 1
	}
	if n > limit {
		over = true
		n = limit
	}
	if n == 0 {
		return nil, over
	}
	us = make([]Usage, 0, n)
	for _, e := range es {
		for id := int(e.min); id <= int(e.max) && len(us) < n; id++ {
			us = append(us, NewUsage(e.page, uint16(id)))
		}
	}
	return us, over
}

func (p *parser) main(it *Item) error {
	defer func() { p.l = locals{usages: p.l.usages[:0]} }()
	if p.l.delim {
		return errAt(it.Offset, "%s inside a delimiter set", it.Name())
	}
	if p.l.minSet {
		return errAt(p.l.minOff, "usage minimum without usage maximum")
	}
	switch it.Tag {
	case TagInput:
		return p.field(it, Input)
	case TagOutput:
		return p.field(it, Output)
	case TagFeature:
		return p.field(it, Feature)
	case TagCollection:
		v := it.Uint()
		if v > 0xFF {
			return errAt(it.Offset, "collection type 0x%x over 8 bits", v)
		}
		if len(p.open) >= MaxCollectionDepth {
			return errAt(it.Offset, "collections nested deeper than %d", MaxCollectionDepth)
		}
		us, _ := p.usagesFor(1)
		if err := p.count(len(us), it.Offset); err != nil {
			return err
		}
		c := &Collection{Type: CollectionType(v), Offset: it.Offset}
		if len(us) > 0 {
			c.Usage = us[0]
		}
		if n := len(p.open); n > 0 {
			c.Parent = p.open[n-1]
			c.Parent.Children = append(c.Parent.Children, c)
		} else {
			p.d.Collections = append(p.d.Collections, c)
		}
		p.open = append(p.open, c)
	case TagEndCollection:
		if len(p.open) == 0 {
			return errAt(it.Offset, "end collection without collection")
		}
		p.open = p.open[:len(p.open)-1]
		it.Depth = len(p.open)
	default:
		// Reserved main tags are ignored; they still end the local state.
	}
	return nil
}

func (p *parser) count(n, off int) error {
	p.nUsages += n
	if p.nUsages > MaxUsages {
		return errAt(off, "more than %d usages in the descriptor", MaxUsages)
	}
	return nil
}

func (p *parser) field(it *Item, t ReportType) error {
	flags := MainFlags(it.Uint())
	size, count := int(p.g.reportSize), int(p.g.reportCount)
	if size > MaxElementBits && !flags.IsConstant() && !flags.IsBufferedBytes() {
		return errAt(it.Offset, "report size %d over %d bits for a data field", size, MaxElementBits)
	}
	key := reportKey{t, p.g.reportID}
	r := p.reports[key]
	start := 0
	if r != nil {
		start = r.BitLen
	}
	bits := size * count // both are at most 8*MaxReportBytes: no overflow
	if start+bits > 8*MaxReportBytes {
		return errAt(it.Offset, "%s report %d longer than %d bytes", t, p.g.reportID, MaxReportBytes)
	}
	if bits == 0 {
		return nil // declares nothing on the wire
	}
	if p.totalBits+bits > 8*MaxTotalReportBytes {
		return errAt(it.Offset, "reports total more than %d bytes", MaxTotalReportBytes)
	}
	p.totalBits += bits
	var us []Usage
	if flags.IsArray() {
		var over bool
		us, over = p.usagesFor(MaxArrayUsages)
		if over {
			return errAt(it.Offset, "array field selects more than %d usages", MaxArrayUsages)
		}
	} else {
		us, _ = p.usagesFor(count)
	}
	if err := p.count(len(us), it.Offset); err != nil {
		return err
	}
	if r == nil {
		r = &Report{Type: t, ID: p.g.reportID}
		p.reports[key] = r
	}
	f := &Field{
		Type:         t,
		ReportID:     p.g.reportID,
		BitOffset:    start,
		BitSize:      size,
		Count:        count,
		Flags:        flags,
		Usages:       us,
		Unit:         p.g.unit,
		UnitExponent: unitExponent(p.g.unitExp),
		Offset:       it.Offset,
	}
	f.LogicalMin, f.LogicalMax = resolveRange(p.g.logMin, p.g.logMax)
	f.PhysicalMin, f.PhysicalMax = resolveRange(p.g.physMin, p.g.physMax)
	if n := len(p.open); n > 0 {
		f.Collection = p.open[n-1]
		f.Collection.Fields = append(f.Collection.Fields, f)
		for c := f.Collection; c != nil; c = c.Parent {
			if c.Type == Application {
				f.Application = c
				break
			}
		}
	}
	r.Fields = append(r.Fields, f)
	r.BitLen = start + bits
	return nil
}

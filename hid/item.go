package hid

import (
	"fmt"
	"strings"
)

// ItemType is the bType of an item prefix (HID 1.11 section 6.2.2.2).
type ItemType uint8

// Item types. bType 3 is reserved for short items; with tag 0xF (prefix
// 0xFE) it introduces a long item, reported as LongItem.
const (
	MainItem     ItemType = 0
	GlobalItem   ItemType = 1
	LocalItem    ItemType = 2
	ReservedItem ItemType = 3
	LongItem     ItemType = 4
)

func (t ItemType) String() string {
	switch t {
	case MainItem:
		return "Main"
	case GlobalItem:
		return "Global"
	case LocalItem:
		return "Local"
	case ReservedItem:
		return "Reserved"
	case LongItem:
		return "Long"
	}
	return fmt.Sprintf("ItemType(%d)", uint8(t))
}

// Item tags, per item type (HID 1.11 sections 6.2.2.4, 6.2.2.7, 6.2.2.8).
const (
	TagInput         = 0x8
	TagOutput        = 0x9
	TagCollection    = 0xA
	TagFeature       = 0xB
	TagEndCollection = 0xC

	TagUsagePage    = 0x0
	TagLogicalMin   = 0x1
	TagLogicalMax   = 0x2
	TagPhysicalMin  = 0x3
	TagPhysicalMax  = 0x4
	TagUnitExponent = 0x5
	TagUnit         = 0x6
	TagReportSize   = 0x7
	TagReportID     = 0x8
	TagReportCount  = 0x9
	TagPush         = 0xA
	TagPop          = 0xB

	TagUsage           = 0x0
	TagUsageMin        = 0x1
	TagUsageMax        = 0x2
	TagDesignatorIndex = 0x3
	TagDesignatorMin   = 0x4
	TagDesignatorMax   = 0x5
	TagStringIndex     = 0x7
	TagStringMin       = 0x8
	TagStringMax       = 0x9
	TagDelimiter       = 0xA
)

// Item is one item of a report descriptor as it appeared on the wire.
type Item struct {
	Offset int // byte offset of the prefix
	Type   ItemType
	Tag    uint8  // for a long item, bLongItemTag
	Data   []byte // the data bytes, little endian
	Raw    []byte // every byte of the item, prefix included
	// Depth is the collection nesting level the item appears at, for
	// indentation: an End Collection has the depth of its Collection.
	Depth int
	// Page is the Usage Page in effect, so that local usage items can
	// be named.
	Page uint16
}

// Uint returns the data as an unsigned number.
func (it Item) Uint() uint32 {
	var v uint32
	for i := len(it.Data) - 1; i >= 0; i-- {
		v = v<<8 | uint32(it.Data[i])
	}
	return v
}

// Int returns the data as a two's complement number of its own size.
func (it Item) Int() int32 {
	return signExtend(it.Uint(), 8*len(it.Data))
}

// signExtend interprets the low n bits of v as two's complement.
func signExtend(v uint32, n int) int32 {
	if n <= 0 {
		return 0
	}
	if n >= 32 {
		return int32(v)
	}
	shift := 32 - n
	return int32(v<<shift) >> shift
}

// Name returns the item's name as in the HID specification: "Usage Page",
// "Logical Minimum", "End Collection".
func (it Item) Name() string {
	switch it.Type {
	case MainItem:
		switch it.Tag {
		case TagInput:
			return "Input"
		case TagOutput:
			return "Output"
		case TagCollection:
			return "Collection"
		case TagFeature:
			return "Feature"
		case TagEndCollection:
			return "End Collection"
		}
	case GlobalItem:
		switch it.Tag {
		case TagUsagePage:
			return "Usage Page"
		case TagLogicalMin:
			return "Logical Minimum"
		case TagLogicalMax:
			return "Logical Maximum"
		case TagPhysicalMin:
			return "Physical Minimum"
		case TagPhysicalMax:
			return "Physical Maximum"
		case TagUnitExponent:
			return "Unit Exponent"
		case TagUnit:
			return "Unit"
		case TagReportSize:
			return "Report Size"
		case TagReportID:
			return "Report ID"
		case TagReportCount:
			return "Report Count"
		case TagPush:
			return "Push"
		case TagPop:
			return "Pop"
		}
	case LocalItem:
		switch it.Tag {
		case TagUsage:
			return "Usage"
		case TagUsageMin:
			return "Usage Minimum"
		case TagUsageMax:
			return "Usage Maximum"
		case TagDesignatorIndex:
			return "Designator Index"
		case TagDesignatorMin:
			return "Designator Minimum"
		case TagDesignatorMax:
			return "Designator Maximum"
		case TagStringIndex:
			return "String Index"
		case TagStringMin:
			return "String Minimum"
		case TagStringMax:
			return "String Maximum"
		case TagDelimiter:
			return "Delimiter"
		}
	case LongItem:
		return "Long Item"
	case ReservedItem:
		return fmt.Sprintf("Reserved Item 0x%x", it.Tag)
	}
	return fmt.Sprintf("Reserved %s 0x%x", it.Type, it.Tag)
}

// String renders the item the way hid-decode does: "Usage Page
// (Telephony)", "Logical Minimum (-127)", "Input (Data,Var,Abs)".
func (it Item) String() string {
	name := it.Name()
	switch it.Type {
	case MainItem:
		switch it.Tag {
		case TagInput, TagOutput, TagFeature:
			return fmt.Sprintf("%s (%s)", name, MainFlags(it.Uint()))
		case TagCollection:
			return fmt.Sprintf("%s (%s)", name, CollectionType(it.Uint()))
		case TagEndCollection:
			return name
		}
	case GlobalItem:
		switch it.Tag {
		case TagUsagePage:
			return fmt.Sprintf("%s (%s)", name, PageName(uint16(it.Uint())))
		case TagLogicalMin, TagLogicalMax, TagPhysicalMin, TagPhysicalMax:
			// Shown as written; whether a maximum is signed depends on
			// its minimum and is resolved per field.
			return fmt.Sprintf("%s (%d)", name, it.Int())
		case TagUnitExponent:
			return fmt.Sprintf("%s (%d)", name, unitExponent(it.Uint()))
		case TagUnit:
			return fmt.Sprintf("%s (0x%x)", name, it.Uint())
		case TagPush, TagPop:
			return name
		case TagReportSize, TagReportID, TagReportCount:
			return fmt.Sprintf("%s (%d)", name, it.Uint())
		}
	case LocalItem:
		switch it.Tag {
		case TagUsage, TagUsageMin, TagUsageMax:
			return fmt.Sprintf("%s (%s)", name, it.localUsageName())
		case TagDelimiter:
			if it.Uint() == 1 {
				return name + " (Open)"
			}
			return name + " (Close)"
		case TagDesignatorIndex, TagDesignatorMin, TagDesignatorMax, TagStringIndex, TagStringMin, TagStringMax:
			return fmt.Sprintf("%s (%d)", name, it.Uint())
		}
	case LongItem:
		return fmt.Sprintf("%s (tag 0x%02x, %d bytes)", name, it.Tag, len(it.Data))
	}
	if len(it.Data) > 0 {
		return fmt.Sprintf("%s (0x%x)", name, it.Uint())
	}
	return name
}

// localUsageName names a usage item's value: 32-bit data carries its own
// page; shorter data is named against the page in effect.
func (it Item) localUsageName() string {
	if len(it.Data) == 4 {
		return Usage(it.Uint()).String()
	}
	return UsageName(NewUsage(it.Page, uint16(it.Uint())))
}

// Hex returns the raw bytes as "05 0b".
func (it Item) Hex() string {
	var b strings.Builder
	for i, c := range it.Raw {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%02x", c)
	}
	return b.String()
}

// unitExponent decodes a Unit Exponent. The specification makes it a 4-bit
// two's complement nibble, but many devices write a whole signed byte; like
// Linux, a value that fits in the low nibble is read as the nibble.
func unitExponent(v uint32) int8 {
	if v&^0xf == 0 {
		return int8(signExtend(v, 4))
	}
	return int8(v)
}

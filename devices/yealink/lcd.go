package yealink

// The P1K's display is 24 bytes of segment bits, each segment and icon
// driven separately. lcdMap below is the table of yealink.h that maps the
// display's elements (7-segment digits and named icons) onto bit positions
// of those bytes plus the LED, dial tone and ring tone switches that
// follow them in the driver's status block; seg7 is SEG7_DEFAULT_MAP of
// include/linux/map_to_7segment.h.

// LCDLen is the number of segment bytes.
const LCDLen = 24

// Offsets of the switches after the segment bytes, as in struct
// yld_status of yealink.c.
const (
	statusLED      = LCDLen
	statusDialtone = LCDLen + 1
	statusRingtone = LCDLen + 2
	statusLen      = LCDLen + 3
)

// Element ranges of the display lines (LCD_LINEn_OFFSET, LCD_LINEn_SIZE).
const (
	Line1Offset = 0
	Line1Size   = 17
	Line2Offset = Line1Offset + Line1Size
	Line2Size   = 9
	Line3Offset = Line2Offset + Line2Size
	Line3Size   = 12
	Line4Offset = Line3Offset + Line3Size
)

type loc struct{ a, m uint8 }

// element is one entry of lcdMap. For a digit, segs is in the kernel's
// struct order: a, b, c, d, e, then the table's seventh column and then its
// sixth (the table lists g before f).
type element struct {
	typ  byte
	segs [7]loc
	pic  loc
	name string
}

func seg(t byte, a, am, b, bm, c, cm, d, dm, e, em, g, gm, f, fm uint8) element {
	return element{typ: t, segs: [7]loc{{a, am}, {b, bm}, {c, cm}, {d, dm}, {e, em}, {f, fm}, {g, gm}}}
}

func pic(a, m uint8, name string) element { return element{typ: '.', pic: loc{a, m}, name: name} }

func digit8(k uint8) element {
	return seg('8', k, 16, k, 32, k, 64, k, 128, k+1, 128, k+1, 64, k+1, 32)
}

var lcdMap = []element{
	// Line 1: 18.e8.M8.88...188; icons M D : IN OUT STORE.
	seg('1', 0, 0, 22, 2, 22, 2, 0, 0, 0, 0, 0, 0, 0, 0),
	seg('8', 20, 1, 20, 2, 20, 4, 20, 8, 21, 4, 21, 2, 21, 1),
	pic(22, 1, "M"),
	seg('e', 18, 1, 18, 2, 18, 4, 18, 1, 19, 2, 18, 1, 19, 1),
	seg('8', 16, 1, 16, 2, 16, 4, 16, 8, 17, 4, 17, 2, 17, 1),
	pic(15, 8, "D"),
	seg('M', 14, 1, 14, 2, 14, 4, 14, 1, 15, 4, 15, 2, 15, 1),
	seg('8', 12, 1, 12, 2, 12, 4, 12, 8, 13, 4, 13, 2, 13, 1),
	pic(11, 8, ":"),
	seg('8', 10, 1, 10, 2, 10, 4, 10, 8, 11, 4, 11, 2, 11, 1),
	seg('8', 8, 1, 8, 2, 8, 4, 8, 8, 9, 4, 9, 2, 9, 1),
	pic(7, 1, "IN"),
	pic(7, 2, "OUT"),
	pic(7, 4, "STORE"),
	seg('1', 0, 0, 5, 1, 5, 1, 0, 0, 0, 0, 0, 0, 0, 0),
	seg('8', 4, 1, 4, 2, 4, 4, 4, 8, 5, 8, 5, 4, 5, 2),
	seg('8', 2, 1, 2, 2, 2, 4, 2, 8, 3, 4, 3, 2, 3, 1),
	// Line 2: icons NEW REP SU MO TU WE TH FR SA.
	pic(23, 2, "NEW"),
	pic(23, 4, "REP"),
	pic(1, 8, "SU"),
	pic(1, 4, "MO"),
	pic(1, 2, "TU"),
	pic(1, 1, "WE"),
	pic(0, 1, "TH"),
	pic(0, 2, "FR"),
	pic(0, 4, "SA"),
	// Line 3: twelve digits, left to right.
	digit8(22), digit8(20), digit8(18), digit8(16), digit8(14), digit8(12),
	digit8(10), digit8(8), digit8(6), digit8(4), digit8(2), digit8(0),
	// Line 4: the switches, handled as icons by the kernel.
	pic(statusLED, 0x01, "LED"),
	pic(statusDialtone, 0x01, "DIALTONE"),
	pic(statusRingtone, 0x24, "RINGTONE"),
}

// seg7 is SEG7_DEFAULT_MAP (MAP_ASCII7SEG_ALPHANUM): bit 0 is segment a,
// bit 6 segment g.
var seg7 = [128]uint8{
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x30, 0x22, 0x36, 0x6d, 0x24, 0x7d, 0x20, 0x39, 0x0f, 0x76, 0x46, 0x10, 0x40, 0x10, 0x52,
	0x3f, 0x06, 0x5b, 0x4f, 0x66, 0x6d, 0x7d, 0x07, 0x7f, 0x6f, 0x48, 0x48, 0x61, 0x48, 0x43, 0x27,
	0x7b, 0x77, 0x7f, 0x39, 0x3f, 0x79, 0x71, 0x6f, 0x76, 0x06, 0x0e, 0x76, 0x38, 0x37, 0x37, 0x3f,
	0x73, 0x3f, 0x77, 0x6d, 0x78, 0x3e, 0x3e, 0x7e, 0x76, 0x66, 0x5b, 0x39, 0x64, 0x0f, 0x23, 0x08,
	0x02, 0x77, 0x7c, 0x58, 0x5e, 0x79, 0x71, 0x6f, 0x74, 0x04, 0x0c, 0x74, 0x38, 0x37, 0x54, 0x5c,
	0x73, 0x67, 0x50, 0x6d, 0x78, 0x1c, 0x1c, 0x7e, 0x76, 0x6e, 0x5b, 0x39, 0x30, 0x0f, 0x01, 0x00}

// Seg7 returns the segments (bit 0 = a ... bit 6 = g) that show c; 0 for
// characters the map has no glyph for.
func Seg7(c byte) uint8 {
	if c >= 128 {
		return 0
	}
	return seg7[c]
}

// status is the driver's shadow of the display and switches: yld_status
// without the key number.
type status [statusLen]byte

// setChar is setChar of yealink.c: it shows chr on element el. Icons are
// shown by any character but space. For digits the value's bits are
// consumed in segment order, skipping the segments an element lacks, as
// the kernel does.
func (s *status) setChar(el int, chr byte) {
	if el < 0 || el >= len(lcdMap) || chr == '\t' || chr == '\n' {
		return
	}
	e := &lcdMap[el]
	if e.typ == '.' {
		if chr != ' ' {
			s[e.pic.a] |= e.pic.m
		} else {
			s[e.pic.a] &^= e.pic.m
		}
		return
	}
	val := Seg7(chr)
	for _, l := range e.segs {
		if l.m == 0 {
			continue
		}
		if val&1 != 0 {
			s[l.a] |= l.m
		} else {
			s[l.a] &^= l.m
		}
		val >>= 1
	}
}

// setLine writes text from element off on, at most size characters.
func (s *status) setLine(off, size int, text string) {
	for i := 0; i < size && i < len(text); i++ {
		s.setChar(off+i, text[i])
	}
}

// DisplayText is what SetDisplay shows on line 3 for text: the last
// twelve characters, left-aligned and padded with spaces, characters
// outside ASCII shown as spaces.
func DisplayText(text string) string {
	b := []byte(text)
	if len(b) > Line3Size {
		b = b[len(b)-Line3Size:]
	}
	out := make([]byte, Line3Size)
	for i := range out {
		out[i] = ' '
		if i < len(b) && b[i] < 128 {
			out[i] = b[i]
		}
	}
	return string(out)
}

// LCDSegments returns the 24 segment bytes that show text on line 3 of an
// otherwise blank display.
func LCDSegments(text string) [LCDLen]byte {
	var s status
	s.setLine(Line3Offset, Line3Size, DisplayText(text))
	return [LCDLen]byte(s[:LCDLen])
}

// ReadLine3 decodes line 3 of segment bytes back into text: each digit's
// segments are looked up in the character map, digits first (a '5' and a
// '$' look alike), then in ASCII order; a blank digit is a space, a glyph
// no character has is '?'.
func ReadLine3(lcd [LCDLen]byte) string {
	out := make([]byte, Line3Size)
	for i := range out {
		e := &lcdMap[Line3Offset+i]
		var val uint8
		bit := 0
		for _, l := range e.segs {
			if l.m == 0 {
				continue
			}
			if lcd[l.a]&l.m != 0 {
				val |= 1 << bit
			}
			bit++
		}
		out[i] = '?'
		if val == 0 {
			out[i] = ' '
			continue
		}
		for _, c := range glyphOrder {
			if seg7[c] == val {
				out[i] = c
				break
			}
		}
	}
	return string(out)
}

// glyphOrder is the order ReadLine3 tries characters in.
var glyphOrder = func() []byte {
	order := []byte("0123456789")
	for c := byte(33); c < 128; c++ {
		if c < '0' || c > '9' {
			order = append(order, c)
		}
	}
	return order
}()

// lcdPackets returns the LCD commands that turn the display from old to
// new: like yealink_do_idle_tasks, at the first differing byte it sends up
// to DataLen consecutive bytes.
func lcdPackets(old, new *status) []Packet {
	var pkts []Packet
	for ix := 0; ix < LCDLen; ix++ {
		if old[ix] == new[ix] {
			continue
		}
		n := min(DataLen, LCDLen-ix)
		p := Packet{Cmd: CmdLCD, Size: uint8(n), Offset: uint16(ix)}
		copy(p.Data[:], new[ix:ix+n])
		pkts = append(pkts, p)
		ix += n - 1
	}
	return pkts
}

package yealink

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// The checksums yealink.c computes by hand for the packets it builds
// without yealink_cmd.
func TestKernelChecksums(t *testing.T) {
	for _, tc := range []struct {
		p    Packet
		want uint8
	}{
		{KeypressPacket(), 0xff - CmdKeypress},
		{InitPacket(), 0x100 - CmdInit - 10},
		{ScancodePacket(5), 0xff - CmdScancode - 4},
		{ScancodePacket(0), 0xff - CmdScancode - 0x1f},
		{switchPacket(CmdRingtone, RingtoneOn), uint8(0xff - CmdRingtone - RingtoneOn)},
		{switchPacket(CmdLED, 1), 0xff - CmdLED - 1},
	} {
		if got := tc.p.Bytes()[15]; got != tc.want {
			t.Errorf("%v: sum %#02x, want %#02x", tc.p, got, tc.want)
		}
	}
	if b := ScancodePacket(0).Bytes(); b[2] != 0 || b[3] != 0x1f {
		t.Errorf("ScancodePacket(0) offset bytes % x, want 00 1f (big endian)", b[2:4])
	}
}

func TestParsePacketErrors(t *testing.T) {
	good := KeypressPacket().Bytes()
	badSum := good
	badSum[15] ^= 1
	bigSize := Packet{Cmd: CmdLCD, Size: 12}.Bytes()
	for _, tc := range []struct {
		b    []byte
		want error
	}{
		{good[:15], ErrPacketLen},
		{append(good[:], 0), ErrPacketLen},
		{badSum[:], ErrChecksum},
		{bigSize[:], ErrSize},
	} {
		if _, err := ParsePacket(tc.b); !errors.Is(err, tc.want) {
			t.Errorf("ParsePacket(% x) = %v, want %v", tc.b, err, tc.want)
		}
	}
	p, err := ParsePacket(good[:])
	if err != nil || p != KeypressPacket() {
		t.Errorf("ParsePacket(keypress) = %v, %v", p, err)
	}
}

func TestRingtonePackets(t *testing.T) {
	pkts, err := RingtonePackets(DefaultRingtone)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var notes []byte
	for _, p := range pkts {
		got = append(got, fmt.Sprintf("%#02x/%d@%d", p.Cmd, p.Size, p.Offset))
		if p.Cmd == CmdRingNote {
			notes = append(notes, p.Data[:p.Size]...)
		}
	}
	want := "[0x11/1@0 0x02/11@0 0x02/11@11 0x02/11@22 0x02/5@33]"
	if fmt.Sprint(got) != want || pkts[0].Data[0] != 0xef || !bytes.Equal(notes, DefaultRingtone[1:]) {
		t.Fatalf("packets %v (volume %#x), want %s", got, pkts[0].Data[0], want)
	}
	if _, err := RingtonePackets(nil); err == nil {
		t.Fatal("empty ringtone accepted")
	}
}

func TestSeg7Digits(t *testing.T) {
	// Segments a-g as bits 0-6 (map_to_7segment.h).
	want := []uint8{0x3f, 0x06, 0x5b, 0x4f, 0x66, 0x6d, 0x7d, 0x07, 0x7f, 0x6f}
	for d, w := range want {
		if got := Seg7(byte('0' + d)); got != w {
			t.Errorf("Seg7(%c) = %#02x, want %#02x", '0'+d, got, w)
		}
	}
	if Seg7(' ') != 0 || Seg7(200) != 0 || Seg7('-') != 0x40 {
		t.Errorf("Seg7 of space, 200, '-' = %#x %#x %#x", Seg7(' '), Seg7(200), Seg7('-'))
	}
}

// Line 1's odd elements follow the kernel's setChar: the '1' element has
// only segments b and c, both on byte 22 bit 1, fed by the value's first
// two bits.
func TestLine1Quirks(t *testing.T) {
	var s status
	s.setChar(0, '1') // A=0, B=1: c wins the shared bit
	if s[22] != 2 {
		t.Fatalf("'1' on the 1-element: byte 22 = %#x, want 0x2", s[22])
	}
	s.setChar(2, 'x') // icon M: any character but space shows it
	if s[22] != 3 {
		t.Fatalf("icon M: byte 22 = %#x, want 0x3", s[22])
	}
	s.setChar(2, ' ')
	s.setChar(0, '\t') // placeholder: unchanged
	if s[22] != 2 {
		t.Fatalf("after hiding M: byte 22 = %#x, want 0x2", s[22])
	}
	s.setChar(len(lcdMap), '8') // out of range: ignored
}

func TestLCDPacketsChunking(t *testing.T) {
	var old, new status
	new[0], new[12], new[23] = 1, 1, 1
	var got []string
	for _, p := range lcdPackets(&old, &new) {
		got = append(got, fmt.Sprintf("%d@%d", p.Size, p.Offset))
	}
	// Byte 11 is unchanged, so the second packet starts at 12.
	if fmt.Sprint(got) != "[11@0 11@12 1@23]" {
		t.Fatalf("LCD packets %v, want [11@0 11@12 1@23]", got)
	}
}

func ExampleLCDSegments() {
	lcd := LCDSegments("0301234")
	fmt.Printf("% x\n", lcd)
	fmt.Printf("%q\n", ReadLine3(lcd))
	// Output:
	// 00 00 00 00 00 00 00 00 00 00 60 60 f0 40 b0 c0 60 00 f0 a0 f0 40 f0 a0
	// "0301234     "
}

func FuzzParsePacket(f *testing.F) {
	k := KeypressPacket().Bytes()
	l := LCDSegments("1234")
	lcd := Packet{Cmd: CmdLCD, Size: 11, Offset: 13}
	copy(lcd.Data[:], l[13:])
	lb := lcd.Bytes()
	f.Add(k[:])
	f.Add(lb[:])
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0xff}, 16))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePacket(b)
		if err != nil {
			return
		}
		if len(b) != PacketLen || p.Size > DataLen {
			t.Fatalf("ParsePacket(% x) accepted %v", b, p)
		}
		if again := p.Bytes(); !bytes.Equal(again[:], b) {
			t.Fatalf("ParsePacket(% x) = %v, which encodes to % x", b, p, again)
		}
	})
}

func FuzzDisplay(f *testing.F) {
	f.Add("+49301234567")
	f.Add("0")
	f.Add("")
	f.Add("ÄÖ\x00\xff")
	f.Fuzz(func(t *testing.T, text string) {
		shown := DisplayText(text)
		if len(shown) != Line3Size {
			t.Fatalf("DisplayText(%q) = %q", text, shown)
		}
		got := ReadLine3(LCDSegments(text))
		for i := range shown {
			c := shown[i]
			// Characters without a glyph show blank; the others read
			// back as a character with the same glyph.
			if Seg7(c) == 0 && got[i] != ' ' || Seg7(c) != 0 && Seg7(got[i]) != Seg7(c) {
				t.Fatalf("%q shown as %q, read back %q", text, shown, got)
			}
		}
	})
}

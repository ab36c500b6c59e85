package yealink

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// PacketLen is the size of every packet, both ways.
const PacketLen = 16

// DataLen is the payload capacity of one packet.
const DataLen = 11

// Commands (yealink.h).
const (
	CmdInit       = 0x8e // init registers: size 10, data 0
	CmdKeypress   = 0x80 // poll: the reply's data[0] is the key number
	CmdScancode   = 0x81 // offset = key number - 1; the reply's data[0] is the scancode
	CmdLCD        = 0x04 // offset 0-23, size 1-11: segment bits
	CmdLED        = 0x05 // data[0]: 0 off, 1 on
	CmdRingVolume = 0x11 // data[0]: 0-255
	CmdRingNote   = 0x02 // offset, size 1-11: LE16(-freq), LE16(duration) pairs
	CmdRingtone   = 0x03 // data[0]: 0 off, 0x24 on (speaker on the back)
	CmdDialtone   = 0x09 // data[0]: 0 off, 1 on (ear speaker)
)

// Values of the switch commands.
const (
	RingtoneOn = 0x24
	LEDOn      = 0x01
	DialtoneOn = 0x01
)

// Sentinel errors of ParsePacket.
var (
	ErrPacketLen = errors.New("yealink: bad packet length")
	ErrChecksum  = errors.New("yealink: bad checksum")
	ErrSize      = errors.New("yealink: bad size field")
)

// Packet is one yld_ctl_packet: {cmd, size, be16 offset, data[11], sum},
// where the sum byte makes all 16 bytes add up to 0 mod 256.
type Packet struct {
	Cmd    uint8
	Size   uint8 // used bytes of Data, 1-11
	Offset uint16
	Data   [DataLen]byte
}

// Bytes encodes the packet and computes its checksum.
func (p Packet) Bytes() [PacketLen]byte {
	var b [PacketLen]byte
	b[0], b[1] = p.Cmd, p.Size
	binary.BigEndian.PutUint16(b[2:4], p.Offset)
	copy(b[4:15], p.Data[:])
	var sum uint8
	for _, c := range b[:PacketLen-1] {
		sum -= c
	}
	b[PacketLen-1] = sum
	return b
}

// ParsePacket decodes a packet and checks its length, checksum and size
// field (at most DataLen).
func ParsePacket(b []byte) (Packet, error) {
	if len(b) != PacketLen {
		return Packet{}, fmt.Errorf("%w: got %d bytes, want %d", ErrPacketLen, len(b), PacketLen)
	}
	var sum uint8
	for _, c := range b {
		sum += c
	}
	if sum != 0 {
		return Packet{}, fmt.Errorf("%w: bytes sum to %#02x, want 0", ErrChecksum, sum)
	}
	if b[1] > DataLen {
		return Packet{}, fmt.Errorf("%w: %d > %d", ErrSize, b[1], DataLen)
	}
	p := Packet{Cmd: b[0], Size: b[1], Offset: binary.BigEndian.Uint16(b[2:4])}
	copy(p.Data[:], b[4:15])
	return p, nil
}

func (p Packet) String() string {
	n := min(int(p.Size), DataLen)
	return fmt.Sprintf("cmd %#02x size %d offset %d data % x", p.Cmd, p.Size, p.Offset, p.Data[:n])
}

// switchPacket builds LED, ringtone and dialtone commands.
func switchPacket(cmd, val uint8) Packet {
	p := Packet{Cmd: cmd, Size: 1}
	p.Data[0] = val
	return p
}

// DefaultRingtone is default_ringtone of yealink.c: the volume byte, then
// notes of LE16(-freq) and LE16(duration in 1/100 s): 1250 Hz and 1000 Hz
// alternating for 0.12 s each, four times, then 4 s of silence.
var DefaultRingtone = []byte{
	0xEF,                   // volume [0-255]
	0xFB, 0x1E, 0x00, 0x0C, // 1250 Hz, 12/100 s
	0xFC, 0x18, 0x00, 0x0C, // 1000 Hz, 12/100 s
	0xFB, 0x1E, 0x00, 0x0C,
	0xFC, 0x18, 0x00, 0x0C,
	0xFB, 0x1E, 0x00, 0x0C,
	0xFC, 0x18, 0x00, 0x0C,
	0xFB, 0x1E, 0x00, 0x0C,
	0xFC, 0x18, 0x00, 0x0C,
	0xFF, 0xFF, 0x01, 0x90, // silent, 400/100 s
	0x00, 0x00, // end of sequence
}

// RingtonePackets splits a ringtone (volume byte, then notes) into the
// RING_VOLUME packet and the RING_NOTE packets of yealink_set_ringtone.
func RingtonePackets(tone []byte) ([]Packet, error) {
	if len(tone) == 0 {
		return nil, fmt.Errorf("yealink: empty ringtone")
	}
	if len(tone)-1 > 0xffff {
		return nil, fmt.Errorf("yealink: ringtone of %d bytes is too long", len(tone))
	}
	pkts := []Packet{switchPacket(CmdRingVolume, tone[0])}
	notes := tone[1:]
	for ix := 0; ix < len(notes); ix += DataLen {
		n := min(DataLen, len(notes)-ix)
		p := Packet{Cmd: CmdRingNote, Size: uint8(n), Offset: uint16(ix)}
		copy(p.Data[:], notes[ix:ix+n])
		pkts = append(pkts, p)
	}
	return pkts, nil
}

// InitPacket is CMD_INIT as yealink.c sends it.
func InitPacket() Packet { return Packet{Cmd: CmdInit, Size: 10} }

// KeypressPacket is the key poll.
func KeypressPacket() Packet { return Packet{Cmd: CmdKeypress, Size: 1} }

// ScancodePacket asks for the scancode of key number keynum; keynum 0 (no
// key) becomes offset 0x1f, as in yealink.c.
func ScancodePacket(keynum uint8) Packet {
	return Packet{Cmd: CmdScancode, Size: 1, Offset: uint16((keynum - 1) & 0x1f)}
}

package cm109

import "fmt"

// ReportLen is the size of CM109 input and output reports.
const ReportLen = 4

// Input register bits (HID_IR0 of cm109.c).
const (
	RecordMute   = 1 << 3
	PlaybackMute = 1 << 2
	VolumeDown   = 1 << 1
	VolumeUp     = 1 << 0
)

// Output register bits and values (HID_OR0-2 of cm109.c).
const (
	// ModeGPOBuzzer (bits 7-6 of OR0 = 0): OR1-2 drive the GPOs, OR0 and
	// OR3 the buzzer and S/PDIF.
	ModeGPOBuzzer = 0 << 6
	// BuzzerOn is OR0 bit 5.
	BuzzerOn = 1 << 5
	// AllColumns drives every keypad column; the single columns are
	// 0x1, 0x2, 0x4 and 0x8.
	AllColumns = 0x0f
)

// Input is one decoded input report.
type Input struct {
	// Special holds the buttons of IR0: RecordMute, PlaybackMute,
	// VolumeDown, VolumeUp.
	Special uint8
	// GPI is IR1: keypad rows in the high nibble, the driven column mask
	// in the low nibble. While one column is driven it is the scancode.
	GPI uint8
}

// Rows is the keypad row nibble (IR1 & 0xf0) that the idle scan watches.
func (in Input) Rows() uint8 { return in.GPI & 0xf0 }

// ParseInput decodes an input report. Reports shorter than ReportLen are
// an error; bytes beyond it (an endpoint with a larger packet size) are
// ignored, as the kernel's 4-byte transfer buffer would.
func ParseInput(p []byte) (Input, error) {
	if len(p) < ReportLen {
		return Input{}, fmt.Errorf("%w: got %d bytes, want %d", ErrShortReport, len(p), ReportLen)
	}
	return Input{Special: p[0] & 0x0f, GPI: p[1]}, nil
}

// Output is the state an output report carries.
type Output struct {
	Buzzer bool
	// Columns is the keypad column mask driven (GPO value and GPIO
	// direction).
	Columns uint8
}

// Bytes encodes the output report.
func (o Output) Bytes() [ReportLen]byte {
	b := [ReportLen]byte{ModeGPOBuzzer, o.Columns, o.Columns, 0}
	if o.Buzzer {
		b[0] |= BuzzerOn
	}
	return b
}

// ParseOutput decodes an output report (the simulator's side).
func ParseOutput(p []byte) (Output, error) {
	if len(p) != ReportLen {
		return Output{}, fmt.Errorf("%w: output report of %d bytes, want %d", ErrShortReport, len(p), ReportLen)
	}
	// A column is driven when it is both an output (OR2) and high (OR1).
	return Output{Buzzer: p[0]&BuzzerOn != 0, Columns: p[1] & p[2] & 0x0f}, nil
}

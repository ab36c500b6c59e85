package baresip

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// MaxMessage bounds one netstring's payload. baresip's own replies and
// events are well under 4 KiB (a help listing is about 1 KiB); anything
// longer is not a ctrl_tcp peer worth trusting.
const MaxMessage = 64 << 10

// maxLengthDigits bounds the length prefix: len("65536") is 5, and a
// sixth digit can only be a leading zero or a too-long message.
const maxLengthDigits = 6

// Sentinel errors callers branch on.
var (
	// ErrFraming is a byte stream that is not netstrings: the peer is
	// not baresip's ctrl_tcp, or the stream is corrupt. The connection
	// cannot be resynchronised and must be closed.
	ErrFraming = errors.New("baresip: bad netstring framing")
	// ErrTooLong is a netstring longer than MaxMessage.
	ErrTooLong = errors.New("baresip: message too long")
	// ErrMalformed is a netstring whose payload is not a ctrl_tcp JSON
	// message. It is logged and dropped; the connection stays.
	ErrMalformed = errors.New("baresip: malformed message")
)

// netstringReader reads netstrings ("<len>:<payload>,") from a stream,
// never holding more than max bytes of payload.
type netstringReader struct {
	r   *bufio.Reader
	max int
	buf []byte
}

func newNetstringReader(r io.Reader, max int) *netstringReader {
	return &netstringReader{r: bufio.NewReaderSize(r, 4096), max: max}
}

// next returns the next payload. It is valid until the next call. io.EOF
// means the stream ended cleanly between two netstrings.
func (n *netstringReader) next() ([]byte, error) {
	length, digits := 0, 0
	for {
		b, err := n.r.ReadByte()
		if err != nil {
			if err == io.EOF && digits > 0 {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if b == ':' {
			break
		}
		if b < '0' || b > '9' {
			return nil, fmt.Errorf("%w: byte %q in length", ErrFraming, b)
		}
		if digits++; digits > maxLengthDigits {
			return nil, fmt.Errorf("%w: length longer than %d digits", ErrTooLong, maxLengthDigits)
		}
		length = length*10 + int(b-'0')
	}
	if digits == 0 {
		return nil, fmt.Errorf("%w: empty length", ErrFraming)
	}
	if length > n.max {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLong, length, n.max)
	}
	if cap(n.buf) < length+1 {
		n.buf = make([]byte, length+1)
	}
	buf := n.buf[:length+1]
	if _, err := io.ReadFull(n.r, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	if buf[length] != ',' {
		return nil, fmt.Errorf("%w: %q after a %d-byte payload, want ','", ErrFraming, buf[length], length)
	}
	return buf[:length], nil
}

// appendNetstring frames payload.
func appendNetstring(dst, payload []byte) []byte {
	dst = strconv.AppendInt(dst, int64(len(payload)), 10)
	dst = append(dst, ':')
	dst = append(dst, payload...)
	return append(dst, ',')
}

// Event is one ctrl_tcp event: {"event":true,"type":"CALL_INCOMING",...}.
// The fields are those baresip 1.0.0's event_encode_dict writes; newer
// versions add more, which are ignored.
type Event struct {
	// Type is the event name: CALL_INCOMING, CALL_RINGING,
	// CALL_PROGRESS, CALL_ESTABLISHED, CALL_CLOSED, CALL_DTMF_START, ...
	Type string
	// Class groups events: call, register, application, other, ...
	Class string
	// AccountAOR is the local account the event belongs to.
	AccountAOR string
	// Direction is incoming or outgoing (call events only).
	Direction string
	// PeerURI is the far end's SIP URI (call events only).
	PeerURI string
	// ID is baresip's call id (call events only; absent from the
	// first events of an outgoing call).
	ID string
	// Param is the event's detail: the peer URI, the close reason,
	// the DTMF key, ...
	Param string
}

// Response is ctrl_tcp's answer to one command.
type Response struct {
	// OK is false when baresip's command handler returned an error.
	// baresip 1.0.0 answers ok for several failures (callfind of an
	// unknown id, accept without an incoming call): Data tells.
	OK bool
	// Data is the command's printed output, or the error text.
	Data string
}

// flexBool reads true, false, "true" and "false": the ctrl_tcp
// documentation shows "event":"true" while baresip writes a JSON boolean.
type flexBool bool

func (b *flexBool) UnmarshalJSON(p []byte) error {
	switch string(p) {
	case "true", `"true"`:
		*b = true
	case "false", `"false"`, "null":
		*b = false
	default:
		return fmt.Errorf("not a boolean: %.20s", p)
	}
	return nil
}

// wireMessage is everything ctrl_tcp sends, responses and events alike.
type wireMessage struct {
	Event      flexBool `json:"event"`
	Response   flexBool `json:"response"`
	OK         flexBool `json:"ok"`
	Data       string   `json:"data"`
	Token      string   `json:"token"`
	Type       string   `json:"type"`
	Class      string   `json:"class"`
	AccountAOR string   `json:"accountaor"`
	Direction  string   `json:"direction"`
	PeerURI    string   `json:"peeruri"`
	ID         string   `json:"id"`
	Param      string   `json:"param"`
}

// message is one decoded payload: a response (with its token) or an event.
type message struct {
	isEvent bool
	token   string
	resp    Response
	event   Event
}

// decodeMessage decodes one ctrl_tcp payload. It never panics; anything
// that is neither a response nor an event is ErrMalformed.
func decodeMessage(p []byte) (message, error) {
	var w wireMessage
	if err := json.Unmarshal(p, &w); err != nil {
		return message{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	switch {
	case bool(w.Event && !w.Response):
		return message{isEvent: true, event: Event{Type: w.Type, Class: w.Class, AccountAOR: w.AccountAOR,
			Direction: w.Direction, PeerURI: w.PeerURI, ID: w.ID, Param: w.Param}}, nil
	case bool(w.Response && !w.Event):
		return message{token: w.Token, resp: Response{OK: bool(w.OK), Data: w.Data}}, nil
	}
	return message{}, fmt.Errorf("%w: neither a response nor an event", ErrMalformed)
}

// command is what ctrl_tcp reads: {"command":..,"params":..,"token":..}.
type command struct {
	Command string `json:"command"`
	Params  string `json:"params,omitempty"`
	Token   string `json:"token"`
}

// maxCommandLine is what ctrl_tcp 1.0.0 keeps of "command params": it
// formats them into a 256-byte buffer and silently cuts the rest, which
// would dial a truncated number.
const maxCommandLine = 255

func encodeCommand(name, params, token string) ([]byte, error) {
	if name == "" {
		return nil, fmt.Errorf("baresip: empty command")
	}
	if n := len(name) + 1 + len(params); n > maxCommandLine {
		return nil, fmt.Errorf("baresip: command %q too long: %d bytes, limit %d", name, n, maxCommandLine)
	}
	p, err := json.Marshal(command{Command: name, Params: params, Token: token})
	if err != nil {
		return nil, fmt.Errorf("baresip: encode command: %w", err)
	}
	return appendNetstring(nil, p), nil
}

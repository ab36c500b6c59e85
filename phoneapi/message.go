package phoneapi

import (
	"strconv"
	"strings"
)

// Message is a line the device receives: a reply to a command or an
// asynchronous notification.
type Message interface{ isMessage() }

// OKMsg accepts NAME: the device is attached.
type OKMsg struct{}

// ProtocolMsg gives the protocol version the host will use: PROTOCOL <n>.
type ProtocolMsg struct{ Version int }

// ConnStatusMsg reports the host's connection: CONNSTATUS <status>, one of
// ONLINE, OFFLINE, CONNECTING, PAUSING, LOGGEDOUT. Kept as sent, since
// newer hosts may add values.
type ConnStatusMsg struct{ Status string }

// ErrorMsg is the host refusing a command: ERROR <code> <text>. It is also
// an error, so a session can return it as the result of that command.
type ErrorMsg struct {
	Code int
	Text string
}

// CallMsg is a call notification or reply: CALL <id> <PROPERTY> <value>.
// The value is free text (display names, PSTN status lines).
type CallMsg struct {
	ID       int
	Property string
	Value    string
}

// MuteMsg is the host's mute state: MUTE ON|OFF.
type MuteMsg struct{ On bool }

// AudioInMsg confirms the capture device: AUDIO_IN <device>.
type AudioInMsg struct{ Device string }

// AudioOutMsg confirms the playback device: AUDIO_OUT <device>.
type AudioOutMsg struct{ Device string }

// PongMsg answers PING.
type PongMsg struct{}

// UserStatusMsg reports the signed-in user's status: USERSTATUS <status>.
type UserStatusMsg struct{ Status string }

// UnknownMsg is a well-formed line this package does not model (USER,
// CHAT, ...). It is never an error: the daemon ignores it.
type UnknownMsg struct{ Line string }

func (OKMsg) isMessage()         {}
func (ProtocolMsg) isMessage()   {}
func (ConnStatusMsg) isMessage() {}
func (ErrorMsg) isMessage()      {}
func (CallMsg) isMessage()       {}
func (MuteMsg) isMessage()       {}
func (AudioInMsg) isMessage()    {}
func (AudioOutMsg) isMessage()   {}
func (PongMsg) isMessage()       {}
func (UserStatusMsg) isMessage() {}
func (UnknownMsg) isMessage()    {}

// Error implements error.
func (e ErrorMsg) Error() string {
	if e.Text == "" {
		return "phoneapi: host error " + strconv.Itoa(e.Code)
	}
	return "phoneapi: host error " + strconv.Itoa(e.Code) + ": " + e.Text
}

// Parse reads a message line without its identifier (see SplitID). A known
// notification with missing or malformed arguments is an error wrapping
// ErrMalformed that names what is wrong; a well-formed line with an
// unknown verb is an UnknownMsg.
func Parse(line string) (Message, error) {
	line, err := clean(line)
	if err != nil {
		return nil, err
	}
	word, rest := next(line)
	verb := upper(word)
	switch verb {
	case "OK":
		if err := noArgs(verb, rest); err != nil {
			return nil, err
		}
		return OKMsg{}, nil
	case "PONG":
		if err := noArgs(verb, rest); err != nil {
			return nil, err
		}
		return PongMsg{}, nil
	case "PROTOCOL":
		v, rest := next(rest)
		n, err := number("PROTOCOL: version", v)
		if err != nil {
			return nil, err
		}
		if err := noArgs(verb, rest); err != nil {
			return nil, err
		}
		return ProtocolMsg{Version: n}, nil
	case "CONNSTATUS", "USERSTATUS":
		s, err := status(verb, rest)
		if err != nil {
			return nil, err
		}
		if verb == "CONNSTATUS" {
			return ConnStatusMsg{Status: s}, nil
		}
		return UserStatusMsg{Status: s}, nil
	case "ERROR":
		c, text := next(rest)
		code, err := number("ERROR: code", c)
		if err != nil {
			return nil, err
		}
		return ErrorMsg{Code: code, Text: text}, nil
	case "CALL":
		idw, after := next(rest)
		id, err := number("CALL: call id", idw)
		if err != nil {
			return nil, err
		}
		p, value := next(after)
		if p == "" {
			return nil, malformed("CALL %d: missing property", id)
		}
		p = upper(p)
		if (p == "STATUS" || p == "TYPE") && strings.TrimSpace(value) == "" {
			return nil, malformed("CALL %d %s: missing value", id, p)
		}
		return CallMsg{ID: id, Property: p, Value: value}, nil
	case "MUTE":
		on, err := onOff(verb, rest)
		if err != nil {
			return nil, err
		}
		return MuteMsg{On: on}, nil
	case "AUDIO_IN":
		return AudioInMsg{Device: rest}, nil
	case "AUDIO_OUT":
		return AudioOutMsg{Device: rest}, nil
	}
	return UnknownMsg{Line: line}, nil
}

// status reads the one-word status of CONNSTATUS and USERSTATUS, upper-cased.
func status(verb, rest string) (string, error) {
	s, err := oneWord(verb, "status", rest)
	return upper(s), err
}

// FormatMessage writes a message line, with "#<id> " in front when id is
// not empty. Hosts and test hosts use it.
func FormatMessage(id string, m Message) string {
	var s string
	switch m := m.(type) {
	case OKMsg:
		s = "OK"
	case ProtocolMsg:
		s = "PROTOCOL " + strconv.Itoa(m.Version)
	case ConnStatusMsg:
		s = "CONNSTATUS " + m.Status
	case ErrorMsg:
		s = "ERROR " + strconv.Itoa(m.Code)
		if m.Text != "" {
			s += " " + m.Text
		}
	case CallMsg:
		s = "CALL " + strconv.Itoa(m.ID) + " " + m.Property
		if m.Value != "" {
			s += " " + m.Value
		}
	case MuteMsg:
		s = "MUTE " + onOffWord(m.On)
	case AudioInMsg:
		s = "AUDIO_IN " + m.Device
	case AudioOutMsg:
		s = "AUDIO_OUT " + m.Device
	case PongMsg:
		s = "PONG"
	case UserStatusMsg:
		s = "USERSTATUS " + m.Status
	case UnknownMsg:
		s = m.Line
	case nil:
		return ""
	default:
		return ""
	}
	return withID(id, s)
}

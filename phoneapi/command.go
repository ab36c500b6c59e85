package phoneapi

import (
	"strconv"
	"strings"
)

// Command is a line the device sends. String is the wire form without an
// identifier; Verb is its first word in upper case.
type Command interface {
	Verb() string
	String() string
}

// NameCmd announces the device to the host: NAME <name>. It is the first
// command of an attach.
type NameCmd struct{ Name string }

// ProtocolCmd asks for a protocol version: PROTOCOL <n>. The host answers
// with the version it will use, never higher.
type ProtocolCmd struct{ Version int }

// HookCmd reports the hook switch: HOOK OFF when the handset is lifted,
// HOOK ON when it is put down.
type HookCmd struct{ OffHook bool }

// MuteCmd reports the device's mute control: MUTE ON|OFF.
type MuteCmd struct{ On bool }

// BtnPressedCmd reports a key press: BTN_PRESSED <k>.
type BtnPressedCmd struct{ Key string }

// BtnReleasedCmd reports a key release: BTN_RELEASED <k>.
type BtnReleasedCmd struct{ Key string }

// AudioInCmd names the capture device the host should use: AUDIO_IN <device>.
type AudioInCmd struct{ Device string }

// AudioOutCmd names the playback device the host should use: AUDIO_OUT <device>.
type AudioOutCmd struct{ Device string }

// PingCmd checks that the host is alive: PING, answered by PONG.
type PingCmd struct{}

// GetCallCmd asks for a call property: GET CALL <id> <prop>. The handset
// uses it to learn the TYPE of a ringing call it knows nothing else about.
type GetCallCmd struct {
	ID       int
	Property string
}

// AlterCallCmd controls a call (access API): ALTER CALL <id> <action> [<arg>],
// for example ANSWER, HANGUP, END HANGUP (reject), HOLD, RESUME, DTMF <k>.
type AlterCallCmd struct {
	ID     int
	Action string
	Arg    string
}

// SetMuteCmd sets the host's microphone mute (access API): SET MUTE ON|OFF.
type SetMuteCmd struct{ On bool }

// CallCmd places a call (access API): CALL <target>, where target is a
// handle, a number, or a comma-separated list of them.
type CallCmd struct{ Target string }

// RawCmd is any other line, sent verbatim. ParseCommand returns it for
// verbs it does not model.
type RawCmd struct{ Line string }

// Verb implements Command.
func (NameCmd) Verb() string { return "NAME" }

// Verb implements Command.
func (ProtocolCmd) Verb() string { return "PROTOCOL" }

// Verb implements Command.
func (HookCmd) Verb() string { return "HOOK" }

// Verb implements Command.
func (MuteCmd) Verb() string { return "MUTE" }

// Verb implements Command.
func (BtnPressedCmd) Verb() string { return "BTN_PRESSED" }

// Verb implements Command.
func (BtnReleasedCmd) Verb() string { return "BTN_RELEASED" }

// Verb implements Command.
func (AudioInCmd) Verb() string { return "AUDIO_IN" }

// Verb implements Command.
func (AudioOutCmd) Verb() string { return "AUDIO_OUT" }

// Verb implements Command.
func (PingCmd) Verb() string { return "PING" }

// Verb implements Command.
func (GetCallCmd) Verb() string { return "GET" }

// Verb implements Command.
func (AlterCallCmd) Verb() string { return "ALTER" }

// Verb implements Command.
func (SetMuteCmd) Verb() string { return "SET" }

// Verb implements Command.
func (CallCmd) Verb() string { return "CALL" }

// Verb implements Command: the first word of the line, in upper case.
func (c RawCmd) Verb() string {
	w, _ := next(c.Line)
	return upper(w)
}

func (c NameCmd) String() string     { return "NAME " + c.Name }
func (c ProtocolCmd) String() string { return "PROTOCOL " + strconv.Itoa(c.Version) }
func (c HookCmd) String() string {
	if c.OffHook {
		return "HOOK OFF"
	}
	return "HOOK ON"
}
func (c MuteCmd) String() string        { return "MUTE " + onOffWord(c.On) }
func (c BtnPressedCmd) String() string  { return "BTN_PRESSED " + c.Key }
func (c BtnReleasedCmd) String() string { return "BTN_RELEASED " + c.Key }
func (c AudioInCmd) String() string     { return "AUDIO_IN " + c.Device }
func (c AudioOutCmd) String() string    { return "AUDIO_OUT " + c.Device }
func (PingCmd) String() string          { return "PING" }
func (c GetCallCmd) String() string {
	return "GET CALL " + strconv.Itoa(c.ID) + " " + c.Property
}
func (c AlterCallCmd) String() string {
	s := "ALTER CALL " + strconv.Itoa(c.ID) + " " + c.Action
	if c.Arg != "" {
		s += " " + c.Arg
	}
	return s
}
func (c SetMuteCmd) String() string { return "SET MUTE " + onOffWord(c.On) }
func (c CallCmd) String() string    { return "CALL " + c.Target }
func (c RawCmd) String() string     { return c.Line }

// ParseCommand reads a command line without its identifier (see SplitID).
// Hosts and test hosts use it. Unknown verbs, and GET, SET and ALTER of
// objects other than those modelled here, give a RawCmd holding the line;
// a known command with missing or malformed arguments is an error wrapping
// ErrMalformed.
func ParseCommand(line string) (Command, error) {
	line, err := clean(line)
	if err != nil {
		return nil, err
	}
	word, rest := next(line)
	verb := upper(word)
	switch verb {
	case "NAME":
		if strings.TrimLeft(rest, " ") == "" {
			return nil, malformed("NAME: missing device name")
		}
		return NameCmd{Name: rest}, nil
	case "PROTOCOL":
		v, rest := next(rest)
		n, err := number("PROTOCOL: version", v)
		if err != nil {
			return nil, err
		}
		if err := noArgs(verb, rest); err != nil {
			return nil, err
		}
		return ProtocolCmd{Version: n}, nil
	case "HOOK":
		// HOOK OFF means off hook: the handset is lifted.
		on, err := onOff(verb, rest)
		if err != nil {
			return nil, err
		}
		return HookCmd{OffHook: !on}, nil
	case "MUTE":
		on, err := onOff(verb, rest)
		if err != nil {
			return nil, err
		}
		return MuteCmd{On: on}, nil
	case "BTN_PRESSED", "BTN_RELEASED":
		k, err := key(verb, rest)
		if err != nil {
			return nil, err
		}
		if verb == "BTN_PRESSED" {
			return BtnPressedCmd{Key: k}, nil
		}
		return BtnReleasedCmd{Key: k}, nil
	case "AUDIO_IN":
		return AudioInCmd{Device: rest}, nil
	case "AUDIO_OUT":
		return AudioOutCmd{Device: rest}, nil
	case "PING":
		if err := noArgs(verb, rest); err != nil {
			return nil, err
		}
		return PingCmd{}, nil
	case "GET", "ALTER":
		obj, after := next(rest)
		if upper(obj) != "CALL" {
			return RawCmd{Line: line}, nil
		}
		idw, after := next(after)
		id, err := number(verb+" CALL: call id", idw)
		if err != nil {
			return nil, err
		}
		if verb == "GET" {
			if strings.TrimLeft(after, " ") == "" {
				return nil, malformed("GET CALL %d: missing property", id)
			}
			// The property may take arguments (CAN_TRANSFER <handle>):
			// keep them with it.
			p, args := next(after)
			if args != "" {
				return GetCallCmd{ID: id, Property: upper(p) + " " + args}, nil
			}
			return GetCallCmd{ID: id, Property: upper(p)}, nil
		}
		action, arg := next(after)
		if action == "" {
			return nil, malformed("ALTER CALL %d: missing action", id)
		}
		return AlterCallCmd{ID: id, Action: upper(action), Arg: arg}, nil
	case "SET":
		obj, after := next(rest)
		if upper(obj) != "MUTE" {
			return RawCmd{Line: line}, nil
		}
		on, err := onOff("SET MUTE", after)
		if err != nil {
			return nil, err
		}
		return SetMuteCmd{On: on}, nil
	case "CALL":
		if strings.TrimLeft(rest, " ") == "" {
			return nil, malformed("CALL: missing target")
		}
		return CallCmd{Target: rest}, nil
	}
	return RawCmd{Line: line}, nil
}

// key reads the single key name of BTN_PRESSED and BTN_RELEASED. Key names
// are single words (0-9, A-Z, #, *, +, UP, DOWN, YES, NO, SKYPE); other
// words are kept as sent, since devices may have keys the reference does
// not list.
func key(verb, rest string) (string, error) {
	return oneWord(verb, "key", rest)
}

// oneWord reads rest as exactly one word, the argument of verb named what
// in errors.
func oneWord(verb, what, rest string) (string, error) {
	w, after := next(rest)
	if w == "" {
		return "", malformed("%s: missing %s", verb, what)
	}
	if strings.TrimLeft(after, " ") != "" {
		return "", malformed("%s: %s must be one word, got %s", verb, what, quote(rest))
	}
	return w, nil
}

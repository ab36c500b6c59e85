package phoneapi

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		line string
		want Message
	}{
		{"OK", OKMsg{}},
		{"ok", OKMsg{}},
		{"OK\r\n", OKMsg{}},
		{"OK\n", OKMsg{}},
		{"PONG", PongMsg{}},
		{"PROTOCOL 5", ProtocolMsg{Version: 5}},
		{"PROTOCOL 1", ProtocolMsg{Version: 1}},
		{"PROTOCOL  007 ", ProtocolMsg{Version: 7}},
		{"CONNSTATUS OFFLINE", ConnStatusMsg{Status: "OFFLINE"}},
		{"CONNSTATUS online", ConnStatusMsg{Status: "ONLINE"}},
		{"USERSTATUS ONLINE", UserStatusMsg{Status: "ONLINE"}},
		{"ERROR 68 Access denied", ErrorMsg{Code: 68, Text: "Access denied"}},
		{"ERROR 7 GET: invalid WHAT", ErrorMsg{Code: 7, Text: "GET: invalid WHAT"}},
		{"ERROR 12", ErrorMsg{Code: 12}},
		{"CALL 1402 STATUS RINGING", CallMsg{ID: 1402, Property: "STATUS", Value: "RINGING"}},
		{"CALL 1402 SUBJECT", CallMsg{ID: 1402, Property: "SUBJECT"}},
		{"CALL 12 TYPE INCOMING_PSTN", CallMsg{ID: 12, Property: "TYPE", Value: "INCOMING_PSTN"}},
		{"call 12 status ringing", CallMsg{ID: 12, Property: "STATUS", Value: "ringing"}},
		{"CALL 651 PSTN_STATUS 10503 Service Unavailable", CallMsg{ID: 651, Property: "PSTN_STATUS", Value: "10503 Service Unavailable"}},
		{"CALL 3 PARTNER_DISPNAME Ada  Lovelace ", CallMsg{ID: 3, Property: "PARTNER_DISPNAME", Value: "Ada  Lovelace "}},
		{"CALL 3 PARTNER_DISPNAME  Ada", CallMsg{ID: 3, Property: "PARTNER_DISPNAME", Value: " Ada"}},
		{"CALL  3  DURATION 1", CallMsg{ID: 3, Property: "DURATION", Value: "1"}},
		{"CALL 3 PARTNER_DISPNAME Zoë 日本", CallMsg{ID: 3, Property: "PARTNER_DISPNAME", Value: "Zoë 日本"}},
		{"MUTE ON", MuteMsg{On: true}},
		{"MUTE off", MuteMsg{On: false}},
		{"AUDIO_IN Jabra EVOLVE", AudioInMsg{Device: "Jabra EVOLVE"}},
		{"AUDIO_OUT ", AudioOutMsg{Device: ""}},
		{"AUDIO_OUT", AudioOutMsg{Device: ""}},
		{"USER echo123 FULLNAME Echo Test Service", UnknownMsg{Line: "USER echo123 FULLNAME Echo Test Service"}},
		{"#12 PONG", UnknownMsg{Line: "#12 PONG"}},
		{"CHAT #a/$b;1 STATUS MULTI_SUBSCRIBED\r\n", UnknownMsg{Line: "CHAT #a/$b;1 STATUS MULTI_SUBSCRIBED"}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.line)
		if err != nil {
			t.Errorf("Parse(%q): unexpected error %v", tt.line, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q) = %#v, want %#v", tt.line, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		line, want string
	}{
		{"", "phoneapi: malformed line: empty line"},
		{"\r\n", "phoneapi: malformed line: empty line"},
		{"   ", "phoneapi: malformed line: empty line"},
		{"OK extra", `phoneapi: malformed line: OK: unexpected arguments "extra"`},
		{"PONG 1", `phoneapi: malformed line: PONG: unexpected arguments "1"`},
		{"PROTOCOL", "phoneapi: malformed line: missing PROTOCOL: version"},
		{"PROTOCOL five", `phoneapi: malformed line: PROTOCOL: version "five" is not an unsigned decimal number`},
		{"PROTOCOL -1", `phoneapi: malformed line: PROTOCOL: version "-1" is not an unsigned decimal number`},
		{"PROTOCOL 5 6", `phoneapi: malformed line: PROTOCOL: unexpected arguments "6"`},
		{"CONNSTATUS", "phoneapi: malformed line: CONNSTATUS: missing status"},
		{"CONNSTATUS NOT SURE", `phoneapi: malformed line: CONNSTATUS: status must be one word, got "NOT SURE"`},
		{"USERSTATUS ", "phoneapi: malformed line: USERSTATUS: missing status"},
		{"ERROR", "phoneapi: malformed line: missing ERROR: code"},
		{"ERROR x text", `phoneapi: malformed line: ERROR: code "x" is not an unsigned decimal number`},
		{"CALL", "phoneapi: malformed line: missing CALL: call id"},
		{"CALL abc STATUS", `phoneapi: malformed line: CALL: call id "abc" is not an unsigned decimal number`},
		{"CALL +5 STATUS RINGING", `phoneapi: malformed line: CALL: call id "+5" is not an unsigned decimal number`},
		{"CALL 99999999999999999999 STATUS RINGING", `phoneapi: malformed line: CALL: call id "99999999999999999999" out of range`},
		{"CALL 5", "phoneapi: malformed line: CALL 5: missing property"},
		{"CALL 5 STATUS", "phoneapi: malformed line: CALL 5 STATUS: missing value"},
		{"CALL 5 STATUS  ", "phoneapi: malformed line: CALL 5 STATUS: missing value"},
		{"CALL 5 type", "phoneapi: malformed line: CALL 5 TYPE: missing value"},
		{"MUTE", "phoneapi: malformed line: MUTE: missing ON or OFF"},
		{"MUTE MAYBE", `phoneapi: malformed line: MUTE: want ON or OFF, got "MAYBE"`},
		{"MUTE ON OFF", `phoneapi: malformed line: MUTE: unexpected text after "ON"`},
		{"CALL 1 STATUS \xff", "phoneapi: malformed line: invalid UTF-8"},
		{"CALL 1 STATUS RINGING\x00", `phoneapi: malformed line: control character '\x00' at byte 21`},
		{"CALL 1 STATUS RINGING\nCALL 2 STATUS RINGING", `phoneapi: malformed line: control character '\n' at byte 21`},
		{"OK\r\r\n", `phoneapi: malformed line: control character '\r' at byte 2`},
		{"CALL 1 PARTNER_DISPNAME " + strings.Repeat("x", MaxLineLen), "phoneapi: malformed line: line too long: 65560 bytes, limit 65536"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.line)
		if err == nil {
			t.Errorf("Parse(%.40q) = %#v, want error %q", tt.line, got, tt.want)
			continue
		}
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("Parse(%.40q) error %v does not wrap ErrMalformed", tt.line, err)
		}
		if err.Error() != tt.want {
			t.Errorf("Parse(%.40q) error\n got %q\nwant %q", tt.line, err, tt.want)
		}
		if got != nil {
			t.Errorf("Parse(%.40q) returned %#v with its error", tt.line, got)
		}
	}
}

func TestLineLengthLimit(t *testing.T) {
	head := "CALL 1 PARTNER_DISPNAME "
	fill := strings.Repeat("é", (MaxLineLen-len(head))/2) // two bytes each
	exact := head + fill
	if len(exact) != MaxLineLen {
		t.Fatalf("test line is %d bytes, want %d", len(exact), MaxLineLen)
	}
	for _, line := range []string{exact, exact + "\n", exact + "\r\n"} {
		m, err := Parse(line)
		if err != nil {
			t.Fatalf("Parse(%d bytes): %v", len(line), err)
		}
		if got := m.(CallMsg).Value; got != fill {
			t.Fatalf("Parse(%d bytes): value of %d bytes, want %d", len(line), len(got), len(fill))
		}
	}
	for _, line := range []string{exact + "x", exact + "x\r\n", exact + "\n\n"} {
		if _, err := Parse(line); !errors.Is(err, ErrMalformed) {
			t.Errorf("Parse(%d bytes) error = %v, want ErrMalformed", len(line), err)
		}
		if _, err := ParseCommand(line); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseCommand(%d bytes) error = %v, want ErrMalformed", len(line), err)
		}
	}
}

// The value of a CALL notification is a slice of the line: parsing the
// largest line allocates only the Message interface value, never a copy.
func TestParseDoesNotCopyValue(t *testing.T) {
	line := "CALL 1 PARTNER_DISPNAME " + strings.Repeat("x", MaxLineLen-24) + "\r\n"
	allocs := testing.AllocsPerRun(20, func() {
		if _, err := Parse(line); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 1 {
		t.Errorf("Parse of a %d-byte line: %v allocations, want at most 1", len(line), allocs)
	}
	long := line + strings.Repeat("y", 1<<20)
	allocs = testing.AllocsPerRun(20, func() {
		if _, err := Parse(long); err == nil {
			t.Fatal("no error for an over-long line")
		}
	})
	// The error value and its message: small, independent of the length.
	if allocs > 8 {
		t.Errorf("Parse of a %d-byte line: %v allocations, want at most 8", len(long), allocs)
	}
}

func TestParseCommand(t *testing.T) {
	tests := []struct {
		line string
		want Command
	}{
		{"NAME Jabra EVOLVE LINK MS (handsetd)", NameCmd{Name: "Jabra EVOLVE LINK MS (handsetd)"}},
		{"name x", NameCmd{Name: "x"}},
		{"PROTOCOL 5", ProtocolCmd{Version: 5}},
		{"HOOK OFF", HookCmd{OffHook: true}},
		{"HOOK ON", HookCmd{OffHook: false}},
		{"hook off\r\n", HookCmd{OffHook: true}},
		{"MUTE ON", MuteCmd{On: true}},
		{"MUTE OFF", MuteCmd{On: false}},
		{"BTN_PRESSED 5", BtnPressedCmd{Key: "5"}},
		{"BTN_PRESSED #", BtnPressedCmd{Key: "#"}},
		{"BTN_RELEASED SKYPE ", BtnReleasedCmd{Key: "SKYPE"}},
		{"AUDIO_IN Jabra EVOLVE", AudioInCmd{Device: "Jabra EVOLVE"}},
		{"AUDIO_OUT", AudioOutCmd{Device: ""}},
		{"PING", PingCmd{}},
		{"GET CALL 12 TYPE", GetCallCmd{ID: 12, Property: "TYPE"}},
		{"get call 12 type", GetCallCmd{ID: 12, Property: "TYPE"}},
		{"GET CALL 12 CAN_TRANSFER echo123", GetCallCmd{ID: 12, Property: "CAN_TRANSFER echo123"}},
		{"ALTER CALL 12 ANSWER", AlterCallCmd{ID: 12, Action: "ANSWER"}},
		{"ALTER CALL 12 END HANGUP", AlterCallCmd{ID: 12, Action: "END", Arg: "HANGUP"}},
		{"ALTER CALL 12 DTMF #", AlterCallCmd{ID: 12, Action: "DTMF", Arg: "#"}},
		{"SET MUTE ON", SetMuteCmd{On: true}},
		{"SET MUTE off", SetMuteCmd{On: false}},
		{"CALL +18005551234", CallCmd{Target: "+18005551234"}},
		{"CALL echo123, pamela", CallCmd{Target: "echo123, pamela"}},
		{"GET USERSTATUS", RawCmd{Line: "GET USERSTATUS"}},
		{"SET CALL 1540 STATUS ONHOLD", RawCmd{Line: "SET CALL 1540 STATUS ONHOLD"}},
		{"ALTER CHAT x LEAVE", RawCmd{Line: "ALTER CHAT x LEAVE"}},
		{"SET", RawCmd{Line: "SET"}},
		{"SEARCH FRIENDS", RawCmd{Line: "SEARCH FRIENDS"}},
	}
	for _, tt := range tests {
		got, err := ParseCommand(tt.line)
		if err != nil {
			t.Errorf("ParseCommand(%q): unexpected error %v", tt.line, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseCommand(%q) = %#v, want %#v", tt.line, got, tt.want)
		}
	}
}

func TestParseCommandErrors(t *testing.T) {
	tests := []struct {
		line, want string
	}{
		{"", "phoneapi: malformed line: empty line"},
		{"NAME", "phoneapi: malformed line: NAME: missing device name"},
		{"NAME   ", "phoneapi: malformed line: NAME: missing device name"},
		{"PROTOCOL x", `phoneapi: malformed line: PROTOCOL: version "x" is not an unsigned decimal number`},
		{"HOOK", "phoneapi: malformed line: HOOK: missing ON or OFF"},
		{"HOOK UP", `phoneapi: malformed line: HOOK: want ON or OFF, got "UP"`},
		{"MUTE", "phoneapi: malformed line: MUTE: missing ON or OFF"},
		{"BTN_PRESSED", "phoneapi: malformed line: BTN_PRESSED: missing key"},
		{"BTN_RELEASED 1 2", `phoneapi: malformed line: BTN_RELEASED: key must be one word, got "1 2"`},
		{"PING 1", `phoneapi: malformed line: PING: unexpected arguments "1"`},
		{"GET CALL", "phoneapi: malformed line: missing GET CALL: call id"},
		{"GET CALL x TYPE", `phoneapi: malformed line: GET CALL: call id "x" is not an unsigned decimal number`},
		{"GET CALL 5", "phoneapi: malformed line: GET CALL 5: missing property"},
		{"ALTER CALL 5", "phoneapi: malformed line: ALTER CALL 5: missing action"},
		{"SET MUTE", "phoneapi: malformed line: SET MUTE: missing ON or OFF"},
		{"CALL", "phoneapi: malformed line: CALL: missing target"},
		{"HOOK \xc3", "phoneapi: malformed line: invalid UTF-8"},
	}
	for _, tt := range tests {
		got, err := ParseCommand(tt.line)
		if err == nil {
			t.Errorf("ParseCommand(%q) = %#v, want error %q", tt.line, got, tt.want)
			continue
		}
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseCommand(%q) error %v does not wrap ErrMalformed", tt.line, err)
		}
		if err.Error() != tt.want {
			t.Errorf("ParseCommand(%q) error\n got %q\nwant %q", tt.line, err, tt.want)
		}
	}
}

// allMessages holds one canonical value of every Message type, with
// values that exercise free text.
var allMessages = []Message{
	OKMsg{},
	ProtocolMsg{Version: 5},
	ProtocolMsg{Version: 0},
	ConnStatusMsg{Status: "LOGGEDOUT"},
	ErrorMsg{Code: 68, Text: "Access denied"},
	ErrorMsg{Code: 12},
	CallMsg{ID: 7, Property: "STATUS", Value: "RINGING"},
	CallMsg{ID: 7, Property: "PARTNER_DISPNAME", Value: "  Ada  Lovelace  "},
	CallMsg{ID: 0, Property: "SUBJECT"},
	MuteMsg{On: true},
	MuteMsg{On: false},
	AudioInMsg{Device: "Jabra EVOLVE LINK"},
	AudioInMsg{},
	AudioOutMsg{Device: " x "},
	PongMsg{},
	UserStatusMsg{Status: "DND"},
	UnknownMsg{Line: "USER echo123 FULLNAME Echo Test Service"},
}

var allCommands = []Command{
	NameCmd{Name: "Jabra EVOLVE LINK MS (handsetd)"},
	ProtocolCmd{Version: 5},
	HookCmd{OffHook: true},
	HookCmd{OffHook: false},
	MuteCmd{On: true},
	MuteCmd{On: false},
	BtnPressedCmd{Key: "*"},
	BtnReleasedCmd{Key: "YES"},
	AudioInCmd{Device: "hw:1,0"},
	AudioOutCmd{},
	PingCmd{},
	GetCallCmd{ID: 3, Property: "TYPE"},
	AlterCallCmd{ID: 3, Action: "ANSWER"},
	AlterCallCmd{ID: 3, Action: "END", Arg: "HANGUP"},
	AlterCallCmd{ID: 3, Action: "DTMF", Arg: "9"},
	SetMuteCmd{On: true},
	SetMuteCmd{On: false},
	CallCmd{Target: "echo123, +18005551234"},
	RawCmd{Line: "GET USERSTATUS"},
}

func TestMessageRoundTrip(t *testing.T) {
	for _, m := range allMessages {
		for _, id := range []string{"", "12", "cmd11", "A#b"} {
			line := FormatMessage(id, m)
			gotID, rest, ok := SplitID(line)
			if gotID != id || ok != (id != "") {
				t.Errorf("SplitID(%q) = %q, _, %v; want %q", line, gotID, ok, id)
			}
			got, err := Parse(rest)
			if err != nil {
				t.Errorf("Parse(FormatMessage(%q, %#v) = %q): %v", id, m, line, err)
				continue
			}
			if got != m {
				t.Errorf("Parse(%q) = %#v, want %#v", line, got, m)
			}
		}
	}
}

func TestCommandRoundTrip(t *testing.T) {
	for _, c := range allCommands {
		for _, id := range []string{"", "1", "AB"} {
			line := Format(id, c)
			gotID, rest, ok := SplitID(line)
			if gotID != id || ok != (id != "") {
				t.Errorf("SplitID(%q) = %q, _, %v; want %q", line, gotID, ok, id)
			}
			got, err := ParseCommand(rest)
			if err != nil {
				t.Errorf("ParseCommand(Format(%q, %#v) = %q): %v", id, c, line, err)
				continue
			}
			if got != c {
				t.Errorf("ParseCommand(%q) = %#v, want %#v", line, got, c)
			}
			if got.Verb() != c.Verb() {
				t.Errorf("Verb of %q = %q, want %q", line, got.Verb(), c.Verb())
			}
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		id   string
		c    Command
		want string
	}{
		{"", HookCmd{OffHook: true}, "HOOK OFF"},
		{"", HookCmd{}, "HOOK ON"},
		{"12", PingCmd{}, "#12 PING"},
		{"", NameCmd{Name: "Snom (handsetd)"}, "NAME Snom (handsetd)"},
		{"", ProtocolCmd{Version: 5}, "PROTOCOL 5"},
		{"", BtnPressedCmd{Key: "YES"}, "BTN_PRESSED YES"},
		{"", BtnReleasedCmd{Key: "YES"}, "BTN_RELEASED YES"},
		{"", MuteCmd{On: true}, "MUTE ON"},
		{"7", GetCallCmd{ID: 42, Property: "TYPE"}, "#7 GET CALL 42 TYPE"},
		{"", AlterCallCmd{ID: 42, Action: "END", Arg: "HANGUP"}, "ALTER CALL 42 END HANGUP"},
		{"", AlterCallCmd{ID: 42, Action: "HANGUP"}, "ALTER CALL 42 HANGUP"},
		{"", SetMuteCmd{}, "SET MUTE OFF"},
		{"", CallCmd{Target: "123"}, "CALL 123"},
		{"", AudioInCmd{Device: "a b"}, "AUDIO_IN a b"},
		{"", AudioOutCmd{Device: "c"}, "AUDIO_OUT c"},
		{"x", RawCmd{Line: "GET USERSTATUS"}, "#x GET USERSTATUS"},
		{"x", nil, ""},
	}
	for _, tt := range tests {
		if got := Format(tt.id, tt.c); got != tt.want {
			t.Errorf("Format(%q, %#v) = %q, want %q", tt.id, tt.c, got, tt.want)
		}
	}
}

func TestFormatMessage(t *testing.T) {
	tests := []struct {
		id   string
		m    Message
		want string
	}{
		{"", OKMsg{}, "OK"},
		{"12", PongMsg{}, "#12 PONG"},
		{"", ErrorMsg{Code: 68, Text: "Access denied"}, "ERROR 68 Access denied"},
		{"", ErrorMsg{Code: 12}, "ERROR 12"},
		{"", CallMsg{ID: 3, Property: "STATUS", Value: "RINGING"}, "CALL 3 STATUS RINGING"},
		{"", CallMsg{ID: 3, Property: "SUBJECT"}, "CALL 3 SUBJECT"},
		{"", ConnStatusMsg{Status: "ONLINE"}, "CONNSTATUS ONLINE"},
		{"", UserStatusMsg{Status: "ONLINE"}, "USERSTATUS ONLINE"},
		{"", ProtocolMsg{Version: 5}, "PROTOCOL 5"},
		{"", MuteMsg{}, "MUTE OFF"},
		{"", AudioInMsg{Device: "d"}, "AUDIO_IN d"},
		{"", AudioOutMsg{Device: "d"}, "AUDIO_OUT d"},
		{"", UnknownMsg{Line: "USER a B c"}, "USER a B c"},
		{"1", nil, ""},
		{"1", &OKMsg{}, ""},
	}
	for _, tt := range tests {
		if got := FormatMessage(tt.id, tt.m); got != tt.want {
			t.Errorf("FormatMessage(%q, %#v) = %q, want %q", tt.id, tt.m, got, tt.want)
		}
	}
}

func TestSplitID(t *testing.T) {
	tests := []struct {
		line, id, rest string
		ok             bool
	}{
		{"#12 PONG", "12", "PONG", true},
		{"#AB USERSTATUS ONLINE", "AB", "USERSTATUS ONLINE", true},
		{"#cmd11  SET MUTE ON", "cmd11", "SET MUTE ON", true},
		{"#50 CALL 651 STATUS ROUTING", "50", "CALL 651 STATUS ROUTING", true},
		{"#a#b OK", "a#b", "OK", true},
		{"PONG", "", "PONG", false},
		{"#12", "", "#12", false},
		{"#12 ", "", "#12 ", false},
		{"# PONG", "", "# PONG", false},
		{"#", "", "#", false},
		{"", "", "", false},
		{" #12 PONG", "", " #12 PONG", false},
	}
	for _, tt := range tests {
		id, rest, ok := SplitID(tt.line)
		if id != tt.id || rest != tt.rest || ok != tt.ok {
			t.Errorf("SplitID(%q) = %q, %q, %v; want %q, %q, %v", tt.line, id, rest, ok, tt.id, tt.rest, tt.ok)
		}
	}
}

func TestErrorMsgIsError(t *testing.T) {
	var err error = ErrorMsg{Code: 68, Text: "Access denied"}
	if got, want := err.Error(), "phoneapi: host error 68: Access denied"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := (ErrorMsg{Code: 9}).Error(), "phoneapi: host error 9"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	var em ErrorMsg
	if !errors.As(wrap(err), &em) || em.Code != 68 {
		t.Errorf("errors.As found %#v, want code 68", em)
	}
}

func wrap(err error) error { return errors.Join(errors.New("session: PROTOCOL"), err) }

func TestRawCmdVerb(t *testing.T) {
	for line, want := range map[string]string{
		"get userstatus": "GET",
		"  SEARCH x":     "SEARCH",
		"":               "",
	} {
		if got := (RawCmd{Line: line}).Verb(); got != want {
			t.Errorf("RawCmd{%q}.Verb() = %q, want %q", line, got, want)
		}
	}
}

func BenchmarkParseCall(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("CALL 1402 PARTNER_DISPNAME Echo Test Service"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseMaxLine(b *testing.B) {
	line := "CALL 1 PARTNER_DISPNAME " + strings.Repeat("x", MaxLineLen-24)
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(line); err != nil {
			b.Fatal(err)
		}
	}
}

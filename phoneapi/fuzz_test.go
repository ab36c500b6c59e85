package phoneapi

import (
	"errors"
	"strings"
	"testing"
)

// seedLines are lines from the reference's examples and from the contract,
// plus the malformed lines the contract names.
var seedLines = []string{
	"OK", "PROTOCOL 5", "PROTOCOL 1", "CONNSTATUS OFFLINE", "CONNSTATUS ONLINE",
	"ERROR 68 Access denied", "#123 ERROR 7 GET: invalid WHAT", "#AB USERSTATUS ONLINE",
	"#cmd11 USERSTATUS ONLINE", "USERSTATUS ONLINE", "CALL 651 STATUS ROUTING",
	"#50 CALL 651 STATUS ROUTING", "CALL 651 PSTN_STATUS 10503 Service Unavailable",
	"CALL 651 FAILUREREASON 1", "CALL 651 STATUS FAILED",
	"USER echo123 LASTONLINETIMESTAMP 1105764678", "USER echo123 FULLNAME Echo Test Service",
	"#50 PONG", "CALL 1402 SUBJECT", "CALL 1402 STATUS RINGING", "CALL 1402 DURATION 1",
	"CALL 1540 STATUS ONHOLD", "CALL 12 TYPE INCOMING_PSTN", "CALL 12 PARTNER_HANDLE +3725555555",
	"CALL 12 PARTNER_DISPNAME Ada  Lovelace", "MUTE ON", "MUTE OFF", "AUDIO_IN Jabra EVOLVE",
	"AUDIO_OUT ", "CALL", "CALL abc STATUS", "CALL 1 STATUS \xff", "\r\n", "OK\r\n",
	"NAME Jabra EVOLVE LINK MS (handsetd)", "HOOK OFF", "HOOK ON", "BTN_PRESSED #",
	"BTN_RELEASED SKYPE", "PING", "GET CALL 12 TYPE", "ALTER CALL 12 END HANGUP",
	"ALTER CALL 12 DTMF 5", "SET MUTE ON", "CALL echo123, +18005551234",
	"SET CALL 1540 STATUS ONHOLD", "GET USERSTATUS",
}

// FuzzParse checks that Parse never panics, that every error wraps
// ErrMalformed, and that what it accepts is written back by FormatMessage
// as a line that parses to the same value.
func FuzzParse(f *testing.F) {
	for _, s := range seedLines {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		id, rest, ok := SplitID(line)
		if ok && (id == "" || strings.ContainsRune(id, ' ') || !strings.HasPrefix(line, "#"+id+" ") ||
			!strings.HasSuffix(line, rest) || rest == "" || rest[0] == ' ') {
			t.Fatalf("SplitID(%q) = %q, %q, true: not an id and the rest of the line", line, id, rest)
		}
		if !ok && (id != "" || rest != line) {
			t.Fatalf("SplitID(%q) = %q, %q, false: want \"\" and the whole line", line, id, rest)
		}
		m, err := Parse(rest)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse(%q) error %v does not wrap ErrMalformed", rest, err)
			}
			if len(err.Error()) > 200 {
				t.Fatalf("Parse(%q) error of %d bytes", rest, len(err.Error()))
			}
			return
		}
		if c, ok := m.(CallMsg); ok && c.ID < 0 {
			t.Fatalf("Parse(%q) gave negative call id %d", rest, c.ID)
		}
		out := FormatMessage("", m)
		m2, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(%q) = %#v, written as %q, which does not parse: %v", rest, m, out, err)
		}
		if m2 != m {
			t.Fatalf("Parse(%q) = %#v, written as %q, parses to %#v", rest, m, out, m2)
		}
	})
}

// FuzzParseCommand is FuzzParse for the device's direction.
func FuzzParseCommand(f *testing.F) {
	for _, s := range seedLines {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		c, err := ParseCommand(line)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseCommand(%q) error %v does not wrap ErrMalformed", line, err)
			}
			return
		}
		out := Format("", c)
		c2, err := ParseCommand(out)
		if err != nil {
			t.Fatalf("ParseCommand(%q) = %#v, written as %q, which does not parse: %v", line, c, out, err)
		}
		if c2 != c {
			t.Fatalf("ParseCommand(%q) = %#v, written as %q, parses to %#v", line, c, out, c2)
		}
		if c2.Verb() != c.Verb() {
			t.Fatalf("Verb changed from %q to %q through %q", c.Verb(), c2.Verb(), out)
		}
	})
}

package phoneapi

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxLineLen bounds a line, so that a hostile or broken host cannot make a
// reader hold or log an arbitrarily large message. Real lines are far
// shorter; 64 KiB leaves room for long chat-era notifications.
const MaxLineLen = 64 << 10

// ErrMalformed is wrapped by every error from Parse and ParseCommand: the
// line cannot be a valid message or command. Callers log and drop it.
var ErrMalformed = errors.New("phoneapi: malformed line")

// maxQuote bounds how much of an offending input an error quotes.
const maxQuote = 40

// quote renders s for an error message without copying a huge input.
func quote(s string) string {
	if len(s) > maxQuote {
		cut := maxQuote
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + "..."
	}
	return strconv.Quote(s)
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// clean checks the framing rules shared by messages and commands and
// returns the line without its tolerated trailing newline. It slices, never
// copies.
func clean(line string) (string, error) {
	if len(line) > MaxLineLen+2 {
		return "", malformed("line too long: %d bytes, limit %d", len(line), MaxLineLen)
	}
	line = strings.TrimSuffix(line, "\n")
	line = strings.TrimSuffix(line, "\r")
	if len(line) > MaxLineLen {
		return "", malformed("line too long: %d bytes, limit %d", len(line), MaxLineLen)
	}
	if strings.TrimLeft(line, " ") == "" {
		return "", malformed("empty line")
	}
	if !utf8.ValidString(line) {
		return "", malformed("invalid UTF-8")
	}
	if i := strings.IndexAny(line, "\x00\r\n"); i >= 0 {
		return "", malformed("control character %q at byte %d", line[i], i)
	}
	return line, nil
}

// next splits the first space-separated word off s. Leading spaces are
// skipped; rest starts right after the single space that ends the word, so
// a free-text value that follows keeps its own leading spaces.
func next(s string) (word, rest string) {
	s = strings.TrimLeft(s, " ")
	i := strings.IndexByte(s, ' ')
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i+1:]
}

// upper is an ASCII upper-casing that does not allocate for words already
// in upper case (the normal case on the wire).
func upper(s string) string {
	for i := 0; i < len(s); i++ {
		if 'a' <= s[i] && s[i] <= 'z' {
			return strings.ToUpper(s)
		}
	}
	return s
}

// number parses an unsigned decimal that fits in an int.
func number(what, s string) (int, error) {
	if s == "" {
		return 0, malformed("missing %s", what)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, malformed("%s %s is not an unsigned decimal number", what, quote(s))
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, malformed("%s %s out of range", what, quote(s))
	}
	return n, nil
}

// onOff parses the ON|OFF argument of MUTE and SET MUTE.
func onOff(verb, s string) (bool, error) {
	word, rest := next(s)
	if strings.TrimLeft(rest, " ") != "" {
		return false, malformed("%s: unexpected text after %s", verb, quote(word))
	}
	switch upper(word) {
	case "ON":
		return true, nil
	case "OFF":
		return false, nil
	case "":
		return false, malformed("%s: missing ON or OFF", verb)
	}
	return false, malformed("%s: want ON or OFF, got %s", verb, quote(word))
}

func onOffWord(on bool) string {
	if on {
		return "ON"
	}
	return "OFF"
}

// noArgs checks that a verb without arguments has none.
func noArgs(verb, rest string) error {
	if strings.TrimLeft(rest, " ") != "" {
		return malformed("%s: unexpected arguments %s", verb, quote(rest))
	}
	return nil
}

// SplitID separates a command identifier from a line: "#12 PONG" gives
// "12", "PONG", true. A line without an identifier gives "", line, false.
// A "#" not followed by an identifier and a command is not an identifier:
// the whole line comes back as rest with ok false, and parsing it yields
// an unknown message. Spaces after the identifier are skipped.
func SplitID(line string) (id string, rest string, ok bool) {
	if !strings.HasPrefix(line, "#") {
		return "", line, false
	}
	i := strings.IndexByte(line, ' ')
	if i < 2 {
		return "", line, false
	}
	rest = strings.TrimLeft(line[i+1:], " ")
	if rest == "" {
		return "", line, false
	}
	return line[1:i], rest, true
}

// Format writes a command line, with "#<id> " in front when id is not
// empty. id must not contain spaces: it is chosen by the device, not read
// from input.
func Format(id string, c Command) string {
	if c == nil {
		return ""
	}
	return withID(id, c.String())
}

func withID(id, s string) string {
	if id == "" {
		return s
	}
	return "#" + id + " " + s
}

// Package phoneapi models the text protocol spoken between a phone device
// and a softphone host: the Skype phone API and the parts of the Skype
// access API a handset needs (call notifications, call control, mute).
//
// The package is pure: it turns lines into typed values and typed values
// into lines. It does no I/O and knows nothing of D-Bus; the transport, the
// session and the test host live in sibling packages and build on it.
//
// Reference: the Skype 2.0 API reference ("Skype phone API", "Command
// identifiers", "Calls") and the project's contract,
// docs/phone-api.md in the shared documentation.
//
// # Two directions, two parsers
//
// A [Command] is a line the device sends (NAME, PROTOCOL, HOOK, MUTE,
// BTN_PRESSED, ALTER CALL, ...). A [Message] is a line the device receives:
// a reply or an asynchronous notification (OK, CALL 12 STATUS RINGING,
// ERROR 68 ..., ...). [Parse] reads messages, [ParseCommand] reads commands
// (hosts and test hosts need it), [Format] and [FormatMessage] write them.
// Every Command and Message value written by Format/FormatMessage parses
// back to the same value. Parse and ParseCommand return the types as values
// (OKMsg{}, not &OKMsg{}), so callers switch on value types and messages
// compare with ==; FormatMessage writes nothing for other types.
//
// # Command identifiers
//
// A line may start with "#<id> ", where <id> is any run of non-space
// characters chosen by the device; the host echoes it in the reply.
// [SplitID] separates it; [Parse] and [ParseCommand] read the line after
// the id.
//
// # Grammar choices
//
// Where the reference is silent or hosts differ, this package decides:
//
//   - Lines are UTF-8 and at most [MaxLineLen] bytes. Invalid UTF-8, an
//     over-long line, an empty or blank line, and a line holding a NUL, CR or LF
//     (other than one trailing "\r\n" or "\n", which is trimmed) are
//     errors wrapping [ErrMalformed]. No input makes the parsers panic.
//   - Verbs, objects (CALL, MUTE after GET/SET/ALTER), call property names
//     and the keywords ON/OFF are matched case-insensitively, because the
//     reference writes keywords in upper case without saying that lower
//     case is refused, and a lenient reader costs nothing. They are always
//     written in upper case.
//   - Words before a free-text value may be separated by several spaces.
//     A free-text value (a CALL property value, an ERROR text, a device or
//     display name) is everything after the single space that ends the
//     word before it, kept verbatim, spaces included, so that
//     "CALL 3 PARTNER_DISPNAME Ada  Lovelace" keeps its double space.
//   - Numbers (call ids, ERROR codes, PROTOCOL versions) are unsigned
//     decimal and must fit in an int; a sign or any other character is an
//     error.
//   - A well-formed line whose verb is not known is not an error: Parse
//     returns [UnknownMsg] (the daemon ignores it) and ParseCommand returns
//     [RawCmd]. A known verb with missing or malformed arguments is an
//     error naming what is wrong.
package phoneapi

package phoneapi_test

import (
	"errors"
	"fmt"

	"handsetd/phoneapi"
)

// A device attaches by naming itself and asking for a protocol version;
// the host accepts and answers with the version it will speak.
func Example_attach() {
	for _, c := range []phoneapi.Command{
		phoneapi.NameCmd{Name: "Jabra EVOLVE LINK MS (handsetd)"},
		phoneapi.ProtocolCmd{Version: 5},
	} {
		fmt.Println("->", phoneapi.Format("", c))
	}
	for _, line := range []string{"OK", "PROTOCOL 5"} {
		m, err := phoneapi.Parse(line)
		fmt.Printf("<- %s: %#v %v\n", line, m, err)
	}
	// Output:
	// -> NAME Jabra EVOLVE LINK MS (handsetd)
	// -> PROTOCOL 5
	// <- OK: phoneapi.OKMsg{} <nil>
	// <- PROTOCOL 5: phoneapi.ProtocolMsg{Version:5} <nil>
}

// An incoming call arrives as a series of CALL notifications; values are
// free text.
func Example_ringing() {
	for _, line := range []string{
		"CALL 1402 STATUS RINGING",
		"CALL 1402 TYPE INCOMING_P2P",
		"CALL 1402 PARTNER_DISPNAME Echo Test Service",
	} {
		m, _ := phoneapi.Parse(line)
		c := m.(phoneapi.CallMsg)
		fmt.Printf("call %d: %s = %q\n", c.ID, c.Property, c.Value)
	}
	// Output:
	// call 1402: STATUS = "RINGING"
	// call 1402: TYPE = "INCOMING_P2P"
	// call 1402: PARTNER_DISPNAME = "Echo Test Service"
}

// The host refuses a command with ERROR; the message is also an error.
// A malformed line is an error wrapping ErrMalformed, naming the problem.
func Example_error() {
	m, _ := phoneapi.Parse("ERROR 68 Access denied")
	var err error = m.(phoneapi.ErrorMsg)
	fmt.Println(err)

	_, err = phoneapi.Parse("CALL abc STATUS")
	fmt.Println(errors.Is(err, phoneapi.ErrMalformed), err)
	// Output:
	// phoneapi: host error 68: Access denied
	// true phoneapi: malformed line: CALL: call id "abc" is not an unsigned decimal number
}

// A command with an identifier gets its reply with the same identifier,
// possibly after unrelated notifications.
func Example_identifiedReply() {
	fmt.Println("->", phoneapi.Format("50", phoneapi.PingCmd{}))
	for _, line := range []string{
		"USER echo123 FULLNAME Echo Test Service",
		"#50 PONG",
	} {
		id, rest, ok := phoneapi.SplitID(line)
		m, _ := phoneapi.Parse(rest)
		fmt.Printf("<- id %q (%v): %#v\n", id, ok, m)
	}
	// Output:
	// -> #50 PING
	// <- id "" (false): phoneapi.UnknownMsg{Line:"USER echo123 FULLNAME Echo Test Service"}
	// <- id "50" (true): phoneapi.PongMsg{}
}

package calls_test

import (
	"fmt"

	"handsetd/phoneapi"
	"handsetd/phoneapi/calls"
)

// A call that starts ringing before its type is known does not ring the
// handset; the tracker says to ask for the type, and the answer decides.
func Example() {
	tr := calls.New()
	for _, line := range []string{
		"CALL 17 STATUS RINGING",
		"CALL 17 TYPE INCOMING_P2P",
		"CALL 17 PARTNER_DISPNAME Echo Test Service",
		"CALL 17 STATUS INPROGRESS",
		"CALL 17 STATUS FINISHED",
		"CALL 17 STATUS RINGING", // late: ignored
	} {
		m, err := phoneapi.Parse(line)
		if err != nil {
			fmt.Println(err)
			continue
		}
		ch := tr.Apply(m.(phoneapi.CallMsg))
		if ch.AskType {
			fmt.Println("->", phoneapi.Format("", phoneapi.GetCallCmd{ID: ch.Call.ID, Property: "TYPE"}))
		}
		_, active := tr.Active()
		fmt.Printf("%-42s ring=%-5v in call=%-5v ignored=%q\n", line, len(tr.Ringing()) > 0, active, ch.Ignored)
	}
	// Output:
	// -> GET CALL 17 TYPE
	// CALL 17 STATUS RINGING                     ring=false in call=false ignored=""
	// CALL 17 TYPE INCOMING_P2P                  ring=true  in call=false ignored=""
	// CALL 17 PARTNER_DISPNAME Echo Test Service ring=true  in call=false ignored=""
	// CALL 17 STATUS INPROGRESS                  ring=false in call=true  ignored=""
	// CALL 17 STATUS FINISHED                    ring=false in call=false ignored=""
	// CALL 17 STATUS RINGING                     ring=false in call=false ignored="call already ended"
}

// An outgoing call in RINGING is the far end ringing: the handset stays
// quiet.
func ExampleTracker_Ringing() {
	tr := calls.New()
	tr.Apply(phoneapi.CallMsg{ID: 5, Property: "TYPE", Value: "OUTGOING_PSTN"})
	tr.Apply(phoneapi.CallMsg{ID: 5, Property: "STATUS", Value: "RINGING"})
	tr.Apply(phoneapi.CallMsg{ID: 9, Property: "TYPE", Value: "INCOMING_PSTN"})
	tr.Apply(phoneapi.CallMsg{ID: 9, Property: "STATUS", Value: "RINGING"})
	for _, c := range tr.Ringing() {
		fmt.Println(c.ID, c.Type, c.Status)
	}
	// Output:
	// 9 INCOMING_PSTN RINGING
}

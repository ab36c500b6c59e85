package harness

import (
	"context"
	"fmt"
	"time"

	"handsetd/phoneapi/phoneapitest"
)

// Clients remembers which of the host's clients a test has seen, to wait
// for the next new one: the host forgets clients whose connection closed,
// so a count of clients cannot tell a handset re-plugged from one gone.
type Clients map[string]bool

// WaitNew waits until a client the set has not seen has attached (NAME
// accepted, PROTOCOL agreed), adds every attached client to the set, and
// returns the new one. The host offers no event for a PROTOCOL answered,
// so it polls.
func (seen Clients) WaitNew(ctx context.Context, h *phoneapitest.Host) (phoneapitest.Client, error) {
	for {
		var found *phoneapitest.Client
		for _, c := range h.Clients() {
			if c.Protocol > 1 && !seen[c.Sender] {
				found = &c
			}
		}
		if found != nil {
			for _, c := range h.Clients() {
				if c.Protocol > 1 {
					seen[c.Sender] = true
				}
			}
			return *found, nil
		}
		select {
		case <-ctx.Done():
			return phoneapitest.Client{}, fmt.Errorf("harness: waiting for a new client of the host: %w", ctx.Err())
		case <-time.After(2 * time.Millisecond):
		}
	}
}

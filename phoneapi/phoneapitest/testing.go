package phoneapitest

import (
	"context"
	"testing"
	"time"
)

// NewHost starts a Host on the bus at address for the test and closes it
// when the test ends.
func NewHost(t testing.TB, address string, opts ...HostOption) *Host {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h, err := Start(ctx, address, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"handsetd/phoneapi"
)

func TestBaresipHosts(t *testing.T) {
	for _, spec := range []string{"baresip", "baresip:4444", "baresip:127.0.0.1:4444"} {
		newHost, err := baresipHosts(spec, slog.New(slog.DiscardHandler))
		if err != nil || newHost == nil {
			t.Fatalf("baresipHosts(%q): nil %v, %v", spec, newHost == nil, err)
		}
		// Until it runs, the session is not connected: commands say
		// so instead of blocking.
		_, err = newHost("h").Send(context.Background(), phoneapi.CallCmd{Target: "1"})
		if err == nil || !strings.Contains(err.Error(), "not connected") {
			t.Fatalf("%q: Send before Run: %v, want not connected", spec, err)
		}
	}
	for spec, want := range map[string]string{
		"baresip:nohost": "want host:port or a port",
		"baresip:0":      "out of range",
		"phoneapi":       "not baresip[:ADDRESS]",
	} {
		if _, err := baresipHosts(spec, nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("baresipHosts(%q): %v, want an error saying %q", spec, err, want)
		}
	}
}

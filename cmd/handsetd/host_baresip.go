package main

import (
	"fmt"
	"log/slog"

	"handsetd/daemon"
	"handsetd/host/baresip"
)

// baresipHosts builds the daemon's NewHost for --host=baresip[:ADDRESS]:
// every handset gets a session on one shared ctrl_tcp connection to
// baresip (default 127.0.0.1:4444). baresip has no phone mode: the daemon
// must run with phone.ModeAccess whatever --mode says.
func baresipHosts(spec string, log *slog.Logger) (func(string) daemon.HostSession, error) {
	addr, ok, err := baresip.ParseHost(spec)
	if err != nil {
		return nil, fmt.Errorf("--host=%s: %w", spec, err)
	}
	if !ok {
		return nil, fmt.Errorf("--host=%s: not baresip[:ADDRESS]", spec)
	}
	return baresip.Hosts(baresip.Config{Addr: addr, Logger: log}), nil
}

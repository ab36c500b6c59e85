// Package sdnotify tells systemd about the daemon's state (sd_notify(3)):
// READY=1 once the daemon serves, STOPPING=1 when it leaves, WATCHDOG=1
// while it is alive when the unit asks for a watchdog.
package sdnotify

import (
	"context"
	"errors"
	"net"
	"strconv"
	"time"
)

// Notify sends state to the socket named by NOTIFY_SOCKET (getenv). It
// returns (false, nil) when not run by systemd, (true, nil) when the state
// was sent, and an error when the socket exists but the send failed.
func Notify(getenv func(string) string, state string) (bool, error) {
	path := getenv("NOTIFY_SOCKET")
	if path == "" {
		return false, nil
	}
	// An abstract socket starts with '@', which Go's net package reads as
	// the leading NUL, as systemd means it; others must be absolute.
	if path[0] != '@' && path[0] != '/' {
		return false, errors.New("sdnotify: NOTIFY_SOCKET is neither a path nor abstract")
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return false, err
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(state)); err != nil {
		return false, err
	}
	return true, nil
}

// WatchdogInterval returns how often to send WATCHDOG=1 (half of
// WATCHDOG_USEC, as sd_watchdog_enabled(3) advises), or 0 when the unit
// has no watchdog or it is meant for another process.
func WatchdogInterval(getenv func(string) string, pid int) time.Duration {
	usec, err := strconv.ParseInt(getenv("WATCHDOG_USEC"), 10, 64)
	if err != nil || usec <= 0 {
		return 0
	}
	if p := getenv("WATCHDOG_PID"); p != "" && p != strconv.Itoa(pid) {
		return 0
	}
	return time.Duration(usec) * time.Microsecond / 2
}

// Watchdog sends WATCHDOG=1 every interval until ctx ends. It is the only
// periodic wake-up of the daemon, and only when systemd asks for it.
func Watchdog(ctx context.Context, getenv func(string) string, interval time.Duration) {
	if interval <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			Notify(getenv, "WATCHDOG=1")
		}
	}
}

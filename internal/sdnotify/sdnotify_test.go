package sdnotify

import (
	"net"
	"path/filepath"
	"testing"
	"time"
)

func TestNotifySendsToSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notify")
	l, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	env := map[string]string{"NOTIFY_SOCKET": path}
	sent, err := Notify(func(k string) string { return env[k] }, "READY=1")
	if !sent || err != nil {
		t.Fatalf("Notify = %v, %v; want true, nil", sent, err)
	}
	buf := make([]byte, 64)
	l.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := l.Read(buf)
	if err != nil || string(buf[:n]) != "READY=1" {
		t.Fatalf("socket got %q, %v; want READY=1", buf[:n], err)
	}
}

func TestNotifyWithoutSystemd(t *testing.T) {
	sent, err := Notify(func(string) string { return "" }, "READY=1")
	if sent || err != nil {
		t.Fatalf("Notify = %v, %v; want false, nil", sent, err)
	}
	if _, err := Notify(func(string) string { return "relative" }, "READY=1"); err == nil {
		t.Fatal("relative NOTIFY_SOCKET accepted")
	}
}

func TestWatchdogInterval(t *testing.T) {
	env := map[string]string{"WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "42"}
	get := func(k string) string { return env[k] }
	if got := WatchdogInterval(get, 42); got != 10*time.Second {
		t.Fatalf("interval %v, want 10s", got)
	}
	if got := WatchdogInterval(get, 43); got != 0 {
		t.Fatalf("interval for another pid %v, want 0", got)
	}
	if got := WatchdogInterval(func(string) string { return "" }, 42); got != 0 {
		t.Fatalf("interval without watchdog %v, want 0", got)
	}
}

package phoneapitest

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// busID asks the daemon behind c for its unique id, which every daemon
// makes anew when it starts.
func busID(ctx context.Context, c *dbus.Conn) (string, error) {
	var id string
	err := c.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.GetId", 0).Store(&id)
	return id, err
}

func TestBusRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b := StartBusDaemon(t)
	want := "unix:path=" + filepath.Join(b.dir, "socket")
	if b.Address != want {
		t.Fatalf("Address = %q, want %q", b.Address, want)
	}
	pid, done := b.Pid(), b.Done()
	c, err := dbus.Connect(b.Address)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	id, err := busID(ctx, c)
	if err != nil {
		t.Fatal(err)
	}

	if err := b.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if b.Address != want || b.Pid() == pid {
		t.Fatalf("after Restart: address %q pid %d, want %q and a new pid (was %d)", b.Address, b.Pid(), want, pid)
	}
	select {
	case <-done:
	default:
		t.Fatal("the first daemon's Done is still open after Restart")
	}
	select {
	case <-b.Done():
		t.Fatal("the new daemon's Done is closed")
	default:
	}
	// The old connection is gone, a new one works on the same address and
	// reaches another daemon.
	if _, err := busID(ctx, c); err == nil {
		t.Fatal("a connection to the killed bus still answers")
	}
	c2, err := dbus.Connect(b.Address)
	if err != nil {
		t.Fatalf("connect after restart: %v", err)
	}
	defer c2.Close()
	id2, err := busID(ctx, c2)
	if err != nil {
		t.Fatal(err)
	}
	if id2 == id {
		t.Fatalf("bus id %q after Restart is the first daemon's", id2)
	}
}

func TestBusHostAfterRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b := StartBusDaemon(t)
	// The first host stays open: it loses its connection with the daemon.
	NewHost(t, b.Address)
	if err := b.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	// The name of the host on the killed bus is free on the new one.
	h := NewHost(t, b.Address)
	attachClient(t, ctx, b.Address, "restarted")
	if _, err := h.WaitCommand(ctx, Text("NAME restarted")); err != nil {
		t.Fatal(err)
	}
}

func TestBusClose(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := StartDaemon(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-b.Done():
	default:
		t.Fatal("Done is open after Close")
	}
	if _, err := os.Stat(b.dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("bus directory after Close: %v, want it gone", err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second Close = %v, want nil", err)
	}
	if err := b.Restart(ctx); !errors.Is(err, ErrBusClosed) {
		t.Fatalf("Restart after Close = %v, want ErrBusClosed", err)
	}
}

func TestBusRestartCanceled(t *testing.T) {
	b := StartBusDaemon(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := b.Restart(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Restart with a canceled context = %v, want context.Canceled", err)
	}
	// The old daemon is gone and no new one runs; Close still cleans up.
	select {
	case <-b.Done():
	default:
		t.Fatal("a daemon runs after a Restart that failed")
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(b.dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("bus directory after Close: %v, want it gone", err)
	}
}

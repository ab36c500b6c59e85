package phoneapitest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// busConfig is a session-bus configuration for a private daemon: anyone
// may own any name (the test host takes com.Skype.API, impostors try to), the
// socket lives in a directory the caller owns, and the limits are the
// session bus's own, so that bursts are judged against what users run.
const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
  <limit name="max_incoming_bytes">1000000000</limit>
  <limit name="max_outgoing_bytes">1000000000</limit>
  <limit name="max_message_size">1000000000</limit>
  <limit name="max_names_per_connection">50000</limit>
  <limit name="max_match_rules_per_connection">50000</limit>
  <limit name="max_replies_per_connection">50000</limit>
</busconfig>
`

// ErrNoDaemon means dbus-daemon is not installed. Tests fail on it rather
// than skip: a tier that cannot run must not pass.
var ErrNoDaemon = errors.New("phoneapitest: dbus-daemon not found (install the dbus package)")

// ErrBusClosed means the bus was closed: it cannot be restarted.
var ErrBusClosed = errors.New("phoneapitest: bus closed")

// Bus is a private dbus-daemon process, a real bus with nothing else on it.
// It listens on a socket of its own directory, so that Restart can bring a
// new daemon up on the same address, as a user's session bus comes back
// after a crash.
type Bus struct {
	// Address is the D-Bus address clients connect to, the same across
	// restarts.
	Address string

	dir string

	// life serialises Restart and Close: one daemon stops before the next
	// starts, and none starts once the directory is gone.
	life   sync.Mutex
	closed bool

	// mu guards the running daemon, which Pid and Done read while a
	// Restart may be replacing it.
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// StartDaemon runs a private dbus-daemon and returns once it accepts
// connections. ctx bounds only the start; Close stops the daemon.
func StartDaemon(ctx context.Context) (*Bus, error) {
	// A short directory under /tmp: unix socket paths are limited to about
	// 108 bytes and test temp dirs can be longer than that.
	dir, err := os.MkdirTemp("", "handsetd-bus-")
	if err != nil {
		return nil, fmt.Errorf("phoneapitest: bus directory: %w", err)
	}
	sock := filepath.Join(dir, "socket")
	if err := os.WriteFile(filepath.Join(dir, "bus.conf"), fmt.Appendf(nil, busConfig, sock), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("phoneapitest: bus config: %w", err)
	}
	// The address the daemon prints carries a guid that changes with
	// every start; clients find the bus by its path alone.
	b := &Bus{Address: "unix:path=" + sock, dir: dir}
	if err := b.start(ctx); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return b, nil
}

// start runs a daemon on the bus's socket and waits until it listens. The
// caller holds life (or owns b alone).
func (b *Bus) start(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("phoneapitest: start dbus-daemon: %w", err)
	}
	exe, err := exec.LookPath("dbus-daemon")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNoDaemon, err)
	}
	// A killed daemon leaves its socket file behind; the next one unlinks
	// a stale socket at its path before it listens.
	cmd := exec.Command(exe, "--config-file="+filepath.Join(b.dir, "bus.conf"), "--print-address=1", "--nofork", "--nopidfile")
	// The daemon complains on stderr about limits it may not raise when not
	// run by root; keep what it says for the error if it fails to start.
	stderr := &lockedWriter{}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("phoneapitest: bus stdout: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("phoneapitest: start dbus-daemon: %w", err)
	}
	done := make(chan struct{})
	addr := make(chan string, 1)
	go func() {
		// The daemon prints its address once it listens; after that the
		// pipe stays open and silent until it exits.
		line, _ := bufio.NewReader(out).ReadString('\n')
		addr <- strings.TrimSpace(line)
		_ = cmd.Wait()
		close(done)
	}()
	b.mu.Lock()
	b.cmd, b.done = cmd, done
	b.mu.Unlock()
	select {
	case a := <-addr:
		if a == "" {
			b.stop()
			return fmt.Errorf("phoneapitest: dbus-daemon exited without printing its address: %s", stderr.String())
		}
		return nil
	case <-ctx.Done():
		b.stop()
		return fmt.Errorf("phoneapitest: start dbus-daemon: %w", ctx.Err())
	case <-time.After(10 * time.Second):
		b.stop()
		return errors.New("phoneapitest: dbus-daemon did not print its address within 10s")
	}
}

// stop kills the running daemon and waits for it to exit.
func (b *Bus) stop() {
	b.mu.Lock()
	cmd, done := b.cmd, b.done
	b.mu.Unlock()
	_ = cmd.Process.Kill()
	<-done
}

// Restart kills the daemon, as a crash would, waits for it, and starts a
// new one on the same Address. Every client loses its connection and must
// connect again. ctx bounds the start; on an error no daemon runs and Close
// is still due.
func (b *Bus) Restart(ctx context.Context) error {
	b.life.Lock()
	defer b.life.Unlock()
	if b.closed {
		return ErrBusClosed
	}
	b.stop()
	return b.start(ctx)
}

// Close stops the daemon, waits for it and removes its socket directory.
// Every connection on the bus sees it go away.
func (b *Bus) Close() error {
	b.life.Lock()
	defer b.life.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	b.stop()
	if err := os.RemoveAll(b.dir); err != nil {
		return fmt.Errorf("phoneapitest: remove bus directory: %w", err)
	}
	return nil
}

// Done is closed when the daemon running now exits; a Restart starts a
// daemon with a Done of its own.
func (b *Bus) Done() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.done
}

// Pid is the process id of the daemon running now.
func (b *Bus) Pid() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cmd.Process.Pid
}

// StartBus runs a private dbus-daemon for the test and stops it when the
// test ends. It fails the test, never skips it, when the daemon cannot run.
func StartBus(t testing.TB) string {
	t.Helper()
	return StartBusDaemon(t).Address
}

// StartBusDaemon is StartBus for tests that also stop or restart the bus
// themselves (to see clients lose their connection, or find the bus again).
func StartBusDaemon(t testing.TB) *Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	b, err := StartDaemon(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// lockedWriter collects the daemon's stderr, written by exec's copying
// goroutine and read by start.
type lockedWriter struct {
	mu sync.Mutex
	w  strings.Builder
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.TrimSpace(l.w.String())
}

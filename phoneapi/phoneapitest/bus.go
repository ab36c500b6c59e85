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

// Bus is a private dbus-daemon process, a real bus with nothing else on it.
type Bus struct {
	// Address is the D-Bus address clients connect to.
	Address string

	dir  string
	cmd  *exec.Cmd
	done chan struct{}
	once sync.Once
	err  error
}

// StartDaemon runs a private dbus-daemon and returns once it accepts
// connections. ctx bounds only the start; Close stops the daemon.
func StartDaemon(ctx context.Context) (*Bus, error) {
	exe, err := exec.LookPath("dbus-daemon")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoDaemon, err)
	}
	// A short directory under /tmp: unix socket paths are limited to about
	// 108 bytes and test temp dirs can be longer than that.
	dir, err := os.MkdirTemp("", "handsetd-bus-")
	if err != nil {
		return nil, fmt.Errorf("phoneapitest: bus directory: %w", err)
	}
	conf := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(busConfig, filepath.Join(dir, "socket"))), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("phoneapitest: bus config: %w", err)
	}
	cmd := exec.Command(exe, "--config-file="+conf, "--print-address=1", "--nofork", "--nopidfile")
	// The daemon complains on stderr about limits it may not raise when not
	// run by root; keep what it says for the error if it fails to start.
	var stderr strings.Builder
	cmd.Stderr = &lockedWriter{w: &stderr}
	out, err := cmd.StdoutPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("phoneapitest: bus stdout: %w", err)
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("phoneapitest: start dbus-daemon: %w", err)
	}
	b := &Bus{dir: dir, cmd: cmd, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		// The daemon prints its address once it listens; after that the
		// pipe stays open and silent until it exits.
		line, _ := bufio.NewReader(out).ReadString('\n')
		addr <- strings.TrimSpace(line)
		b.err = cmd.Wait()
		close(b.done)
	}()
	select {
	case a := <-addr:
		if a == "" {
			b.Close()
			return nil, fmt.Errorf("phoneapitest: dbus-daemon exited without printing its address: %s", cmd.Stderr.(*lockedWriter).String())
		}
		b.Address = a
		return b, nil
	case <-ctx.Done():
		b.Close()
		return nil, fmt.Errorf("phoneapitest: start dbus-daemon: %w", ctx.Err())
	case <-time.After(10 * time.Second):
		b.Close()
		return nil, errors.New("phoneapitest: dbus-daemon did not print its address within 10s")
	}
}

// Close stops the daemon, waits for it and removes its socket directory.
// Every connection on the bus sees it go away.
func (b *Bus) Close() error {
	b.once.Do(func() {
		if b.cmd.Process != nil {
			_ = b.cmd.Process.Kill()
		}
		<-b.done
		os.RemoveAll(b.dir)
	})
	return nil
}

// Done is closed when the daemon process has exited.
func (b *Bus) Done() <-chan struct{} { return b.done }

// StartBus runs a private dbus-daemon for the test and stops it when the
// test ends. It fails the test, never skips it, when the daemon cannot run.
func StartBus(t testing.TB) string {
	t.Helper()
	return StartBusDaemon(t).Address
}

// StartBusDaemon is StartBus for tests that also stop the bus themselves
// (to see clients lose their connection).
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

type lockedWriter struct {
	mu sync.Mutex
	w  *strings.Builder
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

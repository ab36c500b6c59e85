package harness

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
	"time"
)

// busConfig is a session bus on a socket of our choosing, with the session
// bus's policy and the limits phoneapitest uses, so that a restarted bus
// comes back on the same address, as a user's session bus does after a
// crash.
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
  <limit name="max_replies_per_connection">50000</limit>
</busconfig>
`

// ErrNoDBusDaemon means dbus-daemon is not installed: the tests that need it
// fail rather than skip.
var ErrNoDBusDaemon = errors.New("harness: dbus-daemon not found (install the dbus package)")

// Bus is a private dbus-daemon that Restart can stop and start again on the
// same address.
type Bus struct {
	// Address is the bus address, the same across restarts.
	Address string

	dir string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// StartBus runs a private dbus-daemon and returns once it accepts
// connections.
func StartBus(ctx context.Context) (*Bus, error) {
	// A short directory under /tmp: unix socket paths are limited to
	// about 108 bytes.
	dir, err := os.MkdirTemp("", "handsetd-hbus-")
	if err != nil {
		return nil, fmt.Errorf("harness: bus directory: %w", err)
	}
	sock := filepath.Join(dir, "socket")
	if err := os.WriteFile(filepath.Join(dir, "bus.conf"), fmt.Appendf(nil, busConfig, sock), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("harness: bus config: %w", err)
	}
	b := &Bus{dir: dir}
	if err := b.start(ctx); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return b, nil
}

func (b *Bus) start(ctx context.Context) error {
	exe, err := exec.LookPath("dbus-daemon")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNoDBusDaemon, err)
	}
	// A socket left by the last run would make the daemon refuse to
	// listen.
	os.Remove(filepath.Join(b.dir, "socket"))
	cmd := exec.Command(exe, "--config-file="+filepath.Join(b.dir, "bus.conf"), "--print-address=1", "--nofork", "--nopidfile")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("harness: bus stdout: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("harness: start dbus-daemon: %w", err)
	}
	done := make(chan struct{})
	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		addr <- strings.TrimSpace(line)
		cmd.Wait()
		close(done)
	}()
	b.mu.Lock()
	b.cmd, b.done = cmd, done
	b.mu.Unlock()
	select {
	case a := <-addr:
		if a == "" {
			b.stop()
			return errors.New("harness: dbus-daemon exited without printing its address")
		}
		// The address carries a guid that changes with every start;
		// clients find the bus by its path.
		b.Address = "unix:path=" + filepath.Join(b.dir, "socket")
		return nil
	case <-ctx.Done():
		b.stop()
		return fmt.Errorf("harness: start dbus-daemon: %w", ctx.Err())
	case <-time.After(10 * time.Second):
		b.stop()
		return errors.New("harness: dbus-daemon did not print its address within 10s")
	}
}

// Pid is the running dbus-daemon's process id.
func (b *Bus) Pid() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cmd.Process.Pid
}

// stop kills the daemon and waits for it.
func (b *Bus) stop() {
	b.mu.Lock()
	cmd, done := b.cmd, b.done
	b.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-done
}

// Restart kills the daemon, as a crash would, waits for it, and starts a
// new one on the same address. Every client loses its connection and must
// connect again.
func (b *Bus) Restart(ctx context.Context) error {
	b.stop()
	return b.start(ctx)
}

// Kill stops the daemon without starting another.
func (b *Bus) Kill() { b.stop() }

// Close stops the daemon and removes its directory.
func (b *Bus) Close() error {
	b.stop()
	return os.RemoveAll(b.dir)
}

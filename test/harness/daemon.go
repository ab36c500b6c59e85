package harness

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrExited means the daemon exited while it was expected to run.
var ErrExited = errors.New("harness: handsetd exited")

// BuildDaemon builds cmd/handsetd into dir and returns the binary's path.
// The go tool runs without the umockdev preload library a test process may
// carry: the compiler must see the real file system.
func BuildDaemon(ctx context.Context, dir string) (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("harness: cannot build handsetd: %w", err)
	}
	bin := filepath.Join(dir, "handsetd")
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", bin, "handsetd/cmd/handsetd")
	cmd.Env = withoutPreload(os.Environ())
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("harness: go build handsetd: %w\n%s", err, out)
	}
	return bin, nil
}

func withoutPreload(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "LD_PRELOAD=") && !strings.HasPrefix(kv, "UMOCKDEV_DIR=") {
			out = append(out, kv)
		}
	}
	return out
}

// Daemon is a running handsetd with its log.
type Daemon struct {
	Cmd *exec.Cmd
	Log *LogBuffer
	// Started is when the process was started, Ready when its READY=1
	// arrived on the notify socket.
	Started, Ready time.Time

	notify *net.UnixConn
	dir    string
	done   chan struct{}
	err    error // Wait's result once done is closed
}

// StartDaemon runs bin with args and the environment env (plus HOME and
// XDG_CONFIG_HOME in a fresh directory, so no configuration file of the
// machine changes what it does, and NOTIFY_SOCKET), and waits until it
// sends READY=1. Its stderr is kept in Log.
func StartDaemon(ctx context.Context, bin string, env []string, args ...string) (*Daemon, error) {
	dir, err := os.MkdirTemp("", "handsetd-run-")
	if err != nil {
		return nil, fmt.Errorf("harness: %w", err)
	}
	sock := filepath.Join(dir, "notify")
	nc, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("harness: notify socket: %w", err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(slicesClone(env), "HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, ".config"), "NOTIFY_SOCKET="+sock)
	d := &Daemon{Cmd: cmd, Log: newLogBuffer(), notify: nc, dir: dir, done: make(chan struct{})}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		d.cleanup()
		return nil, fmt.Errorf("harness: %w", err)
	}
	ready := make(chan time.Time, 1)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := nc.Read(buf)
			if err != nil {
				return
			}
			for _, l := range strings.Split(string(buf[:n]), "\n") {
				if l == "READY=1" {
					select {
					case ready <- time.Now():
					default:
					}
				}
			}
		}
	}()
	d.Started = time.Now()
	if err := cmd.Start(); err != nil {
		d.cleanup()
		return nil, fmt.Errorf("harness: start handsetd: %w", err)
	}
	go func() {
		d.Log.readFrom(stderr)
		d.err = cmd.Wait()
		close(d.done)
	}()
	select {
	case d.Ready = <-ready:
		return d, nil
	case <-d.done:
		d.cleanup()
		return nil, fmt.Errorf("%w before READY=1: %v\n%s", ErrExited, d.err, d.Log.Text())
	case <-ctx.Done():
		d.Stop(5 * time.Second)
		return nil, fmt.Errorf("harness: waiting for READY=1: %w\n%s", ctx.Err(), d.Log.Text())
	}
}

func slicesClone(s []string) []string { return append([]string(nil), s...) }

func (d *Daemon) cleanup() {
	d.notify.Close()
	os.RemoveAll(d.dir)
}

// Pid is the daemon's process id.
func (d *Daemon) Pid() int { return d.Cmd.Process.Pid }

// Running reports whether the process has not exited.
func (d *Daemon) Running() bool {
	select {
	case <-d.done:
		return false
	default:
		return true
	}
}

// Err returns an error wrapping ErrExited when the daemon has exited.
func (d *Daemon) Err() error {
	if d.Running() {
		return nil
	}
	return fmt.Errorf("%w: %v", ErrExited, d.err)
}

// Stop sends SIGTERM and waits up to grace for the exit, then kills it. It
// returns how long the exit took, and Wait's error (with ErrExited wrapped
// around it when the daemon had to be killed).
func (d *Daemon) Stop(grace time.Duration) (time.Duration, error) {
	defer d.cleanup()
	if !d.Running() {
		return 0, d.err
	}
	start := time.Now()
	_ = d.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
		return time.Since(start), d.err
	case <-time.After(grace):
		_ = d.Cmd.Process.Kill()
		<-d.done
		return time.Since(start), fmt.Errorf("%w: not within %v of SIGTERM; killed", ErrExited, grace)
	}
}

// goroutineHeader matches the first line of each goroutine in a traceback:
// "goroutine 7 gp=0x... m=nil [select]:".
var goroutineHeader = regexp.MustCompile(`^goroutine \d+ .*\[.*\]:$`)

// Goroutines counts the goroutines a Go traceback (GOTRACEBACK=all) lists:
// all of them, and those running the program's own code (a frame of
// handsetd or main) rather than the runtime's and the standard library's.
func Goroutines(dump string) (all, own int) {
	inG, counted := false, false
	for _, l := range strings.Split(dump, "\n") {
		switch {
		case goroutineHeader.MatchString(l):
			all++
			inG, counted = true, false
		case l == "":
			inG = false
		case inG && !counted && (strings.HasPrefix(l, "handsetd/") || strings.HasPrefix(l, "main.")):
			own++
			counted = true
		}
	}
	return all, own
}

// QuitGoroutines sends SIGQUIT, which makes a Go program print every
// goroutine's stack and exit, and returns Goroutines of the dump. The
// daemon must have been started with GOTRACEBACK=all in env. It ends the
// daemon: use it last.
func (d *Daemon) QuitGoroutines(ctx context.Context) (all, own int, err error) {
	if !d.Running() {
		return 0, 0, d.Err()
	}
	if err := d.Cmd.Process.Signal(syscall.SIGQUIT); err != nil {
		return 0, 0, fmt.Errorf("harness: SIGQUIT: %w", err)
	}
	select {
	case <-d.done:
	case <-ctx.Done():
		_ = d.Cmd.Process.Kill()
		<-d.done
		return 0, 0, fmt.Errorf("harness: waiting for the SIGQUIT dump: %w", ctx.Err())
	}
	d.cleanup()
	all, own = Goroutines(d.Log.Text())
	if all == 0 {
		return 0, 0, errors.New("harness: SIGQUIT dump lists no goroutine")
	}
	return all, own, nil
}

// Record is one JSON log record of the daemon.
type Record map[string]any

// Str returns the string attribute k, or "".
func (r Record) Str(k string) string { s, _ := r[k].(string); return s }

// LogBuffer keeps the daemon's stderr, line by line.
type LogBuffer struct {
	mu      sync.Mutex
	lines   []string
	recs    []Record // nil where a line is not JSON
	changed chan struct{}
	closed  bool
}

func newLogBuffer() *LogBuffer { return &LogBuffer{changed: make(chan struct{})} }

func (b *LogBuffer) readFrom(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		var rec Record
		if json.Unmarshal([]byte(line), &rec) != nil {
			rec = nil
		}
		b.mu.Lock()
		b.lines = append(b.lines, line)
		b.recs = append(b.recs, rec)
		close(b.changed)
		b.changed = make(chan struct{})
		b.mu.Unlock()
	}
	// A line longer than the buffer stops the scanner; keep draining so
	// the daemon never blocks on a full pipe.
	_, _ = io.Copy(io.Discard, r)
	b.mu.Lock()
	b.closed = true
	close(b.changed)
	b.changed = make(chan struct{})
	b.mu.Unlock()
}

// Text is everything logged so far.
func (b *LogBuffer) Text() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.lines, "\n")
}

// Count returns how many records have message msg.
func (b *LogBuffer) Count(msg string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, r := range b.recs {
		if r != nil && r.Str("msg") == msg {
			n++
		}
	}
	return n
}

// Levels counts the records per level ("ERROR", "WARN", ...).
func (b *LogBuffer) Levels() map[string]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	m := map[string]int{}
	for _, r := range b.recs {
		if r != nil {
			m[r.Str("level")]++
		}
	}
	return m
}

// Wait waits for a record with message msg whose string attributes include
// attrs (key, value pairs), among those logged and to come.
func (b *LogBuffer) Wait(ctx context.Context, msg string, attrs ...string) (Record, error) {
	n := 0
	for {
		b.mu.Lock()
		for ; n < len(b.recs); n++ {
			if r := b.recs[n]; r != nil && matches(r, msg, attrs) {
				b.mu.Unlock()
				return r, nil
			}
		}
		ch, closed := b.changed, b.closed
		b.mu.Unlock()
		if closed {
			return nil, fmt.Errorf("harness: waiting for log %q: %w", msg, ErrExited)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, fmt.Errorf("harness: waiting for log %q %v: %w", msg, attrs, ctx.Err())
		}
	}
}

func matches(r Record, msg string, attrs []string) bool {
	if r.Str("msg") != msg {
		return false
	}
	for i := 0; i+1 < len(attrs); i += 2 {
		if r.Str(attrs[i]) != attrs[i+1] {
			return false
		}
	}
	return true
}

//go:build umockdev

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"handsetd/hid"
	"handsetd/hid/umockdev"
	"handsetd/phoneapi/phoneapitest"
)

// handsetdBin is the daemon under test, built by TestMain.
var handsetdBin string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	if bin := os.Getenv("HANDSETD_E2E_BIN"); bin != "" {
		if _, err := os.Stat(bin); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: HANDSETD_E2E_BIN: %v\n", err)
			return 1
		}
		handsetdBin = bin
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "handsetd-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin, err := buildDaemon(dir)
	if err != nil {
		// A test run without the binary must fail, not pass empty.
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	handsetdBin = bin
	return m.Run()
}

// buildDaemon builds cmd/handsetd into dir. The go tool runs without the
// umockdev preload library this test process carries: the compiler and
// linker must see the real file system.
func buildDaemon(dir string) (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("e2e: cannot build handsetd: %w", err)
	}
	bin := filepath.Join(dir, "handsetd")
	cmd := exec.Command(goTool, "build", "-o", bin, "handsetd/cmd/handsetd")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LD_PRELOAD=") && !strings.HasPrefix(kv, "UMOCKDEV_DIR=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("e2e: go build handsetd: %w\n%s", err, out)
	}
	return bin, nil
}

// Files of the real report descriptors the tests use.
const (
	jabraFile = "../../testdata/hid/0b0e-0307.rdesc" // Jabra EVOLVE LINK MS
	polyFile  = "../../testdata/hid/047f-c053.rdesc" // Poly Blackwire C5220
)

// Product strings the simulated handsets report; the daemon attaches as
// "<product> (handsetd)".
const (
	jabraProduct = "Jabra EVOLVE LINK MS"
	polyProduct  = "Plantronics Blackwire C5220"
)

// rig is one scenario's world: a umockdev testbed, a private bus, the test
// host owning com.Skype.API on it, and the daemon once started.
type rig struct {
	t    testing.TB
	ctx  context.Context
	tb   *umockdev.Testbed
	bus  *phoneapitest.Bus
	host *phoneapitest.Host
	// obs is a plain connection to the bus, for questions to the bus
	// itself and for impostors.
	obs *dbus.Conn
	// d is the daemon once started.
	d *daemonProc
}

// newRig builds the world for one scenario; everything is torn down when
// the test ends, the daemon first.
func newRig(t testing.TB, hostOpts ...phoneapitest.HostOption) *rig {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	tb, err := umockdev.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tb.Close() })
	bus := phoneapitest.StartBusDaemon(t)
	r := &rig{t: t, ctx: ctx, tb: tb, bus: bus}
	r.host = phoneapitest.NewHost(t, bus.Address, hostOpts...)
	r.obs, err = dbus.Connect(bus.Address)
	if err != nil {
		t.Fatalf("e2e: connect to the private bus: %v", err)
	}
	t.Cleanup(func() { r.obs.Close() })
	return r
}

// handset is a simulated USB handset in the testbed with the device side
// of its input reports: an encoder over its real descriptor, so that every
// report injected is exactly what that hardware would send.
type handset struct {
	*umockdev.Handset
	t   testing.TB
	ctx context.Context
	enc *hid.Encoder
	r   *rig
	// lastMute is when the mute button was last pressed.
	lastMute time.Time
}

// addHandset plugs in a handset with the descriptor in file and the USB
// product string product.
func (r *rig) addHandset(file, product string) *handset {
	r.t.Helper()
	spec, err := umockdev.SpecFromFile(file)
	if err != nil {
		r.t.Fatal(err)
	}
	spec.Product = product
	h, err := r.tb.AddHandset(spec)
	if err != nil {
		r.t.Fatal(err)
	}
	return r.wrap(h)
}

func (r *rig) wrap(h *umockdev.Handset) *handset {
	r.t.Helper()
	d, err := hid.ParseReportDescriptor(h.Spec().Descriptor)
	if err != nil {
		r.t.Fatal(err)
	}
	return &handset{Handset: h, t: r.t, ctx: r.ctx, enc: hid.NewInputEncoder(d), r: r}
}

// replug plugs an unplugged handset back in (as /dev/hidrawN+1).
func (r *rig) replug(h *handset) *handset {
	r.t.Helper()
	nh, err := r.tb.Replug(h.Handset)
	if err != nil {
		r.t.Fatal(err)
	}
	return r.wrap(nh)
}

// The simulated hidraw node is a pty, a byte stream, and
// umockdev.Handset.Inject cannot tell a report still in the kernel's pty
// buffer from one already read (FIONREAD counts neither), so reports
// injected back to back can reach the daemon as one read and all but the
// first are lost. Every injection here therefore waits until the daemon
// has taken the report: for a report that makes an event, until the
// daemon logs that event; for one that makes none, until the report was
// seen queued and then read (settle).

// set changes one control and injects the reports it lives in, waiting
// for the daemon to log event ("" for a report that makes no event).
func (h *handset) set(u hid.Usage, v int32, event string) {
	h.t.Helper()
	reports, err := h.enc.SetUsage(hid.Input, u, v)
	if err != nil {
		h.t.Fatalf("e2e: encode %s=%d: %v", u, v, err)
	}
	for i, rep := range reports {
		if i == len(reports)-1 {
			h.injectEvent(rep, event)
		} else {
			h.injectQuiet(rep)
		}
	}
}

// injectEvent sends one raw input report and waits until the daemon logs
// the handset event it makes ("" to wait only until it was read).
func (h *handset) injectEvent(rep []byte, event string) {
	h.t.Helper()
	if event == "" {
		h.injectQuiet(rep)
		return
	}
	if h.r.d == nil {
		h.t.Fatal("e2e: inject before the daemon started")
	}
	from := h.r.d.log.mark()
	if err := h.Inject(h.ctx, rep); err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(h.ctx, 10*time.Second)
	defer cancel()
	_, err := h.r.d.log.waitFrom(ctx, from, func(l logRecord) bool {
		return l.str("msg") == "handset event" && l.str("path") == h.DevNode && l.str("event") == event
	})
	if err != nil {
		h.t.Fatalf("e2e: %s: report % x: waiting for event %q: %v", h.DevNode, rep, event, err)
	}
}

// injectQuiet sends one raw input report that makes no event and waits
// until it was read.
func (h *handset) injectQuiet(rep []byte) {
	h.t.Helper()
	if err := h.Inject(h.ctx, rep); err != nil {
		h.t.Fatal(err)
	}
	h.settle()
}

// settle waits until the reports injected so far have been read.
func (h *handset) settle() {
	h.t.Helper()
	if err := h.WaitRead(h.ctx); err != nil {
		h.t.Fatal(err)
	}
}

func (h *handset) hook(off bool) {
	h.t.Helper()
	event := "hook-on"
	if off {
		event = "hook-off"
	}
	h.set(hid.UsageHookSwitch, boolValue(off), event)
}

// keyUsage is the Phone Key usage of a keypad character.
func keyUsage(k byte) hid.Usage {
	switch k {
	case '*':
		return hid.NewUsage(hid.PageTelephony, 0xBA)
	case '#':
		return hid.UsagePhoneKeyPound
	}
	return hid.NewUsage(hid.PageTelephony, 0xB0+uint16(k-'0'))
}

// press presses and releases a keypad key, as two reports.
func (h *handset) press(k byte) {
	h.t.Helper()
	h.set(keyUsage(k), 1, fmt.Sprintf("key-down %c (key)", k))
	h.set(keyUsage(k), 0, fmt.Sprintf("key-up %c (key)", k))
}

// mute presses the (relative) mute button: 1 then 0. Only the press is an
// event.
func (h *handset) mute() {
	h.t.Helper()
	// The driver drops a second press of the same button within its
	// debounce window (telephony.DefaultDebounce, 5 ms) as a duplicate
	// report, as real hardware needs; a person cannot press twice that
	// fast, so neither does the test. The daemon's clock is real, so this
	// is a real wait, not a synchronisation.
	if gap := time.Until(h.lastMute.Add(pressGap)); gap > 0 {
		time.Sleep(gap)
	}
	h.lastMute = time.Now()
	h.set(hid.UsagePhoneMute, 1, "mute-toggle")
	h.set(hid.UsagePhoneMute, 0, "")
}

// pressGap is the shortest time between two presses of one button, well
// above the driver's debounce window.
const pressGap = 20 * time.Millisecond

func boolValue(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// expect takes the next reports the daemon sent to the device and
// compares them with want, in order.
func (h *handset) expect(want ...[]byte) {
	h.t.Helper()
	for i, w := range want {
		ctx, cancel := context.WithTimeout(h.ctx, 10*time.Second)
		got, err := h.Next(ctx)
		cancel()
		if err != nil {
			h.t.Fatalf("e2e: %s: report %d of %d, want % x: %v\nall reports so far: %v", h.DevNode, i+1, len(want), w, err, h.Transfers())
		}
		if got.Kind == umockdev.FeatureSet || !bytes.Equal(got.Data, w) {
			h.t.Fatalf("e2e: %s: report %d of %d = %v, want output % x\nall reports so far: %v", h.DevNode, i+1, len(want), got, w, h.Transfers())
		}
	}
}

// expectNone checks that the daemon sent nothing more to the device so far.
func (h *handset) expectNone() {
	h.t.Helper()
	ctx, cancel := context.WithCancel(h.ctx)
	cancel()
	if got, err := h.Next(ctx); err == nil {
		h.t.Fatalf("e2e: %s: unexpected report %v\nall reports so far: %v", h.DevNode, got, h.Transfers())
	}
}

// waitCmd waits for a command with text text sent after the first n
// commands, and returns it.
func (r *rig) waitCmd(n int, text string) phoneapitest.Received {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(r.ctx, 10*time.Second)
	defer cancel()
	got, err := r.host.WaitCommandAfter(ctx, n, phoneapitest.Text(text))
	if err != nil {
		r.t.Fatalf("e2e: waiting for %q: %v\ncommands: %v", text, err, texts(r.host.Commands()))
	}
	return got
}

// mark is the number of commands the host received so far, for waitCmd
// and cmdsSince.
func (r *rig) mark() int { return len(r.host.Commands()) }

// cmdsSince returns the texts of the commands received after the first n
// from sender, without the daemon's queries (SEARCH, GET) that the
// scenarios do not follow.
func (r *rig) cmdsSince(n int, sender string) []string {
	var out []string
	for _, c := range r.host.Commands()[n:] {
		if c.Sender == sender {
			out = append(out, c.Text())
		}
	}
	return out
}

func texts(rs []phoneapitest.Received) []string {
	out := make([]string, len(rs))
	for i, c := range rs {
		out[i] = c.Sender + " " + c.Line
	}
	return out
}

// waitClients waits until n clients are attached to the host.
func (r *rig) waitClients(n int) []phoneapitest.Client {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(r.ctx, 15*time.Second)
	defer cancel()
	cl, err := r.host.WaitClients(ctx, n)
	if err != nil {
		r.t.Fatalf("e2e: %v; commands: %v", err, texts(r.host.Commands()))
	}
	return cl
}

// pidOf asks the bus which process owns a connection.
func (r *rig) pidOf(sender string) int {
	r.t.Helper()
	var pid uint32
	err := r.obs.BusObject().CallWithContext(r.ctx, "org.freedesktop.DBus.GetConnectionUnixProcessID", 0, sender).Store(&pid)
	if err != nil {
		r.t.Fatalf("e2e: pid of %s: %v", sender, err)
	}
	return int(pid)
}

// daemonProc is a running handsetd with its log.
type daemonProc struct {
	t    testing.TB
	cmd  *exec.Cmd
	log  *logBuffer
	done chan struct{}
	err  error // Wait's result, once done is closed
}

// start runs `handsetd run --bus=<the private bus> --log-format=json
// --log-level=debug` plus args inside the testbed. Its configuration
// directory is empty, so no file of the machine running the tests changes
// what it does.
func (r *rig) start(args ...string) *daemonProc {
	r.t.Helper()
	argv := append([]string{"run", "--bus=" + r.bus.Address, "--log-format=json", "--log-level=debug"}, args...)
	cmd := exec.Command(handsetdBin, argv...)
	home := r.t.TempDir()
	cmd.Env = append(r.tb.Env(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"))
	d := &daemonProc{t: r.t, cmd: cmd, log: &logBuffer{changed: make(chan struct{})}, done: make(chan struct{})}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		r.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		r.t.Fatalf("e2e: start handsetd: %v", err)
	}
	go func() {
		d.log.readFrom(stderr)
		d.err = cmd.Wait()
		close(d.done)
	}()
	r.d = d
	r.t.Cleanup(func() {
		d.stop(5 * time.Second)
		if r.t.Failed() {
			r.t.Logf("handsetd log:\n%s", d.log.text())
		}
	})
	return d
}

// running reports whether the process has not exited.
func (d *daemonProc) running() bool {
	select {
	case <-d.done:
		return false
	default:
		return true
	}
}

// mustRun fails the test when the daemon has exited.
func (d *daemonProc) mustRun() {
	d.t.Helper()
	if !d.running() {
		d.t.Fatalf("e2e: handsetd exited: %v", d.err)
	}
}

// stop sends SIGTERM and waits up to grace for the exit, then kills.
// It returns how long the exit took and Wait's error.
func (d *daemonProc) stop(grace time.Duration) (time.Duration, error) {
	if !d.running() {
		return 0, d.err
	}
	start := time.Now()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		d.t.Errorf("e2e: SIGTERM: %v", err)
	}
	select {
	case <-d.done:
		return time.Since(start), d.err
	case <-time.After(grace):
		d.t.Errorf("e2e: handsetd did not exit within %v of SIGTERM; killing it", grace)
		_ = d.cmd.Process.Kill()
		<-d.done
		return time.Since(start), d.err
	}
}

// logRecord is one JSON log line of the daemon.
type logRecord map[string]any

func (l logRecord) str(k string) string { s, _ := l[k].(string); return s }

// logBuffer keeps the daemon's stderr, line by line.
type logBuffer struct {
	mu      sync.Mutex
	lines   []string
	recs    []logRecord // nil where a line is not JSON
	changed chan struct{}
	closed  bool
}

func (b *logBuffer) readFrom(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		var rec logRecord
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
	b.mu.Lock()
	b.closed = true
	close(b.changed)
	b.changed = make(chan struct{})
	b.mu.Unlock()
}

func (b *logBuffer) text() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.lines, "\n")
}

// mark is the number of records so far, for waitFrom.
func (b *logBuffer) mark() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.recs)
}

// waitFrom waits for a record that matches, among those logged after the
// first n and those to come.
func (b *logBuffer) waitFrom(ctx context.Context, n int, match func(logRecord) bool) (logRecord, error) {
	for {
		b.mu.Lock()
		for ; n < len(b.recs); n++ {
			if b.recs[n] != nil && match(b.recs[n]) {
				r := b.recs[n]
				b.mu.Unlock()
				return r, nil
			}
		}
		ch, closed := b.changed, b.closed
		b.mu.Unlock()
		if closed {
			return nil, errors.New("e2e: handsetd closed its log")
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// waitLog waits for a log record with message msg whose string attributes
// include attrs (key, value pairs).
func (r *rig) waitLog(d *daemonProc, msg string, attrs ...string) logRecord {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(r.ctx, 10*time.Second)
	defer cancel()
	rec, err := d.log.waitFrom(ctx, 0, func(l logRecord) bool {
		if l.str("msg") != msg {
			return false
		}
		for i := 0; i+1 < len(attrs); i += 2 {
			if l.str(attrs[i]) != attrs[i+1] {
				return false
			}
		}
		return true
	})
	if err != nil {
		r.t.Fatalf("e2e: waiting for log %q %v: %v", msg, attrs, err)
	}
	return rec
}

func itoa(i int) string { return strconv.Itoa(i) }

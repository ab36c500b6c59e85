//go:build baresip

package baresipe2e

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"handsetd/daemon"
	"handsetd/devices"
	"handsetd/devices/simulate"
	"handsetd/devices/telephony"
	"handsetd/host/baresip"
	"handsetd/phone"
)

// wait bounds each wait for something the programs do; the whole test
// takes a few seconds when all goes well.
const wait = 15 * time.Second

// instance is one baresip process with a generated configuration.
type instance struct {
	name     string
	dir      string
	sipPort  int
	ctrlAddr string
	cmd      *exec.Cmd
	done     chan struct{}
}

// freeSIPPort finds p such that UDP p and TCP p and p+1 are free: baresip
// binds SIP on UDP and TCP at sip_listen, and TLS on the next port.
func freeSIPPort(t *testing.T) int {
	t.Helper()
	for range 200 {
		p := 20000 + rand.IntN(20000)
		var closers []func() error
		ok := true
		for _, l := range []struct {
			net  string
			port int
		}{{"udp", p}, {"tcp", p}, {"tcp", p + 1}} {
			addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(l.port))
			if l.net == "udp" {
				c, err := net.ListenPacket("udp", addr)
				if err != nil {
					ok = false
					break
				}
				closers = append(closers, c.Close)
			} else {
				ln, err := net.Listen("tcp", addr)
				if err != nil {
					ok = false
					break
				}
				closers = append(closers, ln.Close)
			}
		}
		for _, c := range closers {
			c()
		}
		if ok {
			return p
		}
	}
	t.Fatal("no free SIP port")
	return 0
}

func freeTCPAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// newInstance writes a configuration for one baresip: SIP on 127.0.0.1,
// ctrl_tcp on its own port, G.711, a 440 Hz sine as microphone and
// aubridge as loudspeaker (there is no sound card), no status line.
func newInstance(t *testing.T, name, account string, sipPort int) *instance {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	in := &instance{name: name, dir: dir, sipPort: sipPort, ctrlAddr: freeTCPAddr(t)}
	config := fmt.Sprintf(`poll_method		epoll
sip_listen		127.0.0.1:%d
call_local_timeout	120
call_max_calls		4
audio_player		aubridge,%[2]s
audio_alert		aubridge,%[2]s
audio_source		ausine,440
ausrc_srate		48000
ausrc_channels		2
module_path		%[4]s
module			g711.so
module			ausine.so
module			aubridge.so
module_tmp		account.so
module_app		menu.so
module_app		ctrl_tcp.so
ctrl_tcp_listen		%[3]s
menu_bell		no
statmode_default	off
`, sipPort, name, in.ctrlAddr, modulePath(t))
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "accounts"), []byte(account+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return in
}

// modulePath finds baresip's modules: $BARESIP_MODULES, or where Debian
// and a source build put them.
func modulePath(t *testing.T) string {
	t.Helper()
	dirs := []string{"/usr/lib/baresip/modules", "/usr/lib/" + multiarch() + "/baresip/modules", "/usr/local/lib/baresip/modules"}
	if d := os.Getenv("BARESIP_MODULES"); d != "" {
		dirs = []string{d}
	}
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "ctrl_tcp.so")); err == nil {
			return d
		}
	}
	t.Fatalf("baresip's ctrl_tcp.so is in none of %q (set BARESIP_MODULES)", dirs)
	return ""
}

func multiarch() string {
	out, err := exec.Command("gcc", "-print-multiarch").Output()
	if err != nil {
		return "x86_64-linux-gnu"
	}
	return strings.TrimSpace(string(out))
}

// start runs baresip; the test's cleanup stops it.
func (in *instance) start(t *testing.T, bin string) {
	t.Helper()
	logf, err := os.OpenFile(filepath.Join(in.dir, "baresip.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	in.cmd = exec.Command(bin, "-f", in.dir)
	in.cmd.Stdout, in.cmd.Stderr = logf, logf
	if err := in.cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("start %s: %v", in.name, err)
	}
	in.done = make(chan struct{})
	go func() {
		in.cmd.Wait()
		logf.Close()
		close(in.done)
	}()
	t.Cleanup(func() { in.stop(t) })
}

// waitReady waits until baresip said "baresip is ready." n times in its
// log (the log is appended to across restarts).
func (in *instance) waitReady(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for strings.Count(in.log(t), "baresip is ready.") < n {
		if time.Now().After(deadline) {
			t.Fatalf("baresip %s not ready after %v", in.name, wait)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop ends baresip as systemd would: SIGTERM, then SIGKILL.
func (in *instance) stop(t *testing.T) {
	if in.cmd == nil {
		return
	}
	in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.done:
	case <-time.After(5 * time.Second):
		in.cmd.Process.Kill()
		<-in.done
	}
	in.cmd = nil
}

func (in *instance) log(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(in.dir, "baresip.log"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// control connects the test to an instance's ctrl_tcp, retrying while
// baresip starts.
func (in *instance) control(t *testing.T) (*baresip.Conn, <-chan baresip.Event) {
	t.Helper()
	events := make(chan baresip.Event, 1024)
	deadline := time.Now().Add(wait)
	for {
		c, err := baresip.Dial(context.Background(), in.ctrlAddr, baresip.DialOptions{OnEvent: func(e baresip.Event) {
			select {
			case events <- e:
			default:
			}
		}})
		if err == nil {
			t.Cleanup(func() { c.Close() })
			return c, events
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v\n%s", in.name, err, in.log(t))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func command(t *testing.T, c *baresip.Conn, name, params string) baresip.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	r, err := c.Command(ctx, name, params)
	if err != nil {
		t.Fatalf("%s %s: %v", name, params, err)
	}
	return r
}

// waitEvent returns the next event of the given type, skipping others.
func waitEvent(t *testing.T, events <-chan baresip.Event, typ string) baresip.Event {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case e := <-events:
			if e.Type == typ {
				return e
			}
		case <-deadline:
			t.Fatalf("far end: no %s event", typ)
		}
	}
}

// shown records what the daemon does to the handset, as lines like those
// `handsetd run --simulate` prints: "ring on", "off-hook off", "caller 2002".
type shown struct {
	devices.Handset
	lines chan string
}

func (h *shown) SetIndicator(ind devices.Indicator, on bool) error {
	err := h.Handset.SetIndicator(ind, on)
	if err == nil {
		state := "off"
		if on {
			state = "on"
		}
		h.lines <- fmt.Sprintf("%s %s", ind, state)
	}
	return err
}

func (h *shown) SetDisplay(text string) error {
	err := h.Handset.SetDisplay(text)
	if text != "" {
		h.lines <- "caller " + text
	}
	return err
}

// waitShown waits for the handset to show want, skipping other changes.
func waitShown(t *testing.T, lines <-chan string, want string) {
	t.Helper()
	deadline := time.After(wait)
	var seen []string
	for {
		select {
		case l := <-lines:
			if l == want {
				return
			}
			seen = append(seen, l)
		case <-deadline:
			t.Fatalf("handset never showed %q; it showed %q", want, seen)
		}
	}
}

// simSource offers one simulated handset to the daemon.
type simSource struct {
	sim   *simulate.Handset
	lines chan string
}

func (s *simSource) Run(ctx context.Context, add func(daemon.Device), remove func(string)) error {
	add(daemon.Device{
		ID:    "simulated:e2e",
		Label: "simulated Jabra EVOLVE LINK MS",
		Open: func(ctx context.Context) (devices.Handset, error) {
			info := devices.Info{Name: "Jabra EVOLVE LINK MS", Driver: telephony.DriverName, Path: "simulated",
				VendorID: 0x0b0e, ProductID: 0x0307, SysfsPath: "simulated:e2e"}
			h, err := telephony.Open(s.sim.Device(), info, nil, telephony.Options{Debounce: -1})
			if err != nil {
				return nil, err
			}
			return &shown{Handset: h, lines: s.lines}, nil
		},
	})
	<-ctx.Done()
	return nil
}

// logTap passes the daemon's log to the test log and lets the test wait
// for a message.
type logTap struct {
	t     *testing.T
	attrs []slog.Attr
}

func (h *logTap) Enabled(context.Context, slog.Level) bool { return true }
func (h *logTap) WithAttrs(a []slog.Attr) slog.Handler {
	return &logTap{t: h.t, attrs: append(append([]slog.Attr{}, h.attrs...), a...)}
}
func (h *logTap) WithGroup(string) slog.Handler { return h }
func (h *logTap) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", r.Level, r.Message)
	for _, a := range h.attrs {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
	}
	r.Attrs(func(a slog.Attr) bool { fmt.Fprintf(&b, " %s=%v", a.Key, a.Value); return true })
	h.t.Log(b.String())
	tapMu.Lock()
	for prefix, ch := range tapWaits {
		if strings.HasPrefix(r.Message, prefix) {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}
	tapMu.Unlock()
	return nil
}

// The waits are shared by every handler derived with WithAttrs.
var (
	tapMu    sync.Mutex
	tapWaits = map[string]chan struct{}{}
)

func logSignal(prefix string) chan struct{} {
	tapMu.Lock()
	defer tapMu.Unlock()
	ch := make(chan struct{}, 16)
	tapWaits[prefix] = ch
	return ch
}

func waitSignal(t *testing.T, ch chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(wait):
		t.Fatalf("daemon never logged %q", what)
	}
}

// TestHandsetDrivesBaresip is the acceptance test: an incoming
// call from the far end rings the handset, hook off establishes it (both
// baresips report it), keys arrive at the far end as DTMF, hook on ends
// it; then the handset dials out, and baresip restarting is survived.
func TestHandsetDrivesBaresip(t *testing.T) {
	bin, err := exec.LookPath("baresip")
	if err != nil {
		t.Fatalf("baresip is not installed (Debian: apt-get install --no-install-recommends baresip-core): %v", err)
	}
	sipA, sipB := freeSIPPort(t), freeSIPPort(t)
	for sipB == sipA || sipB == sipA+1 || sipA == sipB+1 {
		sipB = freeSIPPort(t)
	}
	// A's account lives on B's address, as a handset user's account
	// lives at a provider: a bare number dialled on A goes to B. B's
	// number has no 0: the simulated Jabra keypad does not report key
	// 0 (array index 0).
	a := newInstance(t, "a", fmt.Sprintf("<sip:1001@127.0.0.1:%d>;regint=0", sipB), sipA)
	b := newInstance(t, "b", fmt.Sprintf("<sip:2345@127.0.0.1:%d>;regint=0", sipA), sipB)
	a.start(t, bin)
	b.start(t, bin)
	far, farEvents := b.control(t)
	t.Cleanup(func() {
		if t.Failed() {
			// What baresip itself saw is the first thing to read when
			// a call did not arrive.
			t.Logf("baresip a log:\n%s", a.log(t))
			t.Logf("baresip b log:\n%s", b.log(t))
		}
	})

	connected := logSignal("baresip: connected to ctrl_tcp")
	lost := logSignal("baresip: ctrl_tcp connection lost")
	sim, err := simulate.New(mustDescriptor(t))
	if err != nil {
		t.Fatal(err)
	}
	src := &simSource{sim: sim, lines: make(chan string, 1024)}
	log := slog.New(&logTap{t: t})
	d := daemon.New(daemon.Config{
		Sources: []daemon.Source{src},
		NewHost: baresip.Hosts(baresip.Config{Addr: a.ctrlAddr, Logger: log}),
		Mode:    phone.ModeAccess,
		Logger:  log,
	})
	ctx, cancel := context.WithCancel(context.Background())
	dDone := make(chan struct{})
	go func() { defer close(dDone); d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-dDone })
	waitSignal(t, connected, "connected")

	aURI := fmt.Sprintf("sip:1001@127.0.0.1:%d", sipA)

	t.Run("incoming call", func(t *testing.T) {
		command(t, far, "dial", aURI)
		waitShown(t, src.lines, "ring on")
		waitShown(t, src.lines, "caller 2345")

		if err := sim.Lift(); err != nil {
			t.Fatal(err)
		}
		waitShown(t, src.lines, "ring off")
		waitShown(t, src.lines, "off-hook on")
		est := waitEvent(t, farEvents, "CALL_ESTABLISHED")
		if est.Direction != "outgoing" || !strings.HasPrefix(est.PeerURI, "sip:1001@") {
			t.Fatalf("far end established %+v", est)
		}
		if !strings.Contains(a.log(t), "Call established: sip:2345@") {
			t.Fatalf("handset side does not report the call established:\n%s", a.log(t))
		}

		for _, k := range []byte("1#5") {
			if err := sim.Press(k); err != nil {
				t.Fatal(err)
			}
			got := waitEvent(t, farEvents, "CALL_DTMF_START")
			if got.Param != string(k) {
				t.Fatalf("far end received DTMF %q, want %q", got.Param, string(k))
			}
		}

		if err := sim.Replace(); err != nil {
			t.Fatal(err)
		}
		closed := waitEvent(t, farEvents, "CALL_CLOSED")
		if closed.ID != est.ID {
			t.Fatalf("far end closed call %q, want %q", closed.ID, est.ID)
		}
		waitShown(t, src.lines, "off-hook off")
	})

	t.Run("outgoing call", func(t *testing.T) {
		if err := sim.Lift(); err != nil {
			t.Fatal(err)
		}
		for _, k := range []byte("2345#") {
			if err := sim.Press(k); err != nil {
				t.Fatal(err)
			}
		}
		in := waitEvent(t, farEvents, "CALL_INCOMING")
		if !strings.HasPrefix(in.PeerURI, "sip:1001@") {
			t.Fatalf("far end rung by %q, want sip:1001@...", in.PeerURI)
		}
		command(t, far, "accept", "")
		waitEvent(t, farEvents, "CALL_ESTABLISHED")
		waitShown(t, src.lines, "off-hook on")
		if err := sim.Replace(); err != nil {
			t.Fatal(err)
		}
		waitEvent(t, farEvents, "CALL_CLOSED")
		waitShown(t, src.lines, "off-hook off")
	})

	t.Run("baresip restarts", func(t *testing.T) {
		a.stop(t)
		waitSignal(t, lost, "connection lost")
		a.start(t, bin)
		waitSignal(t, connected, "connected again")
		// ctrl_tcp can accept before baresip finished starting; a call
		// dialled then may never reach its SIP stack.
		a.waitReady(t, 2)
		command(t, far, "dial", aURI)
		waitShown(t, src.lines, "ring on")
		command(t, far, "hangup", "")
		waitShown(t, src.lines, "ring off")
		waitEvent(t, farEvents, "CALL_CLOSED")
	})
}

func mustDescriptor(t *testing.T) []byte {
	t.Helper()
	d, ok := simulate.Descriptor(0x0b0e, 0x0307)
	if !ok {
		t.Fatal("no bundled descriptor for the Jabra EVOLVE LINK MS")
	}
	return d
}

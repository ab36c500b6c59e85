//go:build umockdev

package harness

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"handsetd/hid"
	"handsetd/hid/umockdev"
	"handsetd/phoneapi/phoneapitest"
)

// Descriptor files of real handsets (testdata/hid), relative to this
// package's directory.
const (
	JabraFile = "testdata/hid/0b0e-0307.rdesc" // Jabra EVOLVE LINK MS
	PolyFile  = "testdata/hid/047f-c053.rdesc" // Poly Blackwire C5220
	EposFile  = "testdata/hid/1395-0082.rdesc" // EPOS IMPACT D
)

// RepoFile returns the path of a file of the repository, given relative to
// its root.
func RepoFile(rel string) string {
	_, self, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(self), "..", "..", rel)
}

var (
	binOnce sync.Once
	bin     string
	binDir  string
	binErr  error
)

// Binary returns the handsetd binary to test: HANDSETD_BIN when set, or
// else one built once per test binary (removed by Main). A build that fails
// fails the test: tests that need the binary must not pass without it.
func Binary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		if bin = os.Getenv("HANDSETD_BIN"); bin != "" {
			_, binErr = os.Stat(bin)
			return
		}
		if binDir, binErr = os.MkdirTemp("", "handsetd-bin-"); binErr != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		bin, binErr = BuildDaemon(ctx, binDir)
	})
	if binErr != nil {
		t.Fatalf("harness: handsetd binary: %v", binErr)
	}
	return bin
}

// Main runs a test binary's tests and removes the daemon Binary built; a
// package's TestMain passes its result to os.Exit.
func Main(m *testing.M) int {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	return code
}

// Rig is one scenario's world: a umockdev testbed, a private bus that can
// be restarted, and the test host owning com.Skype.API on it.
type Rig struct {
	T   testing.TB
	Ctx context.Context
	TB  *umockdev.Testbed
	Bus *phoneapitest.Bus
	// Host is the current test host; RestartHost replaces it.
	Host *phoneapitest.Host

	hostOpts []phoneapitest.HostOption
	seen     Clients
}

// NewRig builds the world for one test; it is torn down when the test ends
// (daemons first, as they were registered last).
func NewRig(t testing.TB, timeout time.Duration, hostOpts ...phoneapitest.HostOption) *Rig {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	tb, err := umockdev.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tb.Close() })
	r := &Rig{T: t, Ctx: ctx, TB: tb, Bus: phoneapitest.StartBusDaemon(t), hostOpts: hostOpts, seen: Clients{}}
	r.StartHost()
	return r
}

// StartHost starts a test host on the bus (after the last one was killed,
// or the bus restarted).
func (r *Rig) StartHost() {
	r.T.Helper()
	h, err := phoneapitest.Start(r.Ctx, r.Bus.Address, r.hostOpts...)
	if err != nil {
		r.T.Fatal(err)
	}
	r.T.Cleanup(func() { h.Close() })
	r.Host = h
}

// KillHost drops the host's connection, as a softphone that crashes: the
// bus tells every client the name has no owner.
func (r *Rig) KillHost() { r.Host.Close() }

// RestartBus kills the bus and starts it again on the same address; the
// host is started again on the new bus.
func (r *Rig) RestartBus() {
	r.T.Helper()
	r.Host.Close()
	if err := r.Bus.Restart(r.Ctx); err != nil {
		r.T.Fatal(err)
	}
	r.StartHost()
}

// Handset is a simulated USB handset with an encoder over its real report
// descriptor, so that every report injected is what that hardware sends.
type Handset struct {
	*umockdev.Handset
	r   *Rig
	Enc *hid.Encoder
}

// AddHandset plugs in a handset with the descriptor in file (relative to
// the repository root) and the USB product string product.
func (r *Rig) AddHandset(file, product string) *Handset {
	r.T.Helper()
	spec, err := umockdev.SpecFromFile(RepoFile(file))
	if err != nil {
		r.T.Fatal(err)
	}
	spec.Product = product
	h, err := r.TB.AddHandset(spec)
	if err != nil {
		r.T.Fatal(err)
	}
	return r.wrap(h)
}

func (r *Rig) wrap(h *umockdev.Handset) *Handset {
	r.T.Helper()
	d, err := hid.ParseReportDescriptor(h.Spec().Descriptor)
	if err != nil {
		r.T.Fatal(err)
	}
	return &Handset{Handset: h, r: r, Enc: hid.NewInputEncoder(d)}
}

// Replug plugs an unplugged handset back in, under a new hidraw name.
func (r *Rig) Replug(h *Handset) *Handset {
	r.T.Helper()
	nh, err := r.TB.Replug(h.Handset)
	if err != nil {
		r.T.Fatal(err)
	}
	return r.wrap(nh)
}

// Reports returns the input reports that set usage u to v.
func (h *Handset) Reports(u hid.Usage, v int32) [][]byte {
	h.r.T.Helper()
	reps, err := h.Enc.SetUsage(hid.Input, u, v)
	if err != nil {
		h.r.T.Fatalf("harness: encode %s=%d: %v", u, v, err)
	}
	return reps
}

// Set changes one control and injects the reports it lives in.
func (h *Handset) Set(u hid.Usage, v int32) {
	h.r.T.Helper()
	for _, rep := range h.Reports(u, v) {
		if err := h.Inject(h.r.Ctx, rep); err != nil {
			h.r.T.Fatal(err)
		}
	}
}

// Hook lifts (off true) or replaces the handset.
func (h *Handset) Hook(off bool) {
	h.r.T.Helper()
	v := int32(0)
	if off {
		v = 1
	}
	h.Set(hid.UsageHookSwitch, v)
}

// Press presses and releases a keypad key.
func (h *Handset) Press(k byte) {
	h.r.T.Helper()
	h.Set(KeyUsage(k), 1)
	h.Set(KeyUsage(k), 0)
}

// Drain forgets the reports the daemon sent so far.
func (h *Handset) Drain() {
	ctx, cancel := context.WithCancel(h.r.Ctx)
	cancel()
	for {
		if _, err := h.Next(ctx); err != nil {
			return
		}
	}
}

// StartDaemon runs the real binary (Binary) inside the testbed on the rig's
// bus with JSON logs at debug level, plus args, and waits for READY=1. It
// stops when the test ends.
func (r *Rig) StartDaemon(extraEnv []string, args ...string) *Daemon {
	r.T.Helper()
	argv := append([]string{"run", "--bus=" + r.Bus.Address, "--log-format=json", "--log-level=debug"}, args...)
	d, err := StartDaemon(r.Ctx, Binary(r.T), append(r.TB.Env(), extraEnv...), argv...)
	if err != nil {
		r.T.Fatal(err)
	}
	r.T.Cleanup(func() {
		if _, err := d.Stop(5 * time.Second); err != nil && d.Cmd.ProcessState != nil && !d.Cmd.ProcessState.Exited() {
			r.T.Logf("handsetd stop: %v", err)
		}
		if r.T.Failed() {
			r.T.Logf("handsetd log:\n%s", d.Log.Text())
		}
	})
	return d
}

// WaitClients waits until n clients are attached to the host.
func (r *Rig) WaitClients(n int) []phoneapitest.Client {
	r.T.Helper()
	ctx, cancel := context.WithTimeout(r.Ctx, 15*time.Second)
	defer cancel()
	cl, err := r.Host.WaitClients(ctx, n)
	if err != nil {
		r.T.Fatalf("harness: %v", err)
	}
	return cl
}

// WaitNewClient waits until a client not attached before (a handset
// plugged in or re-plugged) has attached to the host.
func (r *Rig) WaitNewClient() phoneapitest.Client {
	r.T.Helper()
	ctx, cancel := context.WithTimeout(r.Ctx, 15*time.Second)
	defer cancel()
	c, err := r.seen.WaitNew(ctx, r.Host)
	if err != nil {
		r.T.Fatal(err)
	}
	return c
}

// Mark is the number of commands the host received so far.
func (r *Rig) Mark() int { return len(r.Host.Commands()) }

// WaitCmd waits for a command with text text received after the first n.
func (r *Rig) WaitCmd(n int, text string) phoneapitest.Received {
	r.T.Helper()
	ctx, cancel := context.WithTimeout(r.Ctx, 10*time.Second)
	defer cancel()
	got, err := r.Host.WaitCommandAfter(ctx, n, phoneapitest.Text(text))
	if err != nil {
		var lines []string
		for _, c := range r.Host.Commands() {
			lines = append(lines, c.Sender+" "+c.Line)
		}
		r.T.Fatalf("harness: waiting for %q: %v\ncommands: %q", text, err, lines)
	}
	return got
}

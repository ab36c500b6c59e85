//go:build umockdev

package faults

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"handsetd/hid"
	"handsetd/test/harness"
)

// binRig is the real daemon on simulated handsets, with its footprint
// read before a fault.
type binRig struct {
	*harness.Rig
	t      *testing.T
	d      *harness.Daemon
	before harness.ProcStats
}

const jabraProduct = "Jabra EVOLVE LINK MS"

// startBinary plugs in a Jabra, starts the daemon, plays one call so that
// everything created lazily exists, and reads the footprint.
func startBinary(t *testing.T) (*binRig, *harness.Handset) {
	t.Helper()
	r := &binRig{Rig: harness.NewRig(t, 3*time.Minute), t: t}
	h := r.AddHandset(harness.JabraFile, jabraProduct)
	r.d = r.StartDaemon(nil, "--log-level=info")
	r.WaitNewClient()
	r.callWorks(h)
	r.before = r.footprint()
	return r, h
}

func (r *binRig) footprint() harness.ProcStats {
	r.t.Helper()
	st, err := harness.ReadProc(r.d.Pid())
	if err != nil {
		r.t.Fatal(err)
	}
	return st
}

// running fails the test when the daemon exited.
func (r *binRig) running() {
	r.t.Helper()
	if err := r.d.Err(); err != nil {
		r.t.Fatal(err)
	}
}

// callWorks plays an incoming call on h: the ring reaches the device as
// an output report, lifting the handset answers it at the host, replacing
// it ends it.
func (r *binRig) callWorks(h *harness.Handset) {
	r.t.Helper()
	r.running()
	h.Drain()
	id, err := r.Host.Ring(r.Ctx, "alice", "Alice")
	if err != nil && !onlyGoneClients(err) {
		r.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(r.Ctx, 10*time.Second)
	defer cancel()
	if _, err := h.Next(ctx); err != nil {
		r.t.Fatalf("no output report for the ring: %v", err)
	}
	n := r.Mark()
	h.Hook(true)
	r.WaitCmd(n, "HOOK OFF")
	r.waitStatus(id, "INPROGRESS")
	n = r.Mark()
	h.Hook(false)
	r.WaitCmd(n, "HOOK ON")
	r.waitStatus(id, "FINISHED")
	r.running()
}

func (r *binRig) waitStatus(id int, status string) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, c := range r.Host.Calls() {
			if c.ID == id && c.Status == status {
				return
			}
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("call %d never reached %s: %+v", id, status, r.Host.Calls())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// noLeak checks the daemon's footprint against the one before the fault:
// the same descriptors once it settles, at most a few more threads (the Go
// runtime keeps threads it started under load) and a bounded RSS.
func (r *binRig) noLeak(rssKiB int64) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		now := r.footprint()
		ok := now.FDs <= r.before.FDs && now.Threads <= r.before.Threads+4 && now.RSSKiB <= r.before.RSSKiB+rssKiB
		if ok || time.Now().After(deadline) {
			r.t.Logf("daemon before: RSS %d KiB, %d threads, %d fds; after: RSS %d KiB, %d threads, %d fds",
				r.before.RSSKiB, r.before.Threads, r.before.FDs, now.RSSKiB, now.Threads, now.FDs)
			if !ok {
				r.t.Fatalf("the daemon leaks (allowed: same fds, +4 threads, +%d KiB RSS)", rssKiB)
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The softphone crashes while ringing and again mid-call; each time it
// comes back, the handset attaches and the next call works.
func TestBinaryHostKilled(t *testing.T) {
	r, h := startBinary(t)
	if _, err := r.Host.Ring(r.Ctx, "bob", "Bob"); err != nil {
		t.Fatal(err)
	}
	r.KillHost()
	r.StartHost()
	r.WaitClients(1)
	r.callWorks(h)

	id, err := r.Host.Ring(r.Ctx, "bob", "Bob")
	if err != nil {
		t.Fatal(err)
	}
	h.Hook(true)
	r.waitStatus(id, "INPROGRESS")
	r.KillHost()
	r.StartHost()
	r.WaitClients(1)
	r.WaitCmd(0, "HOOK OFF") // still off hook, says so on attaching
	h.Hook(false)
	r.WaitCmd(0, "HOOK ON")
	r.callWorks(h)
	r.noLeak(1024)
}

// The bus daemon dies mid-call and comes back on the same address.
func TestBinaryBusRestarted(t *testing.T) {
	r, h := startBinary(t)
	id, err := r.Host.Ring(r.Ctx, "bob", "Bob")
	if err != nil {
		t.Fatal(err)
	}
	h.Hook(true)
	r.waitStatus(id, "INPROGRESS")
	r.RestartBus()
	r.WaitClients(1)
	r.WaitCmd(0, "HOOK OFF")
	h.Hook(false)
	r.WaitCmd(0, "HOOK ON")
	r.callWorks(h)
	r.noLeak(1024)
}

// Unplugged while ringing, and while a key is held (the daemon blocked in
// poll on the node): the node hangs up under the daemon, which releases the
// key; the same handset plugged back in works.
func TestBinaryUnplugMidRingAndRead(t *testing.T) {
	r, h := startBinary(t)
	if _, err := r.Host.Ring(r.Ctx, "bob", "Bob"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(r.Ctx, 10*time.Second)
	defer cancel()
	if _, err := h.Next(ctx); err != nil {
		t.Fatal(err)
	}
	if err := h.Unplug(); err != nil {
		t.Fatal(err)
	}
	h = r.Replug(h)
	r.WaitNewClient()
	if id, ok := r.Host.Find("ringing"); ok {
		if err := r.Host.Hangup(r.Ctx, id); err != nil && !onlyGoneClients(err) {
			t.Fatal(err)
		}
	}
	r.callWorks(h)

	n := r.Mark()
	h.Set(harness.KeyUsage('7'), 1)
	r.WaitCmd(n, "BTN_PRESSED 7")
	if err := h.Unplug(); err != nil {
		t.Fatal(err)
	}
	r.WaitCmd(n, "BTN_RELEASED 7")
	h = r.Replug(h)
	r.WaitNewClient()
	r.callWorks(h)
	r.noLeak(1024)
}

// Random bytes and real reports cut short, through the real node and
// hidapi.
func TestBinaryGarbageInputReports(t *testing.T) {
	r, h := startBinary(t)
	rng := rand.New(rand.NewPCG(3, 4))
	hook := h.Reports(hid.UsageHookSwitch, 1)[0]
	for i := range 300 {
		var rep []byte
		if i%2 == 0 {
			rep = make([]byte, 1+rng.IntN(64))
			for j := range rep {
				rep[j] = byte(rng.Uint32())
			}
		} else {
			rep = hook[:1+rng.IntN(len(hook)-1)]
		}
		if err := h.Inject(r.Ctx, rep); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.WaitRead(r.Ctx); err != nil {
		t.Fatal(err)
	}
	// Back to a handset on hook, no call at the host.
	h.Hook(false)
	for {
		id, ok := r.Host.Find("current")
		if !ok {
			break
		}
		if err := r.Host.Hangup(r.Ctx, id); err != nil && !onlyGoneClients(err) {
			t.Fatal(err)
		}
	}
	if r.Host.Muted() {
		if err := r.Host.SetMute(r.Ctx, false); err != nil {
			t.Fatal(err)
		}
	}
	r.callWorks(h)
	r.noLeak(1024)
}

// Plug/unplug cycles of the real daemon on the real hotplug path (libudev
// monitor, hidapi open, hangup on unplug). 200 here, where each costs a
// umockdev device tree for good (HANDSETD_CYCLES changes it); the 1 000
// run in process (TestPlugUnplug1000).
func TestBinaryPlugUnplug200(t *testing.T) {
	r, h := startBinary(t)
	cycles := 200
	if s := os.Getenv("HANDSETD_CYCLES"); s != "" {
		var err error
		if cycles, err = strconv.Atoi(s); err != nil || cycles < 50 {
			t.Fatalf("HANDSETD_CYCLES=%q: want a number of at least 50", s)
		}
	}
	start := time.Now()
	for i := range cycles {
		if err := h.Unplug(); err != nil {
			t.Fatal(err)
		}
		h = r.Replug(h)
		r.WaitNewClient()
		if (i+1)%50 == 0 {
			st := r.footprint()
			t.Logf("after %d cycles: RSS %d KiB, %d threads, %d fds", i+1, st.RSSKiB, st.Threads, st.FDs)
			if i+1 == 50 {
				// The Go heap and the C libraries' arenas grow to
				// their working size over the first few dozen
				// cycles (12.5 -> 18 MiB measured) and stay there;
				// a leak keeps growing after. Descriptors must come
				// back to where they were before the first cycle.
				r.before.RSSKiB = st.RSSKiB
			}
		}
	}
	t.Logf("%d plug/unplug cycles of the real daemon in %v", cycles, time.Since(start))
	r.callWorks(h)
	r.noLeak(2048)
}

package faults

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"handsetd/daemon"
	"handsetd/devices"
	"handsetd/devices/models"
	"handsetd/devices/telephony"
	"handsetd/hid"
	"handsetd/hid/hidtest"
	"handsetd/phone"
	"handsetd/phoneapi/phoneapitest"
	"handsetd/phoneapi/session"
	"handsetd/test/harness"
)

// Timeouts of the in-process daemon, shorter than the defaults so that
// faults that wait for them (a host that never replies) stay quick.
const (
	replyTimeout = 300 * time.Millisecond
	flushTimeout = 200 * time.Millisecond
)

// source hands devices to the daemon as the test plugs them in, as
// discover does for hidraw nodes.
type source struct {
	adds    chan daemon.Device
	removes chan string
}

func (s *source) Run(ctx context.Context, add func(daemon.Device), remove func(string)) error {
	for {
		select {
		case d := <-s.adds:
			add(d)
		case id := <-s.removes:
			remove(id)
		case <-ctx.Done():
			return nil
		}
	}
}

// logBuffer is the daemon's log, kept for failures and counted by level.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// logKeep bounds the log kept: the last 256 KiB or so, so that a test of
// many cycles measures the daemon's heap, not its log's.
const logKeep = 256 << 10

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > logKeep {
		keep := bytes.Clone(b.buf.Bytes()[b.buf.Len()-logKeep/2:])
		b.buf.Reset()
		b.buf.Write(keep)
	}
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// stack is the daemon wired as `handsetd run` wires it, in this process,
// with fake devices, on a private bus with the test host.
type stack struct {
	t    *testing.T
	ctx  context.Context
	bus  *phoneapitest.Bus
	host *phoneapitest.Host
	src  *source
	d    *daemon.Daemon
	log  *logBuffer
	desc []byte
	// model is the database entry of the Jabra whose descriptor the
	// fake handsets carry.
	model *models.Model

	stop    context.CancelFunc
	stopped chan struct{}
	serial  int
	seen    harness.Clients
}

func readDesc(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "hid", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newStack(t *testing.T) *stack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	bus := phoneapitest.StartBusDaemon(t)
	db, err := models.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	m, ok := db.Lookup(0x0b0e, 0x0307)
	if !ok {
		t.Fatal("Jabra 0b0e:0307 is not in the model database")
	}
	s := &stack{
		t: t, ctx: ctx, bus: bus, log: &logBuffer{}, model: m, seen: harness.Clients{},
		src:  &source{adds: make(chan daemon.Device), removes: make(chan string)},
		desc: readDesc(t, "0b0e-0307.rdesc"),
	}
	s.startHost()
	// One cleanup for whichever host is current: a cleanup per host would
	// keep every replaced host, and all it recorded, alive to the end.
	t.Cleanup(func() { s.host.Close() })
	logger := slog.New(slog.NewTextHandler(s.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s.d = daemon.New(daemon.Config{
		Sources: []daemon.Source{s.src},
		NewHost: daemon.PhoneAPIHosts(session.Config{
			Bus:          bus.Address,
			Logger:       logger,
			ReplyTimeout: replyTimeout,
			Backoff:      session.Backoff{Initial: 20 * time.Millisecond, Max: 200 * time.Millisecond},
		}),
		Mode:         phone.ModePhone,
		Logger:       logger,
		ReplyTimeout: replyTimeout,
		FlushTimeout: flushTimeout,
	})
	dctx, stop := context.WithCancel(context.Background())
	s.stop, s.stopped = stop, make(chan struct{})
	go func() {
		defer close(s.stopped)
		s.d.Run(dctx)
	}()
	t.Cleanup(func() {
		s.stopDaemon()
		if t.Failed() {
			t.Logf("daemon log:\n%s", s.log.String())
		}
	})
	return s
}

// stopDaemon stops the daemon and waits for it.
func (s *stack) stopDaemon() {
	s.stop()
	select {
	case <-s.stopped:
	case <-time.After(10 * time.Second):
		s.t.Error("faults: the daemon did not stop within 10s")
	}
}

// running fails the test when the daemon's Run has returned.
func (s *stack) running() {
	s.t.Helper()
	select {
	case <-s.stopped:
		s.t.Fatal("faults: the daemon stopped")
	default:
	}
}

func (s *stack) startHost(opts ...phoneapitest.HostOption) {
	s.t.Helper()
	h, err := phoneapitest.Start(s.ctx, s.bus.Address, opts...)
	if err != nil {
		s.t.Fatal(err)
	}
	s.host = h
}

// killHost drops the host's connection, as a softphone that crashes.
func (s *stack) killHost() { s.host.Close() }

// ring starts an incoming call at the host. The test host notifies every
// client that ever attached, including the sessions of handsets already
// unplugged, whose names no longer exist on the bus; those failures are
// expected, any other is not.
func (s *stack) ring(partner string) int {
	s.t.Helper()
	id, err := s.host.Ring(s.ctx, partner, strings.ToUpper(partner[:1])+partner[1:])
	if err != nil && !onlyGoneClients(err) {
		s.t.Fatal(err)
	}
	return id
}

// hangup ends call id from the partner's side (see ring for the errors
// expected).
func (s *stack) hangup(id int) {
	s.t.Helper()
	if err := s.host.Hangup(s.ctx, id); err != nil && !onlyGoneClients(err) {
		s.t.Fatal(err)
	}
}

// onlyGoneClients reports whether every error joined in err says that
// the destination is not on the bus.
func onlyGoneClients(err error) bool {
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) {
		return false
	}
	for _, e := range joined.Unwrap() {
		var de dbus.Error
		if !errors.As(e, &de) || de.Name != "org.freedesktop.DBus.Error.NameHasNoOwner" {
			return false
		}
	}
	return true
}

// device is a fake handset's hardware: the scripted hidtest device plus the
// faults hidtest has no knob for - writes that hang until unplug.
type device struct {
	*hidtest.Device

	mu      sync.Mutex
	hang    bool
	gone    chan struct{}
	hanging chan struct{} // receives when a write starts hanging
}

func newDevice(desc []byte) *device {
	return &device{Device: hidtest.New(desc), gone: make(chan struct{}), hanging: make(chan struct{}, 1)}
}

var _ hid.Device = (*device)(nil)

// setHang makes output reports block until unplug, as writes to a device
// that stopped answering do until usbhid gives up on them.
func (d *device) setHang(on bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.hang = on
}

func (d *device) WriteOutput(p []byte) error {
	d.mu.Lock()
	hang := d.hang
	d.mu.Unlock()
	if hang {
		select {
		case d.hanging <- struct{}{}:
		default:
		}
		<-d.gone
		return fmt.Errorf("faults: write: %w", hid.ErrDisconnected)
	}
	return d.Device.WriteOutput(p)
}

// unplug makes reads and writes fail, those in flight too.
func (d *device) unplug() {
	d.Device.Unplug()
	d.mu.Lock()
	defer d.mu.Unlock()
	select {
	case <-d.gone:
	default:
		close(d.gone)
	}
}

// handset is a plugged-in fake handset as the test sees it: its device,
// an encoder for the reports the real one sends, and the indicators the
// daemon set on it.
type handset struct {
	s    *stack
	id   string
	name string
	dev  *device
	enc  *hid.Encoder

	mu      sync.Mutex
	ind     map[devices.Indicator]bool
	failed  int // SetIndicator calls that returned an error
	changed chan struct{}
}

// recorder wraps the driver to record what the daemon shows.
type recorder struct {
	devices.Handset
	h *handset
}

func (r recorder) SetIndicator(ind devices.Indicator, on bool) error {
	err := r.Handset.SetIndicator(ind, on)
	r.h.mu.Lock()
	if err == nil {
		r.h.ind[ind] = on
	} else {
		r.h.failed++
	}
	close(r.h.changed)
	r.h.changed = make(chan struct{})
	r.h.mu.Unlock()
	return err
}

// plug plugs in a new fake Jabra and waits until it is attached to the
// host.
func (s *stack) plug() *handset {
	s.t.Helper()
	return s.plugDevice(newDevice(s.desc))
}

func (s *stack) plugDevice(dev *device) *handset {
	s.t.Helper()
	s.serial++
	d, err := hid.ParseReportDescriptor(s.desc)
	if err != nil {
		s.t.Fatal(err)
	}
	h := &handset{
		s: s, dev: dev, enc: hid.NewInputEncoder(d),
		id:      fmt.Sprintf("/sys/fake/hidraw%d", s.serial),
		name:    fmt.Sprintf("Jabra %d", s.serial),
		ind:     map[devices.Indicator]bool{},
		changed: make(chan struct{}),
	}
	info := devices.Info{Name: h.name, Path: fmt.Sprintf("/dev/hidraw%d", s.serial), SysfsPath: h.id,
		VendorID: 0x0b0e, ProductID: 0x0307, Model: s.model.ID, Driver: telephony.DriverName}
	select {
	case s.src.adds <- daemon.Device{ID: h.id, Label: info.Path, Open: func(ctx context.Context) (devices.Handset, error) {
		th, err := telephony.Open(dev, info, s.model, telephony.Options{})
		if err != nil {
			return nil, err
		}
		return recorder{Handset: th, h: h}, nil
	}}:
	case <-s.ctx.Done():
		s.t.Fatal("faults: the daemon took no device")
	}
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	if _, err := s.seen.WaitNew(ctx, s.host); err != nil {
		s.t.Fatal(err)
	}
	return h
}

// unplug pulls the handset out: the device fails, then the source says
// it is gone, as discover does on the remove uevent. It waits until the
// daemon has let go of it.
func (h *handset) unplug() {
	h.s.t.Helper()
	h.dev.unplug()
	select {
	case h.s.src.removes <- h.id:
	case <-h.s.ctx.Done():
		h.s.t.Fatal("faults: the daemon took no remove")
	}
	h.s.waitFor("handset released", func() bool {
		return !slices.ContainsFunc(h.s.d.Handsets(), func(i devices.Info) bool { return i.SysfsPath == h.id })
	})
}

func (s *stack) waitClients(n int) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	if _, err := s.host.WaitClients(ctx, n); err != nil {
		s.t.Fatalf("faults: %v", err)
	}
}

// waitFor polls cond: for state with no change notification (the host's
// calls, the daemon's handsets).
func (s *stack) waitFor(what string, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			s.t.Fatalf("faults: timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// waitInd waits until the daemon has set ind to on.
func (h *handset) waitInd(ind devices.Indicator, on bool) {
	h.s.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		h.mu.Lock()
		got, ch := h.ind[ind], h.changed
		h.mu.Unlock()
		if got == on {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			h.s.t.Fatalf("faults: %s: %s indicator stayed %v, want %v", h.name, ind, got, on)
		}
	}
}

func (h *handset) indicator(ind devices.Indicator) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ind[ind]
}

// set changes one control and pushes the reports it lives in.
func (h *handset) set(u hid.Usage, v int32) {
	h.s.t.Helper()
	reps, err := h.enc.SetUsage(hid.Input, u, v)
	if err != nil {
		h.s.t.Fatalf("faults: encode %s=%d: %v", u, v, err)
	}
	for _, r := range reps {
		h.dev.Push(r)
	}
}

// idle is the report of a handset on hook with nothing pressed.
func (h *handset) idle() []byte {
	h.s.t.Helper()
	var rep []byte
	for _, uv := range []struct {
		u hid.Usage
		v int32
	}{{hid.UsageHookSwitch, 0}, {hid.UsagePhoneMute, 0}, {hid.NewUsage(hid.PageTelephony, 0xB5), 0}} {
		reps, err := h.enc.SetUsage(hid.Input, uv.u, uv.v)
		if err != nil || len(reps) != 1 {
			h.s.t.Fatalf("faults: encode the idle report: %v", err)
		}
		rep = reps[0]
	}
	return rep
}

// mark is the number of commands the host received so far.
func (s *stack) mark() int { return len(s.host.Commands()) }

// waitCmd waits for a command with text text after the first n.
func (s *stack) waitCmd(n int, text string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	if _, err := s.host.WaitCommandAfter(ctx, n, phoneapitest.Text(text)); err != nil {
		var got []string
		for _, c := range s.host.Commands()[n:] {
			got = append(got, c.Line)
		}
		s.t.Fatalf("faults: waiting for %q: %v; commands since: %q", text, err, got)
	}
}

// callStatus is the host's status of call id.
func (s *stack) callStatus(id int) string {
	for _, c := range s.host.Calls() {
		if c.ID == id {
			return c.Status
		}
	}
	return ""
}

// callWorks plays a whole incoming call on h: it rings, the user answers by
// lifting the handset, then hangs up.
func (s *stack) callWorks(h *handset) {
	s.t.Helper()
	s.running()
	id := s.ring("alice")
	h.waitInd(devices.Ring, true)
	n := s.mark()
	h.set(hid.UsageHookSwitch, 1)
	s.waitCmd(n, "HOOK OFF")
	s.waitFor("the call in progress", func() bool { return s.callStatus(id) == "INPROGRESS" })
	h.waitInd(devices.Ring, false)
	h.waitInd(devices.OffHook, true)
	n = s.mark()
	h.set(hid.UsageHookSwitch, 0)
	s.waitCmd(n, "HOOK ON")
	s.waitFor("the call finished", func() bool { return s.callStatus(id) == "FINISHED" })
	h.waitInd(devices.OffHook, false)
	s.running()
}

// leakLimits is what may stay behind after a fault: nothing but heap
// noise (godbus's and the test host's caches, the host's list of calls).
var leakLimits = harness.Limits{HeapKiB: 1024}

// snapshot measures the process once the daemon is idle.
func (s *stack) snapshot() harness.Snapshot {
	s.t.Helper()
	return harness.TakeSnapshot()
}

// noLeak checks that the process came back to before.
func (s *stack) noLeak(before harness.Snapshot, lim harness.Limits) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	after, err := harness.ExpectNoLeak(ctx, before, lim)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Logf("before: %v; after: %v", before, after)
}

// errorsLogged returns the daemon's log lines at level ERROR.
func (s *stack) errorsLogged() []string {
	var out []string
	for _, l := range strings.Split(s.log.String(), "\n") {
		if strings.Contains(l, "level=ERROR") {
			out = append(out, l)
		}
	}
	return out
}

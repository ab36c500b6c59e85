package yealink_test

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"handsetd/devices"
	"handsetd/devices/handsettest"
	"handsetd/devices/models"
	"handsetd/devices/yealink"
	"handsetd/devices/yealink/yealinksim"
	"handsetd/internal/clock"
)

type rig struct {
	*handsettest.Runner // once run
	t                   *testing.T
	sim                 *yealinksim.Sim
	clk                 *clock.Fake
	phone               *yealink.Phone
	logs                *handsettest.Log
}

func newRig(t *testing.T, cfg yealink.Config) *rig {
	t.Helper()
	r := &rig{t: t, clk: clock.NewFake(), logs: &handsettest.Log{}}
	r.sim = yealinksim.New(r.clk)
	cfg.Clock = r.clk
	cfg.Logger = r.logs.Logger()
	p, err := yealink.New(context.Background(), r.sim, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	r.phone = p
	t.Cleanup(func() {
		r.phone.Close()
		if bad := r.sim.Bad(); len(bad) > 0 {
			t.Errorf("phone refused: %q", bad)
		}
	})
	return r
}

// run starts Run and waits for its first poll.
func (r *rig) run() {
	r.Runner = handsettest.Start(r.t, r.phone)
	r.waitPolls(1)
}

func (r *rig) waitPolls(n int) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), handsettest.Timeout)
	defer cancel()
	if err := r.sim.WaitPolls(ctx, n); err != nil {
		r.t.Fatal(err)
	}
}

// tick lets one poll interval pass once Run has armed its timer: time
// that passes before the timer is armed does not count towards it.
func (r *rig) tick() {
	r.t.Helper()
	deadline := time.Now().Add(handsettest.Timeout)
	for r.clk.Pending() == 0 {
		if time.Now().After(deadline) {
			r.t.Fatal("Run did not arm its poll timer within 5 s")
		}
		time.Sleep(50 * time.Microsecond)
	}
	r.clk.Advance(yealink.DefaultPollInterval)
}

// poll lets one poll interval pass and waits for the poll.
func (r *rig) poll() {
	r.t.Helper()
	n := r.sim.Polls()
	r.tick()
	r.waitPolls(n + 1)
}

// expectNone checks that a full poll after the last one brought no event.
func (r *rig) expectNone() {
	r.t.Helper()
	r.poll()
	r.poll() // the previous poll's processing is over once this one ran
	if e, ok := r.TryNext(); ok {
		r.t.Fatalf("unexpected event %v", e)
	}
}

var (
	down = handsettest.Down
	up   = handsettest.Up
)

func TestOpenUploadsRingtoneAndInits(t *testing.T) {
	r := newRig(t, yealink.Config{})
	vol, notes := r.sim.Ring()
	if vol != 0xef || !bytes.Equal(notes, yealink.DefaultRingtone[1:]) {
		t.Fatalf("ring volume %#x notes % x, want 0xef and % x", vol, notes, yealink.DefaultRingtone[1:])
	}
	var cmds []uint8
	for _, p := range r.sim.Received() {
		cmds = append(cmds, p.Cmd)
	}
	// RING_VOLUME, four RING_NOTE (38 bytes of notes), INIT, the display
	// in three LCD packets (11, 11, 2 bytes), then LED, dial tone, ring
	// tone off.
	want := []uint8{0x11, 0x02, 0x02, 0x02, 0x02, 0x8e, 0x04, 0x04, 0x04, 0x05, 0x09, 0x03}
	if !slices.Equal(cmds, want) {
		t.Fatalf("commands % x, want % x", cmds, want)
	}
	if !r.sim.Inited() || r.sim.LED() || r.sim.Ringtone() || r.sim.Dialtone() || r.sim.LCD() != [24]byte{} {
		t.Fatal("phone not initialised to all off")
	}
}

func TestEveryKey(t *testing.T) {
	r := newRig(t, yealink.Config{})
	r.run()
	want := map[uint8]devices.Event{
		0x00: down("1", devices.ButtonKey), 0x01: down("2", devices.ButtonKey), 0x02: down("3", devices.ButtonKey),
		0x03: down("YES", devices.ButtonAnswer), 0x10: down("4", devices.ButtonKey), 0x11: down("5", devices.ButtonKey),
		0x12: down("6", devices.ButtonKey), 0x13: down("NO", devices.ButtonDrop), 0x14: down("C", devices.ButtonOther),
		0x20: down("7", devices.ButtonKey), 0x21: down("8", devices.ButtonKey), 0x22: down("9", devices.ButtonKey),
		0x24: down("DOWN", devices.ButtonOther), 0x30: down("*", devices.ButtonKey), 0x31: down("0", devices.ButtonKey),
		0x32: down("#", devices.ButtonKey), 0x33: down("UP", devices.ButtonOther),
	}
	for _, sc := range yealinksim.Scancodes {
		w, mapped := want[sc]
		r.sim.Press(sc)
		if !mapped { // IN (0x23) and OUT (0x04) have no phone-API name
			r.expectNone()
			r.sim.Release()
			r.expectNone()
			continue
		}
		r.poll()
		r.Expect(w)
		r.sim.Release()
		r.poll()
		r.Expect(up(w.Key, w.Button))
	}
	r.expectNone()
}

func TestKeyChangeWithoutRelease(t *testing.T) {
	r := newRig(t, yealink.Config{})
	r.run()
	r.sim.Press(0x03)
	r.poll()
	r.Expect(down("YES", devices.ButtonAnswer))
	r.sim.Press(0x13)
	r.poll()
	r.Expect(up("YES", devices.ButtonAnswer), down("NO", devices.ButtonDrop))
	r.Cancel()
	r.Expect(up("NO", devices.ButtonDrop))
	if err := r.Wait(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	if n := r.clk.Pending(); n != 0 {
		t.Fatalf("%d timers left after Run returned", n)
	}
}

func TestKeymapOverride(t *testing.T) {
	r := newRig(t, yealink.Config{KeyMap: map[string]string{"0x23": "SKYPE", "0x14": "R"}})
	r.run()
	r.sim.Press(0x23)
	r.poll()
	r.Expect(down("SKYPE", devices.ButtonProgrammable))
	r.sim.Press(0x14)
	r.poll()
	r.Expect(up("SKYPE", devices.ButtonProgrammable), down("R", devices.ButtonOther))
}

func TestMalformedPacketsDropped(t *testing.T) {
	r := newRig(t, yealink.Config{})
	r.run()
	good := yealink.Packet{Cmd: yealink.CmdKeypress, Size: 1}
	good.Data[0] = 9 // would be key 9 ('4')
	bad := good.Bytes()
	bad[15]++ // checksum off by one
	r.sim.InjectRaw(bad[:])
	r.sim.InjectRaw([]byte{0x80, 0x01, 0x00})                          // short
	unexpected := yealink.Packet{Cmd: yealink.CmdLED, Size: 1}.Bytes() // valid, not a reply
	r.sim.InjectRaw(unexpected[:])
	r.sim.Press(0x31)
	r.poll()
	r.Expect(down("0", devices.ButtonKey))
	logs := r.logs.String()
	for _, want := range []string{"bad checksum", "bad packet length", "unexpected packet"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}

func TestNoReplyIsLoggedAndPollingGoesOn(t *testing.T) {
	r := newRig(t, yealink.Config{ReplyTimeout: 10 * time.Millisecond})
	r.run()
	r.sim.SetDeaf(true)
	r.poll()
	r.poll() // the deaf poll has timed out before this one is sent
	if !strings.Contains(r.logs.String(), "no reply") {
		t.Fatalf("missing reply not logged:\n%s", r.logs)
	}
	r.sim.SetDeaf(false)
	r.sim.Press(0x32)
	r.poll()
	r.Expect(down("#", devices.ButtonKey))
}

func TestRingLEDAndRingtone(t *testing.T) {
	r := newRig(t, yealink.Config{})
	start := r.clk.Now()
	if err := r.phone.SetIndicator(devices.Ring, true); err != nil {
		t.Fatal(err)
	}
	if !r.sim.LED() || !r.sim.Ringtone() {
		t.Fatalf("Ring on: LED %v ringtone %v, want both on", r.sim.LED(), r.sim.Ringtone())
	}
	r.clk.Advance(2 * time.Second)
	if err := r.phone.SetIndicator(devices.Ringer, true); err != nil {
		t.Fatal(err)
	}
	if err := r.phone.SetIndicator(devices.Ring, false); err != nil {
		t.Fatal(err)
	}
	r.clk.Advance(3 * time.Second)
	if err := r.phone.SetIndicator(devices.Ringer, false); err != nil {
		t.Fatal(err)
	}
	wantRing := []yealinksim.Toggle{{At: start, On: true}, {At: start.Add(5 * time.Second), On: false}}
	wantLED := []yealinksim.Toggle{{At: start, On: true}, {At: start.Add(2 * time.Second), On: false}}
	if got := r.sim.RingtoneLog(); !slices.Equal(got, wantRing) {
		t.Errorf("ringtone %v, want %v", got, wantRing)
	}
	if got := r.sim.LEDLog(); !slices.Equal(got, wantLED) {
		t.Errorf("LED %v, want %v", got, wantLED)
	}
	if r.clk.Pending() != 0 {
		t.Errorf("%d timers armed without Run", r.clk.Pending())
	}
	if err := r.phone.SetIndicator(devices.Hold, true); !errors.Is(err, devices.ErrUnsupported) {
		t.Errorf("SetIndicator(Hold) = %v, want ErrUnsupported", err)
	}
}

func TestDialTone(t *testing.T) {
	r := newRig(t, yealink.Config{})
	if err := r.phone.SetDialTone(true); err != nil || !r.sim.Dialtone() {
		t.Fatalf("SetDialTone(true) = %v, dial tone %v", err, r.sim.Dialtone())
	}
	if err := r.phone.SetDialTone(false); err != nil || r.sim.Dialtone() {
		t.Fatalf("SetDialTone(false) = %v, dial tone %v", err, r.sim.Dialtone())
	}
}

func TestDisplayNumber(t *testing.T) {
	r := newRig(t, yealink.Config{})
	before := len(r.sim.Received())
	if err := r.phone.SetDisplay("18"); err != nil {
		t.Fatal(err)
	}
	// Digit 1 of line 3 uses bytes 22/23, digit 2 bytes 20/21: '1' is
	// segments b, c (22:32, 22:64); '8' all seven (20:16,32,64,128 and
	// 21:128,64,32).
	var want [24]byte
	want[22] = 0x60
	want[20], want[21] = 0xf0, 0xe0
	if got := r.sim.LCD(); got != want {
		t.Fatalf("LCD % x\nwant % x", got, want)
	}
	sent := r.sim.Received()[before:]
	if len(sent) != 1 || sent[0].Cmd != yealink.CmdLCD || sent[0].Offset != 20 || sent[0].Size != 4 {
		t.Fatalf("sent %v, want one LCD packet of 4 bytes at 20", sent)
	}
	if err := r.phone.SetDisplay("+4930123456789"); err != nil {
		t.Fatal(err)
	}
	if got := r.sim.Line3(); got != "930123456789" {
		t.Fatalf("line 3 %q, want the last twelve characters", got)
	}
	if err := r.phone.SetDisplay("0049 30"); err != nil {
		t.Fatal(err)
	}
	if got := r.sim.Line3(); got != "0049 30     " {
		t.Fatalf("line 3 %q, want %q", got, "0049 30     ")
	}
	if err := r.phone.SetDisplay(""); err != nil {
		t.Fatal(err)
	}
	if got := r.sim.LCD(); got != [24]byte{} {
		t.Fatalf("LCD after clearing % x", got)
	}
}

func TestUnplugMidRing(t *testing.T) {
	base := runtime.NumGoroutine()
	r := newRig(t, yealink.Config{})
	r.run()
	if err := r.phone.SetIndicator(devices.Ring, true); err != nil {
		t.Fatal(err)
	}
	r.sim.Press(0x00)
	r.poll()
	r.Expect(down("1", devices.ButtonKey))
	r.sim.Unplug()
	r.tick()
	r.Expect(up("1", devices.ButtonKey))
	if err := r.Wait(); !errors.Is(err, devices.ErrGone) {
		t.Fatalf("Run after unplug = %v, want ErrGone", err)
	}
	if n := r.clk.Pending(); n != 0 {
		t.Fatalf("%d timers left after unplug", n)
	}
	if err := r.phone.SetDisplay("1"); !errors.Is(err, devices.ErrGone) {
		t.Fatalf("SetDisplay after unplug = %v, want ErrGone", err)
	}
	if err := r.phone.Close(); err != nil {
		t.Fatalf("Close after unplug: %v", err)
	}
	r.Cancel()
	handsettest.GoroutinesSettle(t, base)
}

func TestCloseSwitchesEverythingOff(t *testing.T) {
	r := newRig(t, yealink.Config{})
	r.run()
	for _, err := range []error{
		r.phone.SetIndicator(devices.Ring, true), r.phone.SetDialTone(true), r.phone.SetDisplay("5551234"),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := r.phone.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Wait(); !errors.Is(err, yealink.ErrClosed) {
		t.Fatalf("Run after Close = %v, want ErrClosed", err)
	}
	if r.sim.LED() || r.sim.Ringtone() || r.sim.Dialtone() || r.sim.LCD() != [24]byte{} || !r.sim.Closed() {
		t.Fatalf("after Close: LED %v ringtone %v dialtone %v LCD % x closed %v",
			r.sim.LED(), r.sim.Ringtone(), r.sim.Dialtone(), r.sim.LCD(), r.sim.Closed())
	}
	if n := r.clk.Pending(); n != 0 {
		t.Fatalf("%d timers left after Close", n)
	}
	if err := r.phone.SetIndicator(devices.Ring, true); !errors.Is(err, yealink.ErrClosed) {
		t.Fatalf("SetIndicator after Close = %v, want ErrClosed", err)
	}
	if err := r.phone.Run(context.Background(), func(devices.Event) {}); !errors.Is(err, yealink.ErrClosed) {
		t.Fatalf("Run after Close = %v, want ErrClosed", err)
	}
}

func TestModelConfig(t *testing.T) {
	m, err := models.Parse([]byte(`{"id": "yealink-usb-p1k", "name": "Yealink USB-P1K", "vendor_id": "6993",
		"product_id": "b001", "driver": "yealink-p1k", "keymap": {"0x23": "SKYPE"}, "source": "yealink.c"}`))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := yealink.ModelConfig(m)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.KeyMap["0x23"] != "SKYPE" || cfg.Info.Driver != "yealink-p1k" || cfg.Info.Model != "yealink-usb-p1k" {
		t.Fatalf("ModelConfig = %+v", cfg)
	}
	m.Driver = "cm109"
	if _, err := yealink.ModelConfig(m); !errors.Is(err, yealink.ErrConfig) {
		t.Fatalf("ModelConfig(cm109) = %v, want ErrConfig", err)
	}
	if _, err := yealink.New(context.Background(), yealinksim.New(clock.NewFake()),
		yealink.Config{KeyMap: map[string]string{"0x23": "LEFT"}}); !errors.Is(err, yealink.ErrConfig) {
		t.Fatalf("New with a bad key name = %v, want ErrConfig", err)
	}
}

func TestBuiltinModel(t *testing.T) {
	db, err := models.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	m, ok := db.Lookup(0x6993, 0xb001)
	if !ok || m.ID != "yealink-usb-p1k" {
		t.Fatalf("6993:b001 -> %v, %v", m, ok)
	}
	cfg, err := yealink.ModelConfig(m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := yealink.New(context.Background(), yealinksim.New(clock.NewFake()), cfg); err != nil {
		t.Fatalf("New from the builtin model: %v", err)
	}
}

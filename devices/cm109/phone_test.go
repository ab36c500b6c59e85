package cm109_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"handsetd/devices"
	"handsetd/devices/cm109"
	"handsetd/devices/cm109/cm109sim"
	"handsetd/devices/handsettest"
	"handsetd/devices/models"
	"handsetd/internal/clock"
)

// rig is a phone driven end to end through the simulator.
type rig struct {
	*handsettest.Runner // once run
	t                   *testing.T
	sim                 *cm109sim.Sim
	clk                 *clock.Fake
	phone               *cm109.Phone
	logs                *handsettest.Log
}

func newRig(t *testing.T, cfg cm109.Config) *rig {
	t.Helper()
	r := &rig{t: t, clk: clock.NewFake(), logs: &handsettest.Log{}}
	r.sim = cm109sim.New(r.clk)
	cfg.Clock = r.clk
	cfg.Logger = r.logs.Logger()
	p, err := cm109.New(context.Background(), r.sim, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	r.phone = p
	t.Cleanup(func() {
		r.phone.Close()
		if bad := r.sim.Bad(); len(bad) > 0 {
			t.Errorf("device refused requests: %q", bad)
		}
	})
	return r
}

func (r *rig) run() {
	r.Runner = handsettest.Start(r.t, r.phone)
	r.idle()
}

// idle waits until the driver has read the phone's current state and
// answered it: the scan is over and the driver waits for a change.
func (r *rig) idle() {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), handsettest.Timeout)
	defer cancel()
	if err := r.sim.WaitQuiet(ctx); err != nil {
		r.t.Fatal(err)
	}
}

var (
	down = handsettest.Down
	up   = handsettest.Up
)

// kernelKeys is the expected phone-API meaning of every scancode of the
// kernel's four key maps, written out independently of the driver's
// tables.
var kernelKeys = map[string]map[uint8]string{
	"kip1000": {0x82: "0", 0x14: "1", 0x12: "2", 0x11: "3", 0x24: "4", 0x22: "5", 0x21: "6", 0x44: "7",
		0x42: "8", 0x41: "9", 0x81: "#", 0x84: "*", 0x88: "YES", 0x48: "NO", 0x28: "UP", 0x18: "DOWN"},
	"gtalk": {0x11: "0", 0x21: "1", 0x41: "2", 0x81: "3", 0x12: "4", 0x22: "5", 0x42: "6", 0x82: "7",
		0x14: "8", 0x24: "9", 0x44: "#", 0x84: "*", 0x18: "YES", 0x28: "NO", 0x48: "UP", 0x88: "DOWN"},
	"usbph01": {0x11: "0", 0x21: "1", 0x41: "2", 0x81: "3", 0x12: "4", 0x22: "5", 0x42: "6", 0x82: "7",
		0x14: "8", 0x24: "9", 0x44: "#", 0x84: "*", 0x18: "YES", 0x28: "NO", 0x48: "UP", 0x88: "DOWN"},
	"atcom": {0x82: "0", 0x11: "1", 0x12: "2", 0x14: "3", 0x21: "4", 0x22: "5", 0x24: "6", 0x41: "7",
		0x42: "8", 0x44: "9", 0x84: "#", 0x81: "*", 0x18: "YES", 0x28: "NO", 0x48: "UP", 0x88: "DOWN"},
}

func wantButton(name string) devices.Button {
	switch name {
	case "YES":
		return devices.ButtonAnswer
	case "NO":
		return devices.ButtonDrop
	case "UP", "DOWN":
		return devices.ButtonOther
	}
	return devices.ButtonKey
}

func TestEveryKeyOfEveryKeymap(t *testing.T) {
	for name, keys := range kernelKeys {
		t.Run(name, func(t *testing.T) {
			r := newRig(t, cm109.Config{Keymap: name})
			r.run()
			codes := make([]int, 0, len(keys))
			for sc := range keys {
				codes = append(codes, int(sc))
			}
			sort.Ints(codes)
			for _, c := range codes {
				sc := uint8(c)
				k := keys[sc]
				r.idle()
				r.sim.Press(sc)
				r.Expect(down(k, wantButton(k)))
				r.idle()
				r.sim.Release(sc)
				r.Expect(up(k, wantButton(k)))
			}
			r.idle()
			if e, ok := r.TryNext(); ok {
				t.Fatalf("extra event %v", e)
			}
		})
	}
}

func TestScanDrivesColumnsLikeCM109(t *testing.T) {
	r := newRig(t, cm109.Config{}) // kip1000
	r.run()
	r.idle()
	r.sim.Press(0x22) // '5': row 0x20, column 0x2
	r.Expect(down("5", devices.ButtonKey))
	r.idle()
	r.sim.Release(0x22)
	r.Expect(up("5", devices.ButtonKey))
	r.idle()
	var cols []uint8
	for _, o := range r.sim.Outputs() {
		if o.Report[0] != 0 || o.Report[1] != o.Report[2] || o.Report[3] != 0 {
			t.Fatalf("output report % x: want [00 c c 00]", o.Report)
		}
		cols = append(cols, o.Report[1])
	}
	// INIT and the answer to the first report, then per row change a scan
	// of the four columns and all columns again, whose report shows the
	// rows unchanged and is answered with all columns.
	want := []uint8{0x0f, 0x0f, 0x1, 0x2, 0x4, 0x8, 0x0f, 0x0f, 0x1, 0x2, 0x4, 0x8, 0x0f, 0x0f}
	if !slices.Equal(cols, want) {
		t.Fatalf("driven columns % x, want % x", cols, want)
	}
}

func TestSecondKeyTakesOver(t *testing.T) {
	r := newRig(t, cm109.Config{Keymap: "gtalk"})
	r.run()
	r.idle()
	r.sim.Press(0x21) // '1', column 1
	r.Expect(down("1", devices.ButtonKey))
	r.idle()
	r.sim.Press(0x18) // talk, column 8
	r.idle()
	r.sim.Release(0x21)
	// The rescan after '1' went up finds only talk.
	r.Expect(up("1", devices.ButtonKey), down("YES", devices.ButtonAnswer))
	r.idle()
	r.sim.Release(0x18)
	r.Expect(up("YES", devices.ButtonAnswer))
}

func TestVolumeAndMute(t *testing.T) {
	r := newRig(t, cm109.Config{})
	r.run()
	r.idle()
	r.sim.SetSpecial(cm109.VolumeUp)
	r.Expect(down("UP", devices.ButtonVolumeUp))
	r.sim.SetSpecial(0)
	r.Expect(up("UP", devices.ButtonVolumeUp))
	r.sim.SetSpecial(cm109.VolumeDown)
	r.Expect(down("DOWN", devices.ButtonVolumeDown))
	r.sim.SetSpecial(0)
	r.Expect(up("DOWN", devices.ButtonVolumeDown))
	r.sim.SetSpecial(cm109.RecordMute)
	r.Expect(devices.Event{Kind: devices.MuteToggle})
	r.sim.SetSpecial(0)
	r.sim.SetSpecial(cm109.PlaybackMute)
	r.Expect(devices.Event{Kind: devices.MuteToggle})
	r.sim.SetSpecial(0)
	// Volume held when Run ends is released.
	r.sim.SetSpecial(cm109.VolumeDown)
	r.Expect(down("DOWN", devices.ButtonVolumeDown))
	r.Cancel()
	r.Expect(up("DOWN", devices.ButtonVolumeDown))
	if err := r.Wait(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run after cancel = %v, want context.Canceled", err)
	}
}

func TestHookKeys(t *testing.T) {
	r := newRig(t, cm109.Config{HookKeys: true})
	r.run()
	r.idle()
	r.sim.Press(0x88) // kip1000 pickup
	r.Expect(devices.Event{Kind: devices.HookOff})
	r.idle()
	r.sim.Release(0x88)
	r.idle()
	r.sim.Press(0x12)
	r.Expect(down("2", devices.ButtonKey))
	r.idle()
	r.sim.Release(0x12)
	r.Expect(up("2", devices.ButtonKey))
	r.idle()
	r.sim.Press(0x48) // hangup
	r.Expect(devices.Event{Kind: devices.HookOn})
}

func TestMalformedReportDropped(t *testing.T) {
	r := newRig(t, cm109.Config{})
	r.run()
	r.idle()
	r.sim.InjectRaw([]byte{0x01, 0x1f})
	r.sim.Press(0x41)
	r.Expect(down("9", devices.ButtonKey))
	if !strings.Contains(r.logs.String(), "dropped input report") || !strings.Contains(r.logs.String(), "01 1f") {
		t.Fatalf("short report not logged; log:\n%s", r.logs)
	}
}

func TestUnplugMidPressReleasesKey(t *testing.T) {
	r := newRig(t, cm109.Config{})
	r.run()
	r.idle()
	r.sim.Press(0x84)
	r.Expect(down("*", devices.ButtonKey))
	r.sim.Unplug()
	r.Expect(up("*", devices.ButtonKey))
	if err := r.Wait(); !errors.Is(err, devices.ErrGone) {
		t.Fatalf("Run after unplug = %v, want ErrGone", err)
	}
}

func TestRingCadence(t *testing.T) {
	r := newRig(t, cm109.Config{})
	start := r.clk.Now()
	if err := r.phone.SetIndicator(devices.Ring, true); err != nil {
		t.Fatal(err)
	}
	r.clk.Advance(1 * time.Second) // off at 1 s
	r.clk.Advance(2 * time.Second) // on at 3 s
	r.clk.Advance(1 * time.Second) // off at 4 s
	r.clk.Advance(1 * time.Second) // still off
	// Ringer on as well changes nothing; Ring off keeps it ringing.
	if err := r.phone.SetIndicator(devices.Ringer, true); err != nil {
		t.Fatal(err)
	}
	if err := r.phone.SetIndicator(devices.Ring, false); err != nil {
		t.Fatal(err)
	}
	r.clk.Advance(1 * time.Second) // on at 6 s
	r.clk.Advance(500 * time.Millisecond)
	if err := r.phone.SetIndicator(devices.Ringer, false); err != nil { // off at 6.5 s
		t.Fatal(err)
	}
	want := []cm109sim.Toggle{
		{At: start, On: true},
		{At: start.Add(1 * time.Second), On: false},
		{At: start.Add(3 * time.Second), On: true},
		{At: start.Add(4 * time.Second), On: false},
		{At: start.Add(6 * time.Second), On: true},
		{At: start.Add(6500 * time.Millisecond), On: false},
	}
	if got := r.sim.BuzzerLog(); !slices.Equal(got, want) {
		t.Fatalf("buzzer\n got %v\nwant %v", got, want)
	}
	if n := r.clk.Pending(); n != 0 {
		t.Fatalf("%d timers left after ringing stopped", n)
	}
	r.clk.Advance(time.Minute)
	if got := len(r.sim.BuzzerLog()); got != len(want) {
		t.Fatalf("buzzer changed after ringing stopped: %v", r.sim.BuzzerLog())
	}
}

func TestCustomCadence(t *testing.T) {
	// UK double ring: 0.4 on, 0.2 off, 0.4 on, 2.0 off.
	r := newRig(t, cm109.Config{Cadence: []time.Duration{400 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 2 * time.Second}})
	start := r.clk.Now()
	if err := r.phone.SetIndicator(devices.Ringer, true); err != nil {
		t.Fatal(err)
	}
	r.clk.Advance(3100 * time.Millisecond)
	var got []string
	for _, tg := range r.sim.BuzzerLog() {
		got = append(got, fmt.Sprintf("%v@%v", tg.On, tg.At.Sub(start)))
	}
	want := []string{"true@0s", "false@400ms", "true@600ms", "false@1s", "true@3s"}
	if !slices.Equal(got, want) {
		t.Fatalf("buzzer %v, want %v", got, want)
	}
}

func TestUnplugMidRingLeavesNothingRunning(t *testing.T) {
	base := runtime.NumGoroutine()
	r := newRig(t, cm109.Config{})
	r.run()
	r.idle()
	if err := r.phone.SetIndicator(devices.Ring, true); err != nil {
		t.Fatal(err)
	}
	r.clk.Advance(1500 * time.Millisecond)
	r.sim.Unplug()
	if err := r.Wait(); !errors.Is(err, devices.ErrGone) {
		t.Fatalf("Run after unplug = %v, want ErrGone", err)
	}
	if n := r.clk.Pending(); n != 0 {
		t.Fatalf("%d cadence timers left after unplug", n)
	}
	if err := r.phone.SetIndicator(devices.Ring, true); !errors.Is(err, devices.ErrGone) {
		t.Fatalf("SetIndicator after unplug = %v, want ErrGone", err)
	}
	if err := r.phone.Close(); err != nil {
		t.Fatalf("Close after unplug: %v", err)
	}
	r.Cancel()
	handsettest.GoroutinesSettle(t, base)
}

func TestCadenceTimerSeesUnplugFirst(t *testing.T) {
	r := newRig(t, cm109.Config{})
	if err := r.phone.SetIndicator(devices.Ring, true); err != nil {
		t.Fatal(err)
	}
	r.sim.Unplug()
	r.clk.Advance(time.Second) // the toggle fails: the cadence stops
	if n := r.clk.Pending(); n != 0 {
		t.Fatalf("%d cadence timers left after a failed toggle", n)
	}
}

func TestCloseSilencesBuzzerAndStopsRun(t *testing.T) {
	r := newRig(t, cm109.Config{})
	r.run()
	r.idle()
	if err := r.phone.SetIndicator(devices.Ring, true); err != nil {
		t.Fatal(err)
	}
	start := r.clk.Now()
	if err := r.phone.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Wait(); !errors.Is(err, cm109.ErrClosed) {
		t.Fatalf("Run after Close = %v, want ErrClosed", err)
	}
	log := r.sim.BuzzerLog()
	if last := log[len(log)-1]; last.On || !last.At.Equal(start) {
		t.Fatalf("last buzzer change %v, want off at close", last)
	}
	if r.sim.Buzzer() || !r.sim.Closed() || r.clk.Pending() != 0 {
		t.Fatalf("after Close: buzzer %v, closed %v, timers %d", r.sim.Buzzer(), r.sim.Closed(), r.clk.Pending())
	}
	if err := r.phone.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := r.phone.SetIndicator(devices.Ring, false); !errors.Is(err, cm109.ErrClosed) {
		t.Fatalf("SetIndicator after Close = %v, want ErrClosed", err)
	}
}

func TestUnsupported(t *testing.T) {
	r := newRig(t, cm109.Config{})
	if err := r.phone.SetIndicator(devices.OffHook, true); !errors.Is(err, devices.ErrUnsupported) {
		t.Errorf("SetIndicator(OffHook) = %v, want ErrUnsupported", err)
	}
	if err := r.phone.SetDisplay("123"); !errors.Is(err, devices.ErrUnsupported) {
		t.Errorf("SetDisplay = %v, want ErrUnsupported", err)
	}
	if got := r.phone.Indicators(); !slices.Equal(got, []devices.Indicator{devices.Ring, devices.Ringer}) {
		t.Errorf("Indicators = %v", got)
	}
}

func TestConfigErrors(t *testing.T) {
	sim := cm109sim.New(clock.NewFake())
	for name, cfg := range map[string]cm109.Config{
		"keymap":       {Keymap: "nokia"},
		"odd cadence":  {Cadence: []time.Duration{time.Second}},
		"zero cadence": {Cadence: []time.Duration{time.Second, 0}},
		"bad code":     {KeyMap: map[string]string{"88": "YES"}},
		"bad name":     {KeyMap: map[string]string{"0x88": "ANSWER"}},
	} {
		if _, err := cm109.New(context.Background(), sim, cfg); !errors.Is(err, cm109.ErrConfig) {
			t.Errorf("%s: New error = %v, want ErrConfig", name, err)
		}
	}
}

func TestKeymapOverride(t *testing.T) {
	km, err := cm109.BuildKeymap("kip1000", map[string]string{"0x28": "SKYPE", "0x0f": "R"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := km[0x28], (cm109.Key{Name: "SKYPE", Button: devices.ButtonOther}); got != want {
		t.Errorf("0x28 = %v, want %v (kernel button kept)", got, want)
	}
	if got, want := km[0x0f], (cm109.Key{Name: "R", Button: devices.ButtonFlash}); got != want {
		t.Errorf("0x0f = %v, want %v", got, want)
	}
	if got, want := km[0x88], (cm109.Key{Name: "YES", Button: devices.ButtonAnswer}); got != want {
		t.Errorf("0x88 = %v, want %v", got, want)
	}
}

func TestModelConfig(t *testing.T) {
	m, err := models.Parse([]byte(`{"id": "genius-gtalk", "name": "Genius G-talk", "vendor_id": "0d8c",
		"product_id": "000e", "driver": "cm109",
		"quirks": {"cm109_keymap": "gtalk", "cm109_hook_keys": true, "ring_cadence_ms": [500, 500]},
		"keymap": {"0x48": "SKYPE"}, "source": "cm109.c keymap_gtalk"}`))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := cm109.ModelConfig(m)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Keymap != "gtalk" || !cfg.HookKeys || !slices.Equal(cfg.Cadence, []time.Duration{500 * time.Millisecond, 500 * time.Millisecond}) ||
		cfg.KeyMap["0x48"] != "SKYPE" || cfg.Info.Model != "genius-gtalk" || cfg.Info.Driver != "cm109" {
		t.Fatalf("ModelConfig = %+v", cfg)
	}
	m.Driver = "yealink-p1k"
	if _, err := cm109.ModelConfig(m); !errors.Is(err, cm109.ErrConfig) {
		t.Fatalf("ModelConfig(yealink) error = %v, want ErrConfig", err)
	}
}

func TestRunTwiceIsBusy(t *testing.T) {
	r := newRig(t, cm109.Config{})
	r.run()
	r.idle()
	if err := r.phone.Run(context.Background(), func(devices.Event) {}); !errors.Is(err, cm109.ErrBusy) {
		t.Fatalf("second Run = %v, want ErrBusy", err)
	}
}

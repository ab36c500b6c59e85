package telephony

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"handsetd/devices"
	"handsetd/devices/models"
	"handsetd/hid"
	"handsetd/hid/hidtest"
)

// step is one user action: the input reports it produces, and the events
// and output reports that must follow.
type step struct {
	name    string
	reports [][]byte
	events  []string
	writes  []string
}

type deviceCase struct {
	file     string
	vid, pid uint16
	steps    []step
	inds     []devices.Indicator
}

func r(b ...byte) []byte { return b }

// The input reports are written by hand from each descriptor's layout (see
// "handsetd describe testdata/hid/<file>"), and so are the LED reports.
var deviceCases = []deviceCase{
	{
		// Report 2: bit 0 Hook Switch, 1 Line Busy, 2 Phone Mute, 3 Flash,
		// 4 Redial, 5 Speed Dial (relative), 6 Button 7, 7-10 key pad.
		// Output 2: bit 0 Off-Hook, 1 Mute, 2 Ring, 3 Hold, 4 Microphone,
		// 5 Ringer. Consumer report 1: bit 0 Volume Down, 1 Volume Up.
		file: "0b0e-0307.rdesc", vid: 0x0b0e, pid: 0x0307,
		inds: []devices.Indicator{devices.Ring, devices.Ringer, devices.OffHook, devices.Mute, devices.Hold, devices.Microphone},
		steps: []step{
			{"hook off", [][]byte{r(2, 0x01, 0)}, []string{"hook-off"}, []string{"02 01 00"}},
			{"mute", [][]byte{r(2, 0x05, 0), r(2, 0x01, 0)}, []string{"mute-toggle"}, []string{"02 03 00"}},
			{"flash", [][]byte{r(2, 0x09, 0), r(2, 0x01, 0)}, []string{"key-down R (flash)", "key-up R (flash)"}, nil},
			{"redial", [][]byte{r(2, 0x11, 0), r(2, 0x01, 0)}, []string{"key-down + (redial)", "key-up + (redial)"}, nil},
			{"key 5", [][]byte{r(2, 0x81, 0x02)}, []string{"key-down 5 (key)"}, nil},
			{"key 5 up", [][]byte{r(2, 0x01, 0)}, []string{"key-up 5 (key)"}, nil},
			{"key #", [][]byte{r(2, 0x81, 0x05), r(2, 0x01, 0)}, []string{"key-down # (key)", "key-up # (key)"}, nil},
			{"programmable", [][]byte{r(2, 0x41, 0), r(2, 0x01, 0)}, []string{"key-down SKYPE (programmable)", "key-up SKYPE (programmable)"}, nil},
			{"volume up", [][]byte{r(1, 0x02, 0), r(1, 0, 0)}, []string{"key-down UP (volume-up)", "key-up UP (volume-up)"}, nil},
			{"speed dial unmapped", [][]byte{r(2, 0x21, 0), r(2, 0x01, 0)}, nil, nil},
			{"hook on", [][]byte{r(2, 0, 0)}, []string{"hook-on"}, []string{"02 02 00"}},
		},
	},
	{
		// Like 0307, with Voice Mail at bit 5, Speed Dial 6, the key pad
		// (with a null state) at 7-10 and Button 7 at 11.
		file: "0b0e-2453.rdesc", vid: 0x0b0e, pid: 0x2453,
		inds: []devices.Indicator{devices.Ring, devices.Ringer, devices.OffHook, devices.Mute, devices.Hold, devices.Microphone},
		steps: []step{
			{"hook off", [][]byte{r(2, 0x01, 0)}, []string{"hook-off"}, []string{"02 01 00"}},
			{"mute", [][]byte{r(2, 0x05, 0), r(2, 0x01, 0)}, []string{"mute-toggle"}, []string{"02 03 00"}},
			{"flash", [][]byte{r(2, 0x09, 0), r(2, 0x01, 0)}, []string{"key-down R (flash)", "key-up R (flash)"}, nil},
			{"key 9", [][]byte{r(2, 0x81, 0x04), r(2, 0x01, 0)}, []string{"key-down 9 (key)", "key-up 9 (key)"}, nil},
			{"null key", [][]byte{r(2, 0x81, 0x07), r(2, 0x01, 0)}, nil, nil},
			{"programmable", [][]byte{r(2, 0x01, 0x08), r(2, 0x01, 0)}, []string{"key-down SKYPE (programmable)", "key-up SKYPE (programmable)"}, nil},
			{"consumer mute ignored", [][]byte{r(1, 0x04, 0), r(1, 0, 0)}, nil, nil},
			{"hook on", [][]byte{r(2, 0, 0)}, []string{"hook-on"}, []string{"02 02 00"}},
		},
	},
	{
		// Report 8: bit 0 Phone Mute, 1 Hook Switch, 2 Flash (absolute),
		// 3 Redial, 4 Programmable Button (absolute). One output report per
		// LED: 9 Mute, 23 Off-Hook, 24 Ring, 32 Hold, 42 On-Line.
		file: "047f-c053.rdesc", vid: 0x047f, pid: 0xc053,
		inds: []devices.Indicator{devices.Ring, devices.OffHook, devices.Mute, devices.Hold, devices.OnLine},
		steps: []step{
			{"hook off", [][]byte{r(8, 0x02)}, []string{"hook-off"}, []string{"17 01"}},
			{"mute", [][]byte{r(8, 0x03), r(8, 0x02)}, []string{"mute-toggle"}, []string{"09 01"}},
			{"flash down", [][]byte{r(8, 0x06)}, []string{"key-down R (flash)"}, nil},
			{"flash up", [][]byte{r(8, 0x02)}, []string{"key-up R (flash)"}, nil},
			{"programmable", [][]byte{r(8, 0x12), r(8, 0x02)}, []string{"key-down SKYPE (programmable)", "key-up SKYPE (programmable)"}, nil},
			{"volume down", [][]byte{r(2, 0x02), r(2, 0)}, []string{"key-down DOWN (volume-down)", "key-up DOWN (volume-down)"}, nil},
			{"mute again", [][]byte{r(8, 0x03), r(8, 0x02)}, []string{"mute-toggle"}, []string{"09 00"}},
			{"hook on", [][]byte{r(8, 0)}, []string{"hook-on"}, []string{"17 00"}},
		},
	},
	{
		// Report 1: bit 0 Hook, 1 Phone Mute, 2 Flash (absolute), 3 Redial,
		// 4 Programmable (relative). Outputs: 1 Ring, 3 Mute, 4 Off-Hook,
		// 5 Hold. Consumer report 31: bit 0 Mute, 1 Volume Up, 2 Down.
		file: "047f-02ec.rdesc", vid: 0x047f, pid: 0x02ec,
		inds: []devices.Indicator{devices.Ring, devices.OffHook, devices.Mute, devices.Hold},
		steps: []step{
			{"hook off", [][]byte{r(1, 0x01)}, []string{"hook-off"}, []string{"04 01"}},
			{"mute", [][]byte{r(1, 0x03), r(1, 0x01)}, []string{"mute-toggle"}, []string{"03 01"}},
			{"flash", [][]byte{r(1, 0x05), r(1, 0x01)}, []string{"key-down R (flash)", "key-up R (flash)"}, nil},
			{"programmable", [][]byte{r(1, 0x11), r(1, 0x01)}, []string{"key-down SKYPE (programmable)", "key-up SKYPE (programmable)"}, nil},
			{"volume up", [][]byte{r(31, 0x02, 0), r(31, 0, 0)}, []string{"key-down UP (volume-up)", "key-up UP (volume-up)"}, nil},
			{"consumer mute ignored", [][]byte{r(31, 0x01, 0), r(31, 0, 0)}, nil, nil},
			{"hook on", [][]byte{r(1, 0)}, []string{"hook-on"}, []string{"04 00"}},
		},
	},
	{
		// Report 8: bit 0 Phone Mute, 1 Hook, 2 Redial, 3 Flash, 4 Drop (all
		// relative), 5 Programmable. Output 9: bit 0 Mute, 1 Off-Hook, 2
		// Ring, 3 Microphone, 4 On-Line, 5 Hold.
		file: "1395-0082.rdesc", vid: 0x1395, pid: 0x0082,
		inds: []devices.Indicator{devices.Ring, devices.OffHook, devices.Mute, devices.Hold, devices.Microphone, devices.OnLine},
		steps: []step{
			{"hook off", [][]byte{r(8, 0x02)}, []string{"hook-off"}, []string{"09 02"}},
			{"mute", [][]byte{r(8, 0x03), r(8, 0x02)}, []string{"mute-toggle"}, []string{"09 03"}},
			{"flash", [][]byte{r(8, 0x0a), r(8, 0x02)}, []string{"key-down R (flash)", "key-up R (flash)"}, nil},
			{"drop", [][]byte{r(8, 0x12), r(8, 0x02)}, []string{"key-down NO (drop)", "key-up NO (drop)"}, nil},
			{"hook on", [][]byte{r(8, 0)}, []string{"hook-on"}, []string{"09 01"}},
		},
	},
	{
		// Report 2: bit 2 Hook, 3 Flash, 4 Redial, 5 Phone Mute, 6 Drop
		// (relative), 7 a one-bit array of Programmable Button / Button 1.
		// Output 3: bit 0 Ringer, 1 Off-Hook, 2 Microphone, 3 Ring, 4 Mute,
		// 5 On-Line, 6 Hold. Consumer report 1: bit 0 Down, 1 Up (relative).
		file: "1395-00a2.rdesc", vid: 0x1395, pid: 0x00a2,
		inds: []devices.Indicator{devices.Ring, devices.Ringer, devices.OffHook, devices.Mute, devices.Hold, devices.Microphone, devices.OnLine},
		steps: []step{
			{"hook off", [][]byte{r(2, 0x04)}, []string{"hook-off"}, []string{"03 02"}},
			{"mute", [][]byte{r(2, 0x24), r(2, 0x04)}, []string{"mute-toggle"}, []string{"03 12"}},
			{"flash", [][]byte{r(2, 0x0c), r(2, 0x04)}, []string{"key-down R (flash)", "key-up R (flash)"}, nil},
			{"drop", [][]byte{r(2, 0x44), r(2, 0x04)}, []string{"key-down NO (drop)", "key-up NO (drop)"}, nil},
			{"programmable", [][]byte{r(2, 0x84), r(2, 0x04)}, []string{"key-down SKYPE (programmable)", "key-up SKYPE (programmable)"}, nil},
			{"volume up", [][]byte{r(1, 0x02), r(1, 0)}, []string{"key-down UP (volume-up)", "key-up UP (volume-up)"}, nil},
			{"hook on", [][]byte{r(2, 0)}, []string{"hook-on"}, []string{"03 10"}},
		},
	},
	{
		file: "1395-00a9.rdesc", vid: 0x1395, pid: 0x00a9,
		inds: []devices.Indicator{devices.Ring, devices.Ringer, devices.OffHook, devices.Mute, devices.Hold, devices.Microphone, devices.OnLine},
		steps: []step{
			{"hook off", [][]byte{r(2, 0x04)}, []string{"hook-off"}, []string{"03 02"}},
			{"mute", [][]byte{r(2, 0x24), r(2, 0x04)}, []string{"mute-toggle"}, []string{"03 12"}},
			{"redial", [][]byte{r(2, 0x14), r(2, 0x04)}, []string{"key-down + (redial)", "key-up + (redial)"}, nil},
			{"hook on", [][]byte{r(2, 0)}, []string{"hook-on"}, []string{"03 10"}},
		},
	},
	{
		// Same telephony layout as the Jabra 0307; consumer report 1 has
		// Volume Up at bit 0 and Down at bit 1, and is 8 bytes long.
		file: "6993-b02b.rdesc", vid: 0x6993, pid: 0xb02b,
		inds: []devices.Indicator{devices.Ring, devices.Ringer, devices.OffHook, devices.Mute, devices.Hold, devices.Microphone},
		steps: []step{
			{"hook off", [][]byte{r(2, 0x01, 0)}, []string{"hook-off"}, []string{"02 01 00"}},
			{"mute", [][]byte{r(2, 0x05, 0), r(2, 0x01, 0)}, []string{"mute-toggle"}, []string{"02 03 00"}},
			{"flash", [][]byte{r(2, 0x09, 0), r(2, 0x01, 0)}, []string{"key-down R (flash)", "key-up R (flash)"}, nil},
			{"key 1", [][]byte{r(2, 0x81, 0), r(2, 0x01, 0)}, []string{"key-down 1 (key)", "key-up 1 (key)"}, nil},
			{"volume down", [][]byte{r(1, 0x02, 0, 0, 0, 0, 0, 0), r(1, 0, 0, 0, 0, 0, 0, 0)}, []string{"key-down DOWN (volume-down)", "key-up DOWN (volume-down)"}, nil},
			{"hook on", [][]byte{r(2, 0, 0)}, []string{"hook-on"}, []string{"02 02 00"}},
		},
	},
}

func TestRealDevices(t *testing.T) {
	for _, dc := range deviceCases {
		t.Run(dc.file, func(t *testing.T) {
			m := modelFor(t, dc.vid, dc.pid)
			rg := newRig(t, readDesc(t, dc.file), m, Options{})
			if got := rg.h.Indicators(); !reflect.DeepEqual(got, dc.inds) {
				t.Fatalf("Indicators = %v, want %v", got, dc.inds)
			}
			info := rg.h.Info()
			if info.Model != m.ID || info.Name != m.Name || info.Driver != DriverName {
				t.Fatalf("Info = %+v", info)
			}
			for _, s := range dc.steps {
				rg.push(s.reports...)
				if got := rg.got(); !slices.Equal(got, s.events) {
					t.Fatalf("%s: events %q, want %q", s.name, got, s.events)
				}
				if got := rg.writes(); !slices.Equal(got, s.writes) {
					t.Fatalf("%s: writes %q, want %q", s.name, got, s.writes)
				}
			}
		})
	}
}

func TestJabraSharedLEDByte(t *testing.T) {
	rg := newRig(t, readDesc(t, "0b0e-0307.rdesc"), nil, Options{})
	set := func(ind devices.Indicator, on bool, want ...string) {
		t.Helper()
		if err := rg.h.SetIndicator(ind, on); err != nil {
			t.Fatalf("SetIndicator(%v, %v): %v", ind, on, err)
		}
		rg.expectWrites(want...)
	}
	set(devices.Mute, true, "02 02 00")
	set(devices.OffHook, true, "02 03 00")
	set(devices.Ring, true, "02 07 00")
	set(devices.Ringer, true, "02 27 00")
	set(devices.Ring, false, "02 23 00")
	set(devices.Ringer, false, "02 03 00")
	set(devices.Mute, true) // unchanged: nothing to write
	set(devices.Microphone, true, "02 13 00")
	if err := rg.h.SetIndicator(devices.OnLine, true); !errors.Is(err, devices.ErrUnsupported) {
		t.Fatalf("OnLine on a Jabra: %v, want ErrUnsupported", err)
	}
	if err := rg.h.SetDisplay("123"); !errors.Is(err, devices.ErrUnsupported) {
		t.Fatalf("SetDisplay: %v", err)
	}
	if err := rg.h.Close(); err != nil {
		t.Fatal(err)
	}
	rg.expectWrites("02 00 00")
	if !rg.dev.Closed() {
		t.Fatal("device not closed")
	}
	if err := rg.h.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	rg.expectWrites()
	if err := rg.h.SetIndicator(devices.Ring, true); !errors.Is(err, ErrClosed) {
		t.Fatalf("SetIndicator after Close: %v", err)
	}
	if err := rg.wait(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Run after Close: %v, want ErrClosed", err)
	}
}

func TestPolyOneReportPerLED(t *testing.T) {
	rg := newRig(t, readDesc(t, "047f-c053.rdesc"), nil, Options{})
	for _, x := range []struct {
		ind  devices.Indicator
		want string
	}{
		{devices.Mute, "09 01"},
		{devices.OffHook, "17 01"},
		{devices.Ring, "18 01"},
		{devices.OnLine, "2a 01"},
	} {
		if err := rg.h.SetIndicator(x.ind, true); err != nil {
			t.Fatal(err)
		}
		rg.expectWrites(x.want)
	}
	if err := rg.h.SetIndicator(devices.Ringer, true); !errors.Is(err, devices.ErrUnsupported) {
		t.Fatalf("Ringer on a Poly: %v, want ErrUnsupported", err)
	}
	// Close: every LED that is on goes off, in indicator order, one
	// report each.
	if err := rg.h.Close(); err != nil {
		t.Fatal(err)
	}
	rg.expectWrites("18 00", "17 00", "09 00", "2a 00")
}

func TestHoldKeepsOffHook(t *testing.T) {
	rg := newRig(t, readDesc(t, "0b0e-0307.rdesc"), nil, Options{})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(rg.h.SetIndicator(devices.Hold, true))
	rg.expectWrites("02 09 00") // Hold and Off-Hook in one write
	must(rg.h.SetIndicator(devices.OffHook, false))
	rg.expectWrites() // Off-Hook stays on while holding
	must(rg.h.SetIndicator(devices.Hold, false))
	rg.expectWrites("02 00 00")

	poly := newRig(t, readDesc(t, "047f-c053.rdesc"), nil, Options{})
	if err := poly.h.SetIndicator(devices.Hold, true); err != nil {
		t.Fatal(err)
	}
	poly.expectWrites("17 01", "20 01")
	if err := poly.h.SetIndicator(devices.OffHook, true); err != nil {
		t.Fatal(err)
	}
	if err := poly.h.SetIndicator(devices.Hold, false); err != nil {
		t.Fatal(err)
	}
	poly.expectWrites("20 00")
}

func TestDebounce(t *testing.T) {
	// The Poly entry sets a 5 ms window, the kernel's.
	rg := newRig(t, readDesc(t, "047f-c053.rdesc"), modelFor(t, 0x047f, 0xc053), Options{})
	rg.push(r(8, 0x02))
	rg.expect("hook-off")
	rg.writes()

	// A mute press repeated 2 ms later is one press.
	rg.push(r(8, 0x03))
	rg.pushAfter(time.Millisecond, r(8, 0x02))
	rg.pushAfter(time.Millisecond, r(8, 0x03), r(8, 0x02))
	rg.expect("mute-toggle")
	rg.expectWrites("09 01")
	// 10 ms later it is a new press.
	rg.pushAfter(10*time.Millisecond, r(8, 0x03), r(8, 0x02))
	rg.expect("mute-toggle")
	rg.expectWrites("09 00")

	// An absolute button: the duplicate press and its release both go.
	rg.push(r(8, 0x06))
	rg.pushAfter(time.Millisecond, r(8, 0x02))
	rg.pushAfter(time.Millisecond, r(8, 0x06))
	rg.pushAfter(time.Millisecond, r(8, 0x02))
	rg.expect("key-down R (flash)", "key-up R (flash)")

	// Identical reports change nothing.
	rg.push(r(8, 0x02), r(8, 0x02))
	rg.expect()
}

func TestDebounceOff(t *testing.T) {
	rg := newRig(t, readDesc(t, "047f-c053.rdesc"), nil, Options{Debounce: -1})
	rg.push(r(8, 0x02))
	rg.pushAfter(time.Millisecond, r(8, 0x03), r(8, 0x02), r(8, 0x03), r(8, 0x02))
	rg.expect("hook-off", "mute-toggle", "mute-toggle")
}

func TestKeypadDebounce(t *testing.T) {
	rg := newRig(t, readDesc(t, "0b0e-0307.rdesc"), nil, Options{})
	rg.push(r(2, 0x80, 0x02))
	rg.pushAfter(time.Millisecond, r(2, 0, 0), r(2, 0x80, 0x02), r(2, 0, 0))
	rg.expect("key-down 5 (key)", "key-up 5 (key)")
	// A different key at once is not a duplicate.
	rg.pushAfter(time.Millisecond, r(2, 0, 0x02), r(2, 0, 0))
	rg.expect("key-down 4 (key)", "key-up 4 (key)")
}

func TestHookOnWindow(t *testing.T) {
	rg := newRig(t, readDesc(t, "0b0e-0307.rdesc"), nil, Options{HookOnIgnoreAfterAnswer: 300 * time.Millisecond})
	rg.push(r(2, 0x01, 0))
	rg.expect("hook-off")
	rg.expectWrites("02 01 00")

	// A spurious hook-on 100 ms after the answer, gone 50 ms later.
	rg.push(r(2, 0, 0))
	rg.pushAfter(50*time.Millisecond, r(2, 0x01, 0))
	rg.clk.Advance(time.Second)
	rg.idle()
	rg.expect()
	rg.expectWrites()

	// A real hang-up inside a new window is reported when it closes.
	rg.push(r(2, 0, 0))                            // hook-on after 1.1 s: reported
	rg.push(r(2, 0x01, 0))                         // answer again
	rg.pushAfter(100*time.Millisecond, r(2, 0, 0)) // held back: 200 ms left
	rg.expect("hook-on", "hook-off")
	rg.expectWrites("02 00 00", "02 01 00")
	rg.clk.Advance(199 * time.Millisecond)
	rg.idle()
	rg.expect()
	rg.clk.Advance(time.Millisecond)
	if got := rg.waitEvent(); got != "hook-on" {
		t.Fatalf("after the window: %q, want hook-on", got)
	}
	if _, err := rg.dev.WaitWrites(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	rg.expectWrites("02 00 00")
}

func TestHookOnWindowFromModel(t *testing.T) {
	m := *modelFor(t, 0x0b0e, 0x0307)
	m.Quirks.HookOnIgnoreAfterAnswer = 500 * time.Millisecond
	rg := newRig(t, readDesc(t, "0b0e-0307.rdesc"), &m, Options{})
	rg.push(r(2, 0x01, 0))
	rg.push(r(2, 0, 0))
	rg.expect("hook-off")
	// The option overrides the model: off.
	rg2 := newRig(t, readDesc(t, "0b0e-0307.rdesc"), &m, Options{HookOnIgnoreAfterAnswer: -1})
	rg2.push(r(2, 0x01, 0), r(2, 0, 0))
	rg2.expect("hook-off", "hook-on")
}

func TestKeypadOverlap(t *testing.T) {
	rg := newRig(t, readDesc(t, "0b0e-0307.rdesc"), nil, Options{})
	rg.push(r(2, 0, 0x02)) // 4
	rg.push(r(2, 0, 0x03)) // 4 -> 6 without a gap
	rg.push(r(2, 0, 0))
	rg.expect("key-down 4 (key)", "key-up 4 (key)", "key-down 6 (key)", "key-up 6 (key)")
	// Value 0 is "no key", never Phone Key 0.
	rg.push(r(2, 0, 0))
	rg.expect()
	// Out of range (12-15 on a 0-11 field) is no key either.
	rg.push(r(2, 0x00, 0x06), r(2, 0, 0))
	rg.expect()
}

func TestUnplugMidPress(t *testing.T) {
	rg := newRig(t, readDesc(t, "047f-c053.rdesc"), nil, Options{})
	rg.push(r(8, 0x04)) // flash (absolute) down
	rg.expect("key-down R (flash)")
	rg.dev.Unplug()
	err := rg.wait()
	if !errors.Is(err, devices.ErrGone) || !errors.Is(err, hid.ErrDisconnected) {
		t.Fatalf("Run = %v, want ErrGone wrapping hid.ErrDisconnected", err)
	}
	rg.expect("key-up R (flash)")
	// Closing a gone device is not an error.
	if err := rg.h.Close(); err != nil {
		t.Fatalf("Close after unplug: %v", err)
	}
}

func TestUnplugMidKeypadPress(t *testing.T) {
	rg := newRig(t, readDesc(t, "0b0e-0307.rdesc"), nil, Options{})
	rg.push(r(2, 0x80, 0x03), r(1, 0x01, 0)) // 7 and volume down
	rg.dev.Unplug()
	if err := rg.wait(); !errors.Is(err, devices.ErrGone) {
		t.Fatalf("Run = %v", err)
	}
	got := rg.got()
	slices.Sort(got[2:]) // release order across controls is not specified
	want := []string{"key-down 7 (key)", "key-down DOWN (volume-down)", "key-up 7 (key)", "key-up DOWN (volume-down)"}
	if !slices.Equal(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
}

func TestCancelReleasesKeys(t *testing.T) {
	rg := newRig(t, readDesc(t, "047f-c053.rdesc"), nil, Options{})
	rg.push(r(8, 0x10))
	rg.cancel()
	if err := rg.wait(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	rg.expect("key-down SKYPE (programmable)", "key-up SKYPE (programmable)")
}

func TestRunTwice(t *testing.T) {
	rg := newRig(t, readDesc(t, "047f-c053.rdesc"), nil, Options{})
	if err := rg.h.Run(context.Background(), func(devices.Event) {}); !errors.Is(err, ErrRunning) {
		t.Fatalf("second Run: %v, want ErrRunning", err)
	}
}

func TestKeyMap(t *testing.T) {
	m := *modelFor(t, 0x0b0e, 0x0307)
	m.KeyMap = map[string]string{"flash": "NO", "speed_dial": "1"}
	rg := newRig(t, readDesc(t, "0b0e-0307.rdesc"), &m, Options{KeyMap: map[string]string{"redial": ""}})
	rg.push(r(2, 0x08, 0), r(2, 0, 0)) // flash
	rg.push(r(2, 0x20, 0), r(2, 0, 0)) // speed dial
	rg.push(r(2, 0x10, 0), r(2, 0, 0)) // redial: disabled
	rg.expect("key-down NO (flash)", "key-up NO (flash)", "key-down 1 (other)", "key-up 1 (other)")
}

func TestMuteNeedsOffHook(t *testing.T) {
	rg := newRig(t, readDesc(t, "0b0e-0307.rdesc"), modelFor(t, 0x0b0e, 0x0307), Options{})
	rg.push(r(2, 0x04, 0), r(2, 0, 0))
	rg.expect()
	rg.expectWrites()
	// Without the quirk, mute works on hook.
	plain := newRig(t, readDesc(t, "0b0e-0307.rdesc"), nil, Options{})
	plain.push(r(2, 0x04, 0), r(2, 0, 0))
	plain.expect("mute-toggle")
	plain.expectWrites("02 02 00")
}

func TestHostMuteIsTheTruth(t *testing.T) {
	rg := newRig(t, readDesc(t, "047f-c053.rdesc"), nil, Options{})
	if err := rg.h.SetIndicator(devices.Mute, true); err != nil {
		t.Fatal(err)
	}
	rg.expectWrites("09 01")
	rg.push(r(8, 0x01), r(8, 0)) // press: toggles from the host's "on"
	rg.expect("mute-toggle")
	rg.expectWrites("09 00")
}

func TestWriteFailures(t *testing.T) {
	rg := newRig(t, readDesc(t, "047f-c053.rdesc"), nil, Options{})
	rg.dev.FailWrites(-1, errBoom)
	if err := rg.h.SetIndicator(devices.Ring, true); !errors.Is(err, errBoom) {
		t.Fatalf("SetIndicator with failing writes: %v", err)
	}
	// A failed acknowledgement is logged; events still flow.
	rg.push(r(8, 0x02))
	rg.expect("hook-off")
	if n := rg.logs.count("acknowledge"); n != 1 {
		t.Fatalf("logged %d acknowledgement failures, want 1", n)
	}
	rg.dev.FailWrites(0, nil)
	// Failed writes are retried with the next change, not skipped as
	// unchanged: the acknowledgement too.
	if err := rg.h.SetIndicator(devices.Ring, true); err != nil {
		t.Fatal(err)
	}
	rg.expectWrites("18 01", "17 01")
	if err := rg.h.Close(); err != nil {
		t.Fatal(err)
	}
	rg.expectWrites("18 00", "17 00")

	// Close reports a write failure but still closes the device.
	rg2 := newRig(t, readDesc(t, "047f-c053.rdesc"), nil, Options{})
	if err := rg2.h.SetIndicator(devices.Ring, true); err != nil {
		t.Fatal(err)
	}
	rg2.dev.FailWrites(-1, errBoom)
	if err := rg2.h.Close(); !errors.Is(err, errBoom) {
		t.Fatalf("Close = %v, want boom", err)
	}
	if !rg2.dev.Closed() {
		t.Fatal("device left open")
	}
}

func TestBadReportsDroppedAndRateLimited(t *testing.T) {
	rg := newRig(t, readDesc(t, "0b0e-0307.rdesc"), nil, Options{})
	for range 20 {
		rg.dev.Push(r(2))          // short
		rg.dev.Push(r(9, 1, 2, 3)) // unknown id
		rg.dev.Push(nil)           // empty
	}
	rg.idle()
	rg.expect()
	if n := rg.logs.count("dropped input report"); n != 5 {
		t.Fatalf("logged %d bad reports, want 5 (rate limit)", n)
	}
	rg.clk.Advance(11 * time.Second)
	rg.push(r(2))
	if n := rg.logs.count("dropped input report"); n != 6 {
		t.Fatalf("after the period: %d logged, want 6", n)
	}
	if rg.logs.count("suppressed=55") != 1 {
		t.Fatalf("suppressed count not logged")
	}
	// Reports of other collections are ignored silently; the device works.
	rg.push(r(4, 0x01, 0), r(2, 0x01, 0))
	rg.expect("hook-off")
}

// A relative hook switch and an absolute mute, without report ids: built
// by hand, since no real device in testdata has them.
var synthetic = []byte{
	0x05, 0x0b, // Usage Page (Telephony)
	0x09, 0x01, // Usage (Phone)
	0xa1, 0x01, // Collection (Application)
	0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x01, // 0..1, 1 bit, 1
	0x09, 0x20, 0x81, 0x06, // Hook Switch: Input (Data,Var,Rel)
	0x09, 0x2f, 0x81, 0x02, // Phone Mute: Input (Data,Var,Abs)
	0x95, 0x06, 0x81, 0x01, // padding
	0x05, 0x08, 0x95, 0x01, // LED page
	0x09, 0x17, 0x91, 0x02, // Off-Hook: Output (Data,Var,Abs)
	0x95, 0x07, 0x91, 0x01, // padding
	0xc0,
}

func TestRelativeHookAbsoluteMuteUnnumbered(t *testing.T) {
	rg := newRig(t, synthetic, nil, Options{})
	if got := rg.h.Indicators(); !slices.Equal(got, []devices.Indicator{devices.OffHook}) {
		t.Fatalf("Indicators = %v", got)
	}
	rg.push(r(0x01), r(0x00))
	rg.expect("hook-off")
	rg.expectWrites("00 01")
	rg.push(r(0x02))
	rg.push(r(0x00))
	rg.expect("mute-on", "mute-off")
	rg.expectWrites() // no mute LED to acknowledge with
	rg.push(r(0x01), r(0x00))
	rg.expect("hook-on")
	rg.expectWrites("00 00")
}

func TestNotTelephony(t *testing.T) {
	mouse := []byte{0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0x09, 0x30, 0x15, 0x81, 0x25, 0x7f, 0x75, 0x08, 0x95, 0x01, 0x81, 0x06, 0xc0}
	if _, err := Open(hidtest.New(mouse), devices.Info{}, nil, Options{}); !errors.Is(err, ErrNotTelephony) {
		t.Fatalf("Open(mouse) = %v, want ErrNotTelephony", err)
	}
	if _, err := Open(hidtest.New([]byte{0x05}), devices.Info{}, nil, Options{}); !errors.Is(err, hid.ErrInvalidDescriptor) {
		t.Fatalf("Open(garbage) = %v, want ErrInvalidDescriptor", err)
	}
}

// Every key map of a hid-telephony model names controls this driver has.
func TestModelKeyMaps(t *testing.T) {
	db, err := models.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range db.All() {
		if m.Driver != DriverName {
			continue
		}
		for c := range m.KeyMap {
			if _, ok := Controls[c]; !ok {
				t.Errorf("%s: key map names unknown control %q", m.ID, c)
			}
		}
	}
	for c, k := range Controls {
		if k != "" && !devices.ValidKeyName(k) {
			t.Errorf("control %s: default key %q is not a key name", c, k)
		}
	}
}

// An indicator set on an unplugged handset says the device is gone, so the
// daemon can tell an unplug from a fault.
func TestSetIndicatorAfterUnplugIsGone(t *testing.T) {
	rg := newRig(t, readDesc(t, "0b0e-0307.rdesc"), nil, Options{})
	rg.dev.Unplug()
	err := rg.h.SetIndicator(devices.Ring, true)
	if !errors.Is(err, devices.ErrGone) || !errors.Is(err, hid.ErrDisconnected) {
		t.Fatalf("SetIndicator after unplug: %v, want devices.ErrGone wrapping hid.ErrDisconnected", err)
	}
}

func TestLEDOnValue(t *testing.T) {
	for _, tc := range []struct {
		min, max int32
		on       int32
		ok       bool
	}{
		{0, 1, 1, true},
		{0, 255, 1, true},
		{-1, 0, -1, true},        // a signed 1-bit field
		{808464432, 0, 0, false}, // min > max: found by FuzzDriver
		{-128, 0, -1, true},      // found by FuzzDriver: -128 needs 8 bits
		{1, 3, 0, false},         // no off value
		{-3, -1, 0, false},
		{0, 0, 0, false}, // no on value
	} {
		on, ok := ledOnValue(&hid.Field{LogicalMin: tc.min, LogicalMax: tc.max, BitSize: 8})
		if on != tc.on || ok != tc.ok {
			t.Errorf("ledOnValue(%d..%d) = %d, %v; want %d, %v", tc.min, tc.max, on, ok, tc.on, tc.ok)
		}
	}
}

func TestLEDOnValueUnwritableFields(t *testing.T) {
	for _, f := range []*hid.Field{
		{LogicalMax: 1, BitSize: 1, Flags: hid.Constant},
		{LogicalMax: 1, BitSize: 40}, // wider than an element
		{LogicalMax: 1, BitSize: 0},
	} {
		if on, ok := ledOnValue(f); ok {
			t.Errorf("ledOnValue(size %d, flags %v) = %d, true; want not an indicator", f.BitSize, f.Flags, on)
		}
	}
}

// A device whose only mute light is LED Microphone shows the host's mute
// state there: it has a mute indicator for the daemon.
func TestMuteOnMicrophoneLED(t *testing.T) {
	desc := []byte{
		0x05, 0x0B, // Usage Page (Telephony)
		0x09, 0x05, // Usage (Headset)
		0xA1, 0x01, // Collection (Application)
		0x09, 0x20, //   Usage (Hook Switch)
		0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x01,
		0x81, 0x02, //   Input (Data,Variable,Absolute)
		0x95, 0x07, 0x81, 0x01, //   7 bits padding
		0x05, 0x08, //   Usage Page (LED)
		0x09, 0x21, //   Usage (Microphone)
		0x95, 0x01, 0x91, 0x02, //   Output (Data,Variable,Absolute)
		0x95, 0x07, 0x91, 0x01, //   7 bits padding
		0xC0,
	}
	rg := newRig(t, desc, nil, Options{})
	if got := rg.h.Indicators(); !slices.Contains(got, devices.Mute) || !slices.Contains(got, devices.Microphone) {
		t.Fatalf("Indicators() = %v, want mute and microphone", got)
	}
	if err := rg.h.SetIndicator(devices.Mute, true); err != nil {
		t.Fatal(err)
	}
	rg.expectWrites("00 01")
	if err := rg.h.SetIndicator(devices.Mute, false); err != nil {
		t.Fatal(err)
	}
	rg.expectWrites("00 00")
}

package cm109

import (
	"testing"

	"handsetd/devices"
	"handsetd/devices/keymap"
)

func FuzzParseInput(f *testing.F) {
	for _, s := range [][]byte{{}, {0x01}, {0x00, 0x0f, 0, 0}, {0x08, 0x1f, 0, 0}, {0xff, 0x88, 0xff, 0xff, 0x01}} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		in, err := ParseInput(p)
		if len(p) < ReportLen {
			if err == nil {
				t.Fatalf("ParseInput(% x) accepted a short report", p)
			}
			return
		}
		if err != nil {
			t.Fatalf("ParseInput(% x): %v", p, err)
		}
		if in.Special != p[0]&0x0f || in.GPI != p[1] || in.Rows() != p[1]&0xf0 {
			t.Fatalf("ParseInput(% x) = %+v", p, in)
		}
	})
}

// FuzzScan feeds arbitrary input reports to the scan logic and checks the
// promise of devices.Handset: at most one key is down at a time, every
// KeyUp matches the key that is down, and after Run's release nothing is.
func FuzzScan(f *testing.F) {
	f.Add([]byte{0, 0x1f, 0, 0x01, 0, 0x02, 0, 0x14, 0, 0x08, 0, 0x1f, 0, 0x0f, 0, 0x01, 0, 0x02, 0, 0x04, 0, 0x08}, false)
	f.Add([]byte{1, 0x8f, 0, 0x01, 2, 0x02, 0, 0x04, 8, 0x88, 3, 0x0f}, true)
	f.Fuzz(func(t *testing.T, reports []byte, hook bool) {
		km, err := BuildKeymap("kip1000", nil)
		if err != nil {
			t.Fatal(err)
		}
		p := &Phone{keymap: km, held: keymap.Held{HookKeys: hook}, out: Output{Columns: AllColumns}}
		var keyDown *devices.Event
		vol := map[string]bool{}
		emit := func(e devices.Event) {
			switch e.Kind {
			case devices.KeyDown:
				if e.Button == devices.ButtonVolumeUp || e.Button == devices.ButtonVolumeDown {
					if vol[e.Key] {
						t.Fatalf("volume %s down twice", e.Key)
					}
					vol[e.Key] = true
					return
				}
				if keyDown != nil {
					t.Fatalf("KeyDown %v while %v is down", e, keyDown)
				}
				keyDown = &e
			case devices.KeyUp:
				if e.Button == devices.ButtonVolumeUp || e.Button == devices.ButtonVolumeDown {
					if !vol[e.Key] {
						t.Fatalf("volume %s up without down", e.Key)
					}
					vol[e.Key] = false
					return
				}
				if keyDown == nil || keyDown.Key != e.Key || keyDown.Button != e.Button {
					t.Fatalf("KeyUp %v, down is %v", e, keyDown)
				}
				keyDown = nil
			case devices.HookOff, devices.HookOn:
				if !hook {
					t.Fatalf("%v without HookKeys", e)
				}
			case devices.MuteToggle:
			default:
				t.Fatalf("unexpected event %v", e)
			}
		}
		for i := 0; i+1 < len(reports); i += 2 {
			in, err := ParseInput([]byte{reports[i], reports[i+1], 0, 0})
			if err != nil {
				t.Fatal(err)
			}
			p.handle(in, emit)
			if c := p.out.Columns; c != AllColumns && c != 1 && c != 2 && c != 4 && c != 8 {
				t.Fatalf("driving columns %#x", c)
			}
		}
		p.releaseAll(emit)
		if keyDown != nil || vol["UP"] || vol["DOWN"] {
			t.Fatalf("after release: key %v, volume %v", keyDown, vol)
		}
	})
}

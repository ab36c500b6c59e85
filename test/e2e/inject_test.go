//go:build umockdev

package e2e

import (
	"testing"

	"handsetd/hid"
)

// TestInjectBackToBack lifts the handset and puts it down again three
// times with six umockdev.Handset.Inject calls and nothing in between. The
// daemon must see six reports and send HOOK OFF and HOOK ON three times:
// a simulated hidraw node, like the kernel's, returns one report per
// read(2), however quickly they come.
func TestInjectBackToBack(t *testing.T) {
	r := newRig(t)
	h, _, sender := attached(t, r)
	n := r.mark()
	var want []string
	for range 3 {
		for _, v := range []int32{1, 0} {
			reps, err := h.enc.SetUsage(hid.Input, hid.UsageHookSwitch, v)
			if err != nil || len(reps) != 1 {
				t.Fatalf("encode: %v %v", reps, err)
			}
			if err := h.Inject(r.ctx, reps[0]); err != nil {
				t.Fatal(err)
			}
		}
		want = append(want, "HOOK OFF", "HOOK ON")
	}
	h.settle()
	// A marker the daemon sees after all six: every HOOK command the
	// reports make is at the host before it.
	h.press('9')
	r.waitCmd(n, "BTN_RELEASED 9")
	wantCmds(t, r, n, sender, append(want, "BTN_PRESSED 9", "BTN_RELEASED 9")...)
}

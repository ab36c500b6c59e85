//go:build umockdev

package e2e

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
)

// TestSpoofedNotify: a connection that does not own com.Skype.API cannot
// make the handset ring: its Notify is refused with the NotAllowed error
// and changes nothing, so the next report the handset gets is the one the
// real host's MUTE ON causes.
func TestSpoofedNotify(t *testing.T) {
	r := newRig(t)
	h, d, sender := attached(t, r)
	client := r.obs.Object(sender, "/com/Skype/Client")
	for _, line := range []string{"CALL 900 TYPE INCOMING_P2P", "CALL 900 STATUS RINGING"} {
		err := client.CallWithContext(r.ctx, "com.Skype.API.Client.Notify", 0, line).Err
		var derr dbus.Error
		if !errors.As(err, &derr) || derr.Name != "com.Skype.API.Client.Error.NotAllowed" {
			t.Fatalf("spoofed Notify %q: %v, want the error com.Skype.API.Client.Error.NotAllowed", line, err)
		}
	}
	rec := r.waitLog(d, "transport: refused Notify from a connection that does not own com.Skype.API")
	if rec.str("sender") != r.obs.Names()[0] || rec.str("owner") != r.host.UniqueName() {
		t.Errorf("refusal logged as %v, want sender %s owner %s", rec, r.obs.Names()[0], r.host.UniqueName())
	}
	if err := r.host.SetMute(r.ctx, true); err != nil {
		t.Fatal(err)
	}
	h.expect(jabra(jMute))
	h.expectNone()
}

// TestGarbageInput: random bytes, truncated reports, unknown report ids
// and an oversized report are dropped: the daemon keeps running, sends
// nothing to the host and nothing to the device, and the next call works.
func TestGarbageInput(t *testing.T) {
	r := newRig(t)
	h, d, sender := attached(t, r)
	n := r.mark()
	rng := rand.New(rand.NewPCG(11, 0xe2e))
	var garbage [][]byte
	for len(garbage) < 8 {
		g := make([]byte, 1+rng.IntN(64))
		for i := range g {
			g[i] = byte(rng.Uint32())
		}
		// Reports 1 and 2 are real (volume, telephony): random bits in
		// them are real presses, not garbage.
		if g[0] == 1 || g[0] == 2 {
			continue
		}
		garbage = append(garbage, g)
	}
	garbage = append(garbage,
		[]byte{0x02},             // report 2, no payload
		[]byte{0x02, 0x01},       // report 2 cut short (3 bytes long)
		[]byte{0x07, 0x01, 0x00}, // no input report 7
		[]byte{0x00, 0x01, 0x00}, // the descriptor numbers its reports: 0 is none
		append([]byte{0x03}, make([]byte, 63)...),
	)
	for _, g := range garbage {
		h.injectQuiet(g)
	}
	d.mustRun()
	rec := r.waitLog(d, "dropped input report", "device", "/dev/hidraw0")
	if !strings.HasPrefix(rec.str("err"), "hid: unknown report id") {
		t.Errorf("first drop logged as %v", rec)
	}
	wantCmds(t, r, n, sender)
	h.expectNone()

	// The next call works.
	_, n = inCall(t, r, h)
	h.hook(false)
	r.waitCmd(n, "HOOK ON")
	h.expect(jabra(0))
	wantCmds(t, r, n, sender, "HOOK OFF", "HOOK ON")
	d.mustRun()
}

// TestMalformedNotifications: notifications that do not parse (CALL with
// no id, a call id that is not a number, a status with no value, a line
// over the 64 KiB limit, a line that is 64 KiB of nothing known) are
// dropped, the one too long with the TooLong error; invalid UTF-8 cannot
// be sent at all. The daemon keeps running and the next call rings and is
// answered.
func TestMalformedNotifications(t *testing.T) {
	r := newRig(t)
	h, d, sender := attached(t, r)
	long := "CALL 1 PARTNER_DISPNAME " + strings.Repeat("x", 64<<10)
	lines := []struct {
		line    string
		errName string // the D-Bus error the daemon answers, "" for none
	}{
		{"CALL", ""},
		{"CALL abc STATUS", ""},
		{"CALL 12 STATUS", ""},
		{long, "com.Skype.API.Client.Error.TooLong"},
		{strings.Repeat("y", 64<<10), ""},
	}
	for _, l := range lines {
		err := r.host.Notify(r.ctx, sender, l.line)
		var derr dbus.Error
		switch {
		case l.errName == "" && err != nil:
			t.Errorf("Notify %.40q: %v, want no error", l.line, err)
		case l.errName != "" && (!errors.As(err, &derr) || derr.Name != l.errName):
			t.Errorf("Notify %.40q: %v, want the error %s", l.line, err, l.errName)
		}
	}
	// Invalid UTF-8 cannot even be sent: D-Bus strings are UTF-8, and
	// godbus (like the bus, which would disconnect the sender) refuses it.
	// The daemon's own parser drops it too (phoneapi's tests).
	err := r.host.Notify(r.ctx, sender, "CALL 7 STATUS \xff\xfeRINGING")
	if err == nil || !strings.Contains(err.Error(), "not-utf8") {
		t.Errorf("Notify with invalid UTF-8: %v, want godbus to refuse it", err)
	}
	d.mustRun()
	r.waitLog(d, "session: dropped a malformed notification", "line", "CALL")
	h.expectNone()

	_, n := inCall(t, r, h)
	h.hook(false)
	r.waitCmd(n, "HOOK ON")
	h.expect(jabra(0))
	wantCmds(t, r, n, sender, "HOOK OFF", "HOOK ON")
	d.mustRun()
}

//go:build umockdev

package e2e

import (
	"reflect"
	"testing"

	"handsetd/phoneapi/phoneapitest"
)

// Output report 2 of the Jabra EVOLVE LINK MS (0b0e-0307): all LEDs and the
// ringer share one byte, as `handsetd describe testdata/hid/0b0e-0307.rdesc`
// lays them out: Off-Hook bit 0, Mute bit 1, Ring bit 2, Hold bit 3,
// Microphone bit 4, Ringer bit 5; the second byte is padding.
const (
	jOffHook = 0x01
	jMute    = 0x02
	jRing    = 0x04
	jHold    = 0x08
	jRinger  = 0x20
)

// jabra is the Jabra's output report 2 with the given LED bits.
func jabra(bits byte) []byte { return []byte{0x02, bits, 0x00} }

// attached starts the daemon on a Jabra and waits until it attached; it
// returns the handset and the daemon's connection name for it.
func attached(t *testing.T, r *rig, args ...string) (*handset, *daemonProc, string) {
	t.Helper()
	h := r.addHandset(jabraFile, jabraProduct)
	d := r.start(args...)
	cl := r.waitClients(1)
	// The attach ends with SEARCH ACTIVECALLS: wait for it, so that no
	// scenario races the daemon's own queries.
	r.waitCmd(0, "SEARCH ACTIVECALLS")
	return h, d, cl[0].Sender
}

func wantCmds(t *testing.T, r *rig, n int, sender string, want ...string) {
	t.Helper()
	if got := r.cmdsSince(n, sender); !reflect.DeepEqual(got, want) {
		t.Fatalf("commands from %s = %q, want %q", sender, got, want)
	}
}

// TestAttach: the daemon attaches the handset under its product name, from
// its own connection, and negotiates protocol 5; nothing is written to the
// handset while idle.
func TestAttach(t *testing.T) {
	r := newRig(t)
	h, d, sender := attached(t, r)
	cmds := r.host.Commands()
	if len(cmds) < 2 {
		t.Fatalf("commands: %v", texts(cmds))
	}
	if cmds[0].Sender != sender || cmds[0].Line != "NAME Jabra EVOLVE LINK MS (handsetd)" ||
		cmds[1].Sender != sender || cmds[1].Line != "PROTOCOL 5" {
		t.Errorf("first commands = %v, want NAME Jabra EVOLVE LINK MS (handsetd), PROTOCOL 5 from %s", texts(cmds[:2]), sender)
	}
	if sender == r.host.UniqueName() {
		t.Errorf("the daemon attached from the host's own connection %s", sender)
	}
	if pid := r.pidOf(sender); pid != d.cmd.Process.Pid {
		t.Errorf("client %s belongs to pid %d, want the daemon's %d", sender, pid, d.cmd.Process.Pid)
	}
	want := []phoneapitest.Client{{Sender: sender, Name: "Jabra EVOLVE LINK MS (handsetd)", Protocol: 5}}
	if got := r.host.Clients(); !reflect.DeepEqual(got, want) {
		t.Errorf("clients = %+v, want %+v", got, want)
	}
	wantCmds(t, r, 0, sender, "NAME Jabra EVOLVE LINK MS (handsetd)", "PROTOCOL 5", "SEARCH ACTIVECALLS")
	rec := r.waitLog(d, "handset added", "path", "/dev/hidraw0")
	if rec.str("model") != "jabra-evolve-link-ms" || rec.str("driver") != "hid-telephony" || rec.str("vid") != "0b0e" || rec.str("pid") != "0307" {
		t.Errorf("handset added: %v", rec)
	}
	h.expectNone()
}

// TestIncomingCall: the host rings, the handset rings (Ring LED and
// Ringer); lifting it sends HOOK OFF, the daemon acknowledges with the
// Off-Hook LED at once, the host answers and the ringing stops; putting it
// down sends HOOK ON and the host ends the call.
func TestIncomingCall(t *testing.T) {
	r := newRig(t)
	h, _, sender := attached(t, r)
	id, err := r.host.Ring(r.ctx, "+4930123456", "Ada")
	if err != nil {
		t.Fatal(err)
	}
	h.expect(jabra(jRing), jabra(jRing|jRinger))

	n := r.mark()
	h.hook(true)
	r.waitCmd(n, "HOOK OFF")
	// The acknowledgement, then the ringing stops as the host answers.
	h.expect(jabra(jRing|jRinger|jOffHook), jabra(jRinger|jOffHook), jabra(jOffHook))
	if got := r.host.Calls(); len(got) != 1 || got[0].ID != id || got[0].Status != "INPROGRESS" {
		t.Fatalf("host calls = %+v, want %d INPROGRESS", got, id)
	}

	h.hook(false)
	r.waitCmd(n, "HOOK ON")
	h.expect(jabra(0))
	wantCmds(t, r, n, sender, "HOOK OFF", "HOOK ON")
	if got := r.host.Calls(); len(got) != 1 || got[0].Status != "FINISHED" {
		t.Fatalf("host calls = %+v, want %d FINISHED", got, id)
	}
	h.expectNone()
}

// TestOutgoingCallDoesNotRing: a call the softphone places rings at the
// partner, not on the handset; when the partner answers, the Off-Hook LED
// is the first report the handset gets.
func TestOutgoingCallDoesNotRing(t *testing.T) {
	r := newRig(t)
	h, _, _ := attached(t, r)
	id, err := r.host.Place(r.ctx, "+4930999")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.host.Answer(r.ctx, id); err != nil {
		t.Fatal(err)
	}
	h.expect(jabra(jOffHook))
	if err := r.host.Hangup(r.ctx, id); err != nil {
		t.Fatal(err)
	}
	h.expect(jabra(0))
	h.expectNone()
}

// TestMuteRoundTrip: in a call, the mute button sends MUTE ON; the
// daemon lights the Mute LED at once and the host's MUTE ON confirms it;
// the host's MUTE OFF (the softphone's own button) clears it, and the next
// press asks MUTE ON again.
func TestMuteRoundTrip(t *testing.T) {
	r := newRig(t)
	h, _, sender := attached(t, r)
	n := r.mark()
	h.hook(true)
	r.waitCmd(n, "HOOK OFF")
	h.expect(jabra(jOffHook))

	h.mute()
	r.waitCmd(n, "MUTE ON")
	h.expect(jabra(jOffHook | jMute))
	if !r.host.Muted() {
		t.Fatal("host not muted after MUTE ON")
	}
	if err := r.host.SetMute(r.ctx, false); err != nil {
		t.Fatal(err)
	}
	h.expect(jabra(jOffHook))
	second := r.mark()
	h.mute()
	m := r.waitCmd(second, "MUTE ON")
	if m.Sender != sender {
		t.Errorf("MUTE ON from %s, want %s", m.Sender, sender)
	}
	h.expect(jabra(jOffHook | jMute))
	wantCmds(t, r, n, sender, "HOOK OFF", "MUTE ON", "MUTE ON")
	h.expectNone()
}

// TestMuteWithoutHostConfirmation: a host that takes MUTE but never
// notifies its mute state (WithoutPhoneActions) still leaves the LED
// showing what the daemon asked: on after the first press, off after the
// second.
func TestMuteWithoutHostConfirmation(t *testing.T) {
	r := newRig(t, phoneapitest.WithoutPhoneActions())
	h, _, sender := attached(t, r)
	n := r.mark()
	h.hook(true)
	r.waitCmd(n, "HOOK OFF")
	h.expect(jabra(jOffHook))
	h.mute()
	r.waitCmd(n, "MUTE ON")
	h.mute()
	r.waitCmd(n, "MUTE OFF")
	h.hook(false)
	r.waitCmd(n, "HOOK ON")
	h.expect(jabra(jOffHook|jMute), jabra(jOffHook), jabra(0))
	wantCmds(t, r, n, sender, "HOOK OFF", "MUTE ON", "MUTE OFF", "HOOK ON")
	h.expectNone()
}

// TestKeypad: every key of the keypad is one BTN_PRESSED and one
// BTN_RELEASED with the key's name, in order.
func TestKeypad(t *testing.T) {
	r := newRig(t)
	h, _, sender := attached(t, r)
	n := r.mark()
	const keys = "123456789*#"
	var want []string
	for i := range len(keys) {
		h.press(keys[i])
		want = append(want, "BTN_PRESSED "+keys[i:i+1], "BTN_RELEASED "+keys[i:i+1])
	}
	r.waitCmd(n+len(want)-1, "BTN_RELEASED #")
	wantCmds(t, r, n, sender, want...)
	h.expectNone()
}

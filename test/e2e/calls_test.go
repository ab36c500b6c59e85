//go:build umockdev

package e2e

import (
	"context"
	"reflect"
	"testing"
	"time"

	"handsetd/phoneapi/phoneapitest"
)

// inCall rings the handset, lifts it and lets the host answer: the state
// most scenarios start from. It returns the call's id and the command mark
// before the lift.
func inCall(t *testing.T, r *rig, h *handset) (int, int) {
	t.Helper()
	id, err := r.host.Ring(r.ctx, "+4930123456", "Ada")
	if err != nil {
		t.Fatal(err)
	}
	h.expect(jabra(jRing), jabra(jRing|jRinger))
	n := r.mark()
	h.hook(true)
	r.waitCmd(n, "HOOK OFF")
	h.expect(jabra(jRing|jRinger|jOffHook), jabra(jRinger|jOffHook), jabra(jOffHook))
	return id, n
}

func wantCalls(t *testing.T, r *rig, want ...phoneapitest.Call) {
	t.Helper()
	if got := r.host.Calls(); !reflect.DeepEqual(got, want) {
		t.Fatalf("host calls = %+v, want %+v", got, want)
	}
}

// TestCallWaiting: a second call rings during the first (the Ring LED and
// Ringer come on beside Off-Hook); the softphone takes it and holds the
// first (Hold LED while only a held call is left), then resumes it; the
// handset going on hook ends it.
func TestCallWaiting(t *testing.T) {
	r := newRig(t)
	h, _, sender := attached(t, r)
	a, n := inCall(t, r, h)
	b, err := r.host.Ring(r.ctx, "bob", "Bob")
	if err != nil {
		t.Fatal(err)
	}
	h.expect(jabra(jOffHook|jRing), jabra(jOffHook|jRing|jRinger))
	if err := r.host.Answer(r.ctx, b); err != nil {
		t.Fatal(err)
	}
	// a goes on hold while b still rings, then b is in progress.
	h.expect(
		jabra(jOffHook|jRing|jRinger|jHold),
		jabra(jOffHook|jRinger|jHold),
		jabra(jOffHook|jHold),
		jabra(jOffHook),
	)
	if err := r.host.Hangup(r.ctx, b); err != nil {
		t.Fatal(err)
	}
	h.expect(jabra(jOffHook | jHold))
	if err := r.host.Resume(r.ctx, a); err != nil {
		t.Fatal(err)
	}
	h.expect(jabra(jOffHook))
	h.hook(false)
	r.waitCmd(n, "HOOK ON")
	h.expect(jabra(0))
	wantCmds(t, r, n, sender, "HOOK OFF", "HOOK ON")
	wantCalls(t, r,
		phoneapitest.Call{ID: a, Type: "INCOMING_PSTN", Status: "FINISHED", Partner: "+4930123456", DispName: "Ada"},
		phoneapitest.Call{ID: b, Type: "INCOMING_P2P", Status: "FINISHED", Partner: "bob", DispName: "Bob"},
	)
	h.expectNone()
}

// TestHostRestart: the softphone quits mid-call (the call indicators
// clear) and comes back (the daemon attaches again and re-sends HOOK OFF,
// then restores the call from SEARCH ACTIVECALLS); then it is replaced by
// a new softphone process, which gets the state too.
func TestHostRestart(t *testing.T) {
	r := newRig(t)
	h, d, sender := attached(t, r)
	id, _ := inCall(t, r, h)

	n := r.mark()
	if err := r.host.Leave(); err != nil {
		t.Fatal(err)
	}
	h.expect(jabra(0))
	r.waitLog(d, "session: detached from the host")
	if err := r.host.Return(); err != nil {
		t.Fatal(err)
	}
	r.waitCmd(n, "GET CALL "+itoa(id)+" STATUS")
	h.expect(jabra(jOffHook))
	wantCmds(t, r, n, sender,
		"NAME Jabra EVOLVE LINK MS (handsetd)", "PROTOCOL 5", "HOOK OFF", "SEARCH ACTIVECALLS",
		"GET CALL "+itoa(id)+" TYPE", "GET CALL "+itoa(id)+" STATUS")

	// A new softphone process: the old connection goes, a new one owns
	// the name.
	r.host.Close()
	h.expect(jabra(0))
	r.host = phoneapitest.NewHost(t, r.bus.Address)
	r.waitCmd(0, "SEARCH ACTIVECALLS")
	wantCmds(t, r, 0, sender, "NAME Jabra EVOLVE LINK MS (handsetd)", "PROTOCOL 5", "HOOK OFF", "SEARCH ACTIVECALLS")
	// The new host has no call: hanging up is just HOOK ON.
	h.hook(false)
	r.waitCmd(0, "HOOK ON")
	wantCmds(t, r, 0, sender, "NAME Jabra EVOLVE LINK MS (handsetd)", "PROTOCOL 5", "HOOK OFF", "SEARCH ACTIVECALLS", "HOOK ON")
	h.expectNone()
}

// TestReplugMidCall: the handset is unplugged during a call; the call
// stays at the host. Plugged in again (a new hidraw node), it attaches
// again, asks SEARCH ACTIVECALLS and the call's TYPE and STATUS, and shows
// the call (Off-Hook LED); going on hook then ends the call.
func TestReplugMidCall(t *testing.T) {
	r := newRig(t)
	h, d, sender := attached(t, r)
	id, n := inCall(t, r, h)
	if err := h.Unplug(); err != nil {
		t.Fatal(err)
	}
	// Either the udev remove event or the failed read ends the handset's
	// slot first; both are an unplug.
	ctx, cancel := context.WithTimeout(r.ctx, 10*time.Second)
	_, err := d.log.waitFrom(ctx, 0, func(l logRecord) bool {
		return l.str("msg") == "handset removed" && l.str("device") == "/dev/hidraw0 0b0e:0307" ||
			l.str("msg") == "handset gone" && l.str("path") == "/dev/hidraw0"
	})
	cancel()
	if err != nil {
		t.Fatalf("e2e: waiting for the unplug to be noticed: %v", err)
	}
	wantCmds(t, r, n, sender, "HOOK OFF")
	wantCalls(t, r, phoneapitest.Call{ID: id, Type: "INCOMING_PSTN", Status: "INPROGRESS", Partner: "+4930123456", DispName: "Ada"})

	n = r.mark()
	h2 := r.replug(h)
	if h2.DevNode != "/dev/hidraw1" {
		t.Fatalf("re-plugged as %s, want /dev/hidraw1", h2.DevNode)
	}
	name := r.waitCmd(n, "NAME Jabra EVOLVE LINK MS (handsetd)")
	if name.Sender == sender {
		t.Fatalf("the re-plugged handset attached on the old connection %s", sender)
	}
	r.waitCmd(n, "GET CALL "+itoa(id)+" STATUS")
	h2.expect(jabra(jOffHook))
	// The device reports its hook as it is: off (held in the hand).
	h2.hook(true)
	r.waitCmd(n, "HOOK OFF")
	h2.hook(false)
	r.waitCmd(n, "HOOK ON")
	h2.expect(jabra(0))
	wantCmds(t, r, n, name.Sender,
		"NAME Jabra EVOLVE LINK MS (handsetd)", "PROTOCOL 5", "SEARCH ACTIVECALLS",
		"GET CALL "+itoa(id)+" TYPE", "GET CALL "+itoa(id)+" STATUS", "HOOK OFF", "HOOK ON")
	wantCalls(t, r, phoneapitest.Call{ID: id, Type: "INCOMING_PSTN", Status: "FINISHED", Partner: "+4930123456", DispName: "Ada"})
	h2.expectNone()
}

// Output reports of the Poly Blackwire C5220 (047f-c053): one report id
// per LED, one bit each.
func poly(id byte, on bool) []byte {
	if on {
		return []byte{id, 0x01}
	}
	return []byte{id, 0x00}
}

const (
	pOffHook = 23 // LED Off-Hook
	pRing    = 24 // LED Ring
)

// TestTwoHandsets: a Jabra and a Poly at once are two phones to the host,
// each attached from its own connection under its own name. Both ring;
// the Poly is lifted (HOOK OFF from its connection only), both stop
// ringing and both show the call; the Poly hangs up.
func TestTwoHandsets(t *testing.T) {
	r := newRig(t)
	j := r.addHandset(jabraFile, jabraProduct)
	p := r.addHandset(polyFile, polyProduct)
	d := r.start()
	cls := r.waitClients(2)
	names := map[string]string{}
	for _, c := range cls {
		names[c.Name] = c.Sender
		if pid := r.pidOf(c.Sender); pid != d.cmd.Process.Pid {
			t.Errorf("client %s belongs to pid %d, want the daemon's %d", c.Sender, pid, d.cmd.Process.Pid)
		}
	}
	js, ps := names["Jabra EVOLVE LINK MS (handsetd)"], names["Plantronics Blackwire C5220 (handsetd)"]
	if js == "" || ps == "" || js == ps {
		t.Fatalf("clients = %+v, want the Jabra and the Poly on two connections", cls)
	}
	for _, s := range []string{js, ps} {
		if _, err := r.host.WaitCommand(r.ctx, func(c phoneapitest.Received) bool {
			return c.Sender == s && c.Text() == "SEARCH ACTIVECALLS"
		}); err != nil {
			t.Fatal(err)
		}
	}

	n := r.mark()
	id, err := r.host.Ring(r.ctx, "alice", "")
	if err != nil {
		t.Fatal(err)
	}
	j.expect(jabra(jRing), jabra(jRing|jRinger))
	p.expect(poly(pRing, true))

	p.hook(true)
	r.waitCmd(n, "HOOK OFF")
	p.expect(poly(pOffHook, true), poly(pRing, false))
	j.expect(jabra(jRinger), jabra(0), jabra(jOffHook))
	wantCalls(t, r, phoneapitest.Call{ID: id, Type: "INCOMING_P2P", Status: "INPROGRESS", Partner: "alice"})

	p.hook(false)
	r.waitCmd(n, "HOOK ON")
	p.expect(poly(pOffHook, false))
	j.expect(jabra(0))
	wantCmds(t, r, n, ps, "HOOK OFF", "HOOK ON")
	wantCmds(t, r, n, js)
	wantCalls(t, r, phoneapitest.Call{ID: id, Type: "INCOMING_P2P", Status: "FINISHED", Partner: "alice"})
	j.expectNone()
	p.expectNone()
}

// TestAccessMode: with --mode=access the daemon controls calls itself:
// lifting with no call and dialling 1 2 3 # places a call, a key in a call
// is DTMF, going on hook hangs up; lifting a ringing handset answers.
func TestAccessMode(t *testing.T) {
	r := newRig(t)
	h, _, sender := attached(t, r, "--mode=access")
	n := r.mark()
	// Off hook with no call: nothing is sent until the number is complete.
	h.hook(true)
	h.expect(jabra(jOffHook))
	for _, k := range []byte("123#") {
		h.press(k)
	}
	r.waitCmd(n, "CALL 123")
	out, ok := r.host.Find("ringing")
	if !ok {
		t.Fatalf("no outgoing call ringing at the host: %+v", r.host.Calls())
	}
	if err := r.host.Answer(r.ctx, out); err != nil {
		t.Fatal(err)
	}
	h.press('5')
	r.waitCmd(n, "ALTER CALL "+itoa(out)+" DTMF 5")
	h.hook(false)
	r.waitCmd(n, "ALTER CALL "+itoa(out)+" HANGUP")
	h.expect(jabra(0))

	id, err := r.host.Ring(r.ctx, "+4930123456", "Ada")
	if err != nil {
		t.Fatal(err)
	}
	h.expect(jabra(jRing), jabra(jRing|jRinger))
	h.hook(true)
	r.waitCmd(n, "ALTER CALL "+itoa(id)+" ANSWER")
	h.expect(jabra(jRing|jRinger|jOffHook), jabra(jRinger|jOffHook), jabra(jOffHook))
	h.hook(false)
	r.waitCmd(n, "ALTER CALL "+itoa(id)+" HANGUP")
	h.expect(jabra(0))
	wantCmds(t, r, n, sender,
		"CALL 123", "ALTER CALL "+itoa(out)+" DTMF 5", "ALTER CALL "+itoa(out)+" HANGUP",
		"ALTER CALL "+itoa(id)+" ANSWER", "ALTER CALL "+itoa(id)+" HANGUP")
	wantCalls(t, r,
		phoneapitest.Call{ID: out, Type: "OUTGOING_PSTN", Status: "FINISHED", Partner: "123"},
		phoneapitest.Call{ID: id, Type: "INCOMING_PSTN", Status: "FINISHED", Partner: "+4930123456", DispName: "Ada"},
	)
	h.expectNone()
}

// TestSIGTERM: on SIGTERM mid-call, muted, the daemon exits 0 within one
// second, and its last output report switches every indicator off.
func TestSIGTERM(t *testing.T) {
	r := newRig(t)
	h, d, _ := attached(t, r)
	_, n := inCall(t, r, h)
	h.mute()
	r.waitCmd(n, "MUTE ON")
	h.expect(jabra(jOffHook | jMute))
	before := len(h.Transfers())
	took, err := d.stop(5 * time.Second)
	if err != nil {
		t.Errorf("handsetd exited with %v after SIGTERM, want status 0", err)
	}
	if took > time.Second {
		t.Errorf("handsetd took %v to exit after SIGTERM, want at most 1s", took)
	}
	// The phone switches its indicators off one by one (in no set order),
	// then the driver closes the device with every LED off: each report
	// only clears bits, and the last clears them all.
	after := h.Transfers()[before:]
	state := byte(jOffHook | jMute)
	for _, x := range after {
		if len(x.Data) != 3 || x.Data[0] != 0x02 || x.Data[2] != 0 || x.Data[1]&^state != 0 {
			t.Fatalf("after SIGTERM: report %v sets an LED; all: %v", x, after)
		}
		state = x.Data[1]
	}
	if len(after) == 0 || state != 0 {
		t.Fatalf("reports after SIGTERM = %v, want the last to clear every LED (02 00 00)", after)
	}
	r.waitLog(d, "stopping")
}

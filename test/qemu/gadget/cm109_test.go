package main

import (
	"bytes"
	"testing"
	"time"

	"handsetd/devices/cm109/cm109sim"
	"handsetd/internal/clock"
)

// TestCM109Pumps drives the chip model through the same framing the hidg
// node has: the host side writes SET_REPORT data, reads input reports.
func TestCM109Pumps(t *testing.T) {
	g, h := seqpacket(t)
	defer h.Close()
	c := &CM109{Label: "cm", sim: cm109sim.New(clock.Real)}
	c.start(newEndpoint(g, 4))
	defer c.stop()

	read := func(want []byte) {
		t.Helper()
		buf := make([]byte, 8)
		h.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := h.Read(buf)
		if err != nil || !bytes.Equal(buf[:n], want) {
			t.Fatalf("input report % x, %v; want % x", buf[:n], err, want)
		}
	}
	write := func(r []byte) {
		t.Helper()
		if _, err := h.Write(r); err != nil {
			t.Fatal(err)
		}
	}

	// The chip reports its idle inputs first.
	read([]byte{0x00, 0x00, 0x00, 0x00})
	// All four columns driven (GPO value and direction 0x0f): the low
	// nibble of IR1 echoes them.
	write([]byte{0x00, 0x0f, 0x0f, 0x00})
	read([]byte{0x00, 0x0f, 0x00, 0x00})
	// Key 5 of the KIP1000 (row 0x20, column 0x02) pulls its row.
	c.sim.Press(cmFive)
	read([]byte{0x00, 0x2f, 0x00, 0x00})
	// Buzzer bit 5 of byte 0.
	write([]byte{0x20, 0x0f, 0x0f, 0x00})
	deadline := time.Now().Add(10 * time.Second)
	for !c.Buzzer() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if !c.Buzzer() || c.Toggles() != 1 {
		t.Errorf("buzzer %v after %d toggles, want on after 1", c.Buzzer(), c.Toggles())
	}
	if err := c.Err(); err != nil {
		t.Error(err)
	}
}

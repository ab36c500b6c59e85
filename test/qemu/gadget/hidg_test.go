package main

import (
	"bytes"
	"context"
	"os"
	"syscall"
	"testing"
	"time"
)

// seqpacket returns both ends of a socket pair that keeps message
// boundaries, as a hidg node keeps report boundaries.
func seqpacket(t *testing.T) (*os.File, *os.File) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_SEQPACKET|syscall.SOCK_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	return os.NewFile(uintptr(fds[0]), "gadget"), os.NewFile(uintptr(fds[1]), "host")
}

func TestEndpoint(t *testing.T) {
	g, h := seqpacket(t)
	defer h.Close()
	e := newEndpoint(g, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// Output reports arrive one per read, in order.
	for _, r := range [][]byte{{0x02, 0x24}, {0x02, 0x01}} {
		if _, err := h.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range [][]byte{{0x02, 0x24}, {0x02, 0x01}} {
		select {
		case got := <-e.Outputs():
			if !bytes.Equal(got, want) {
				t.Errorf("output % x, want % x", got, want)
			}
		case <-ctx.Done():
			t.Fatal("no output report")
		}
	}

	// Input reports go out whole.
	if err := e.Write(ctx, []byte{0x02, 0x01, 0x06}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	h.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := h.Read(buf)
	if err != nil || !bytes.Equal(buf[:n], []byte{0x02, 0x01, 0x06}) {
		t.Errorf("host read % x, %v", buf[:n], err)
	}

	// Close ends the reader, which closes Outputs.
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-e.Outputs(); ok {
		t.Error("Outputs still open after Close")
	}
}

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"syscall"
	"time"
)

// Endpoint is the gadget side of one HID function, /dev/hidgN: writes are
// input reports to the host, reads the output reports the host sent.
type Endpoint struct {
	f    *os.File
	out  chan []byte
	done chan struct{}
}

// OpenEndpoint opens a hidg node and starts reading output reports of up to
// size bytes. The node supports poll(2), so Go's poller owns the descriptor:
// Close interrupts the reader and write deadlines work.
func OpenEndpoint(path string, size int) (*Endpoint, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("qemutest: %w", err)
	}
	return newEndpoint(f, size), nil
}

// newEndpoint serves an open file that keeps report boundaries (a hidg
// node; a SOCK_SEQPACKET socket in tests).
func newEndpoint(f *os.File, size int) *Endpoint {
	e := &Endpoint{f: f, out: make(chan []byte, 1024), done: make(chan struct{})}
	go e.read(size)
	return e
}

func (e *Endpoint) read(size int) {
	defer close(e.done)
	defer close(e.out)
	buf := make([]byte, max(size, 64))
	for {
		n, err := e.f.Read(buf)
		if err != nil {
			return
		}
		select {
		case e.out <- slices.Clone(buf[:n]):
		default:
			// Nobody reads 1024 reports behind: a runaway host. Keep the
			// newest state by dropping this one and say so.
			fmt.Printf("qemutest: %s: output report dropped: % x\n", e.f.Name(), buf[:n])
		}
	}
}

// Outputs delivers the output reports in arrival order; it is closed when
// the endpoint is.
func (e *Endpoint) Outputs() <-chan []byte { return e.out }

// Write sends one input report. f_hid sends it on the next interrupt IN
// poll of the host; a write blocks while the previous one is pending.
func (e *Endpoint) Write(ctx context.Context, report []byte) error {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(10 * time.Second)
	}
	if err := e.f.SetWriteDeadline(deadline); err != nil {
		return fmt.Errorf("qemutest: %w", err)
	}
	n, err := e.f.Write(report)
	// Until the host has configured the device, f_hid's IN endpoint is
	// disabled and writes fail with ESHUTDOWN: a real device's first
	// report likewise waits for the host.
	for errors.Is(err, syscall.ESHUTDOWN) && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return fmt.Errorf("qemutest: input report % x: %w", report, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
		n, err = e.f.Write(report)
	}
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("qemutest: input report % x: the host did not take it: %w", report, err)
	case err != nil:
		return fmt.Errorf("qemutest: input report % x: %w", report, err)
	case n != len(report):
		return fmt.Errorf("qemutest: input report % x: wrote %d bytes", report, n)
	}
	return nil
}

// Close stops the reader and waits for it.
func (e *Endpoint) Close() error {
	err := e.f.Close()
	<-e.done
	return err
}

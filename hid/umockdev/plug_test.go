//go:build umockdev

package umockdev_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"handsetd/hid/hidraw"
	"handsetd/hid/umockdev"
)

// opened is what a racing client got: the device, or why it could not open
// it.
type opened struct {
	d   *hidraw.Device
	err error
	// early says the node was opened before the plug that created it
	// returned.
	early bool
}

// finder reports whether a client can see node yet.
type finder func(tb *umockdev.Testbed, node string) (bool, error)

// onSight sees node as soon as its /dev entry exists, looking at the
// testbed's directory directly (Go's os package reads it without the
// preload's redirection).
func onSight(tb *umockdev.Testbed, node string) (bool, error) {
	_, err := os.Lstat(filepath.Join(tb.Root(), node))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// enumerated sees node once hidapi's enumeration (libudev scanning sysfs,
// no uevent involved) lists it. Its /dev entry may come a moment after its
// sysfs directory: until it exists, an open would not even reach the
// testbed, so the client waits for it as well.
func enumerated(tb *umockdev.Testbed, node string) (bool, error) {
	list, err := hidraw.Enumerate()
	if err != nil {
		return false, err
	}
	for _, d := range list {
		if d.Path == node {
			return onSight(tb, node)
		}
	}
	return false, nil
}

// openOnSight opens node the moment find sees it. plugged is closed when
// the plug that creates node returned.
func openOnSight(ctx context.Context, tb *umockdev.Testbed, node string, find finder, plugged <-chan struct{}) opened {
	for {
		ok, err := find(tb, node)
		if err != nil {
			return opened{err: err}
		}
		if ok {
			break
		}
		if ctx.Err() != nil {
			return opened{err: fmt.Errorf("%s never appeared: %w", node, ctx.Err())}
		}
	}
	early := true
	select {
	case <-plugged:
		early = false
	default:
	}
	d, err := hidraw.Open(node)
	return opened{d: d, err: err, early: early}
}

// A client that opens a new node as soon as it can find it finds it
// working: the node's ioctl, read and write handlers are in place before
// any of its sysfs or /dev entries exist, on every plug. Before they were,
// such a client was connected to umockdev's fallback handler, which knows
// no hidraw ioctl (hidapi's open failed: "not a HIDRAW device?"), or the
// preload could not connect to the handler's socket at all and exited the
// client with status 1.
func TestOpenRacesPlug(t *testing.T) {
	for _, tc := range []struct {
		name   string
		find   finder
		cycles int
	}{
		{"dev-entry", onSight, 300},
		{"enumeration", enumerated, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			tb, h := addHandset(t)
			want := h.Spec().Descriptor
			early := 0
			for i := range tc.cycles {
				if err := h.Unplug(); err != nil {
					t.Fatal(err)
				}
				node := umockdev.NextDevNode(tb)
				plugged := make(chan struct{})
				got := make(chan opened, 1)
				go func() { got <- openOnSight(ctx, tb, node, tc.find, plugged) }()
				var err error
				h, err = tb.Replug(h)
				close(plugged)
				o := <-got
				if err != nil {
					if o.d != nil {
						o.d.Close()
					}
					t.Fatal(err)
				}
				if h.DevNode != node {
					t.Fatalf("Replug() made %s, want %s", h.DevNode, node)
				}
				if o.err != nil {
					t.Fatalf("plug %d: open %s as it appeared: %v", i+1, node, o.err)
				}
				if o.early {
					early++
				}
				if err := checkNode(ctx, h, o.d, want); err != nil {
					o.d.Close()
					t.Fatalf("plug %d: %s: %v", i+1, node, err)
				}
				if err := o.d.Close(); err != nil {
					t.Fatal(err)
				}
			}
			// How often the open began while the plug was still under
			// way: the race the test is about, not a condition of
			// passing.
			t.Logf("%d plugs; %d opens began before the plug returned", tc.cycles, early)
		})
	}
}

// checkNode checks that d, opened on h's node, is served by h: the report
// descriptor by the ioctl handler, a report by the read handler and an
// output report by the write handler.
func checkNode(ctx context.Context, h *umockdev.Handset, d *hidraw.Device, want []byte) error {
	desc, err := d.ReportDescriptor()
	if err != nil {
		return err
	}
	if !bytes.Equal(desc, want) {
		return fmt.Errorf("report descriptor: % x, want % x", desc, want)
	}
	in := []byte{2, 0x01, 0x00}
	if err := h.Inject(ctx, in); err != nil {
		return err
	}
	buf := make([]byte, 64)
	n, err := d.ReadReport(ctx, buf)
	if err != nil {
		return err
	}
	if !bytes.Equal(buf[:n], in) {
		return fmt.Errorf("read % x, want % x", buf[:n], in)
	}
	out := []byte{2, 0x04, 0x00}
	if err := d.WriteOutput(out); err != nil {
		return err
	}
	tr, err := h.Next(ctx)
	if err != nil {
		return err
	}
	if tr.Kind != umockdev.OutputWrite || !bytes.Equal(tr.Data, out) {
		return fmt.Errorf("device got %v, want %v % x", tr, umockdev.OutputWrite, out)
	}
	return nil
}

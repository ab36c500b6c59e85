package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"handsetd/hid"
)

// Handset is one emulated USB handset: its configfs gadget, its device
// model, and while it is plugged in, its hidg endpoint and the indicator
// state the host's output reports set.
type Handset struct {
	Label string // for messages: "jabra", "poly"
	g     *Gadget
	t     *Telephony
	root  string // configfs usb_gadget directory
	udc   string

	ep   *Endpoint
	leds Indicators
	// seen keeps the recent output reports for failure messages.
	seen []string
}

// NewHandset builds the gadget for a HID Telephony device with the report
// descriptor at path; vid, pid and the strings are what the host enumerates.
func NewHandset(label, root, udc, descPath string, vid, pid uint16, manufacturer, product string) (*Handset, error) {
	raw, err := os.ReadFile(descPath)
	if err != nil {
		return nil, fmt.Errorf("qemutest: %w", err)
	}
	t, err := NewTelephony(raw)
	if err != nil {
		return nil, fmt.Errorf("qemutest: %s: %w", descPath, err)
	}
	g := &Gadget{
		Name: label, VendorID: vid, ProductID: pid,
		Manufacturer: manufacturer, Product: product, Serial: "QEMU-" + strings.ToUpper(label),
		Descriptor: raw, ReportLength: t.ReportLength(),
	}
	if err := g.Create(root); err != nil {
		return nil, err
	}
	return &Handset{Label: label, g: g, t: t, root: root, udc: udc, leds: t.Off()}, nil
}

// Plug binds the gadget to its controller and opens its hidg node. The
// device powers up with every indicator off.
func (h *Handset) Plug(ctx context.Context) error {
	if err := h.g.Bind(h.root, h.udc); err != nil {
		return err
	}
	var path string
	var last error
	err := poll(ctx, func() (bool, error) {
		p, err := h.g.HidgPath(h.root, "/sys/dev/char")
		if err != nil {
			last = err
			return false, nil
		}
		_, last = os.Stat(p)
		path = p
		return last == nil, nil
	})
	if err != nil {
		return fmt.Errorf("qemutest: %s: no hidg node (%v): %w", h.Label, last, err)
	}
	fmt.Printf("qemutest: %s plugged into %s, gadget side %s\n", h.Label, h.udc, path)
	ep, err := OpenEndpoint(path, h.g.ReportLength)
	if err != nil {
		return err
	}
	h.ep, h.leds, h.seen = ep, h.t.Off(), nil
	return nil
}

// Unplug closes the hidg node and unbinds the gadget: the host sees the
// device disconnect.
func (h *Handset) Unplug() error {
	if h.ep != nil {
		h.ep.Close()
		h.ep = nil
	}
	return h.g.Unbind(h.root)
}

// Set sets an input usage and sends the reports it changes.
func (h *Handset) Set(ctx context.Context, u hid.Usage, v int32) error {
	if h.ep == nil {
		return fmt.Errorf("qemutest: %s is unplugged", h.Label)
	}
	reps, err := h.t.Input(u, v)
	if err != nil {
		return err
	}
	for _, r := range reps {
		if err := h.ep.Write(ctx, r); err != nil {
			return fmt.Errorf("qemutest: %s: %w", h.Label, err)
		}
	}
	return nil
}

// Resend sends the current state of the report holding u again, as a
// device reports its state when it is first polled.
func (h *Handset) Resend(ctx context.Context, u hid.Usage) error {
	refs := h.t.desc.FindUsage(hid.Input, u)
	if len(refs) == 0 {
		return fmt.Errorf("qemutest: %s has no %s", h.Label, hid.UsageName(u))
	}
	return h.ep.Write(ctx, h.t.in.Report(hid.Input, refs[0].Field.ReportID))
}

// Press presses and releases a relative control or a key: the device
// reports 1 and then 0.
func (h *Handset) Press(ctx context.Context, u hid.Usage) error {
	if err := h.Set(ctx, u, 1); err != nil {
		return err
	}
	return h.Set(ctx, u, 0)
}

// WaitIndicators reads output reports until the indicators are exactly
// want, and fails with what it saw when ctx ends first.
func (h *Handset) WaitIndicators(ctx context.Context, want Indicators) error {
	// Apply what has arrived already, so that the comparison is with the
	// latest state and not with one a queued report is about to undo.
	for drained := false; !drained; {
		select {
		case r, ok := <-h.ep.Outputs():
			if !ok {
				return fmt.Errorf("qemutest: %s: hidg closed while waiting for %v", h.Label, want)
			}
			if err := h.apply(r); err != nil {
				return err
			}
		default:
			drained = true
		}
	}
	for !h.leds.Equal(want) {
		select {
		case r, ok := <-h.ep.Outputs():
			if !ok {
				return fmt.Errorf("qemutest: %s: hidg closed while waiting for %v", h.Label, want)
			}
			if err := h.apply(r); err != nil {
				return err
			}
		case <-ctx.Done():
			return fmt.Errorf("%s indicators %v, want %v (last output reports: %s): %w",
				h.Label, h.leds, want, strings.Join(h.seen, " | "), ctx.Err())
		}
	}
	return nil
}

// apply updates the indicator state from one output report.
func (h *Handset) apply(r []byte) error {
	if err := h.t.ApplyOutput(h.leds, r); err != nil {
		return fmt.Errorf("qemutest: %s: %w", h.Label, err)
	}
	h.seen = append(h.seen, fmt.Sprintf("% x", r))
	if len(h.seen) > 8 {
		h.seen = h.seen[1:]
	}
	return nil
}

// HidrawGone reports whether the host has no hidraw node for this device
// any more: the kernel has seen the unplug.
func (h *Handset) HidrawGone() (bool, error) {
	id := fmt.Sprintf("HID_ID=0003:%08X:%08X", h.g.VendorID, h.g.ProductID)
	ms, err := filepath.Glob("/sys/class/hidraw/*/device/uevent")
	if err != nil {
		return false, err
	}
	for _, m := range ms {
		b, err := os.ReadFile(m)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return false, err
		}
		if strings.Contains(string(b), id) {
			return false, nil
		}
	}
	return true, nil
}

// poll calls f every 20 ms until it returns true, an error, or ctx ends.
func poll(ctx context.Context, f func() (bool, error)) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		ok, err := f()
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

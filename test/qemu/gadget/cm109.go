package main

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"handsetd/devices/cm109"
	"handsetd/devices/cm109/cm109sim"
	"handsetd/devices/usbio"
	"handsetd/internal/clock"
)

// cm109Descriptor is a vendor-defined report descriptor with the CM109's
// two 4-byte reports. usbhid never reads it (hid-quirks.c ignores
// 0d8c:000e, so cm109.c or a libusb driver can have the device), but f_hid
// needs one.
var cm109Descriptor = []byte{
	0x06, 0x00, 0xff, // Usage Page (Vendor Defined 0xff00)
	0x09, 0x01, // Usage (1)
	0xa1, 0x01, // Collection (Application)
	0x15, 0x00, // Logical Minimum (0)
	0x26, 0xff, 0x00, // Logical Maximum (255)
	0x75, 0x08, // Report Size (8)
	0x95, 0x04, // Report Count (4)
	0x09, 0x01, // Usage (1)
	0x81, 0x02, // Input (Data,Variable,Absolute)
	0x09, 0x02, // Usage (2)
	0x91, 0x02, // Output (Data,Variable,Absolute)
	0xc0, // End Collection
}

// CM109 is an emulated C-Media CM109 "Skype phone": a USB device whose HID
// interface (number 3, as on the chip) takes its output reports as
// SET_REPORT control transfers. The chip itself (keypad
// matrix, buzzer) is cm109sim's model, the same one the driver's unit tests
// use; here its transport is the real USB link instead of a Go call.
type CM109 struct {
	Label string
	g     *Gadget
	root  string
	udc   string
	sim   *cm109sim.Sim

	ep     *Endpoint
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	err    error // the first pump failure
}

// NewCM109 builds the gadget.
func NewCM109(label, root, udc string) (*CM109, error) {
	g := &Gadget{
		Name: label, VendorID: 0x0d8c, ProductID: 0x000e,
		Manufacturer: "C-Media Electronics Inc.", Product: "USB Phone", Serial: "QEMU-CM109",
		Descriptor: cm109Descriptor, ReportLength: cm109.ReportLen,
		NoOutEndpoint: true, Fillers: cm109.DefaultInterface,
	}
	if err := g.Create(root); err != nil {
		return nil, err
	}
	return &CM109{Label: label, g: g, root: root, udc: udc, sim: cm109sim.New(clock.Real)}, nil
}

// Plug binds the gadget and starts moving reports between the chip model
// and the link: output reports into the model, its input reports out.
func (c *CM109) Plug(ctx context.Context) error {
	if err := c.g.Bind(c.root, c.udc); err != nil {
		return err
	}
	var path string
	err := poll(ctx, func() (bool, error) {
		p, err := c.g.HidgPath(c.root, "/sys/dev/char")
		path = p
		return err == nil, nil
	})
	if err != nil {
		return fmt.Errorf("qemutest: %s: no hidg node: %w", c.Label, err)
	}
	ep, err := OpenEndpoint(path, cm109.ReportLen)
	if err != nil {
		return err
	}
	fmt.Printf("qemutest: %s plugged into %s, gadget side %s\n", c.Label, c.udc, path)
	c.start(ep)
	return nil
}

// start runs the pumps between the chip model and ep until stop.
func (c *CM109) start(ep *Endpoint) {
	pctx, cancel := context.WithCancel(context.Background())
	c.ep, c.cancel = ep, cancel
	c.wg.Add(2)
	go func() {
		defer c.wg.Done()
		for r := range ep.Outputs() {
			// f_hid gives the data stage only; wIndex was checked by the
			// kernel, which routed the request to interface 3.
			if _, err := c.sim.Control(pctx, usbio.RequestTypeClassInterfaceOut, usbio.RequestSetReport,
				usbio.ValueOutputReport0, cm109.DefaultInterface, r); err != nil {
				c.fail(fmt.Errorf("output report % x: %w", r, err))
			}
		}
	}()
	go func() {
		defer c.wg.Done()
		buf := make([]byte, cm109.ReportLen)
		for {
			n, err := c.sim.ReadInterrupt(pctx, buf)
			if err != nil {
				if !errors.Is(err, context.Canceled) {
					c.fail(err)
				}
				return
			}
			if err := ep.Write(pctx, buf[:n]); err != nil {
				if pctx.Err() == nil {
					c.fail(err)
				}
				return
			}
		}
	}()
}

func (c *CM109) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = fmt.Errorf("qemutest: %s: %w", c.Label, err)
		fmt.Println(c.err)
	}
}

// Err is the first failure of the link, if any, and the requests the chip
// model refused.
func (c *CM109) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	if bad := c.sim.Bad(); len(bad) > 0 {
		return fmt.Errorf("qemutest: %s refused %q", c.Label, bad)
	}
	return nil
}

// Unplug stops the pumps and unbinds the gadget.
func (c *CM109) Unplug() error {
	c.stop()
	return c.g.Unbind(c.root)
}

// stop ends the pumps and waits for them.
func (c *CM109) stop() {
	if c.ep != nil {
		c.cancel()
		c.ep.Close()
		c.wg.Wait()
		c.ep = nil
	}
}

// Buzzer reports whether the host has the buzzer on now.
func (c *CM109) Buzzer() bool { return c.sim.Buzzer() }

// Toggles counts the buzzer changes so far.
func (c *CM109) Toggles() int { return len(c.sim.BuzzerLog()) }

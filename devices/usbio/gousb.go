package usbio

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/gousb"

	"handsetd/devices"
)

// DefaultControlTimeout bounds a control transfer whose context has no
// earlier deadline. The phones answer SET_REPORT within a few ms; a second
// means the device is wedged.
const DefaultControlTimeout = time.Second

// Sentinel errors of Open.
var (
	// ErrNotFound means no device matched the options.
	ErrNotFound = errors.New("usbio: no matching device")
	// ErrNoInterruptIn means the chosen interface has no interrupt IN
	// endpoint to read reports from.
	ErrNoInterruptIn = errors.New("usbio: interface has no interrupt IN endpoint")
)

// Options selects the device and interface Open claims.
type Options struct {
	// VendorID and ProductID match the device. ProductIDMax, when
	// non-zero, widens the match to ProductID..ProductIDMax (the CM109
	// family).
	VendorID, ProductID, ProductIDMax uint16
	// Bus and Address, when non-zero, select one device among several
	// with the same ids (hotplug gives them).
	Bus, Address int
	// Interface is the interface number to claim; -1 picks the first
	// HID-class interface that has an interrupt IN endpoint.
	Interface int
}

// Desc describes an enumerated device.
type Desc struct {
	Bus, Address        int
	VendorID, ProductID uint16
	Path                string // /dev/bus/usb/BBB/DDD
}

func (o Options) matches(d *gousb.DeviceDesc) bool {
	maxPID := o.ProductIDMax
	if maxPID == 0 {
		maxPID = o.ProductID
	}
	if uint16(d.Vendor) != o.VendorID || uint16(d.Product) < o.ProductID || uint16(d.Product) > maxPID {
		return false
	}
	if o.Bus != 0 && d.Bus != o.Bus {
		return false
	}
	return o.Address == 0 || d.Address == o.Address
}

func devPath(bus, addr int) string { return fmt.Sprintf("/dev/bus/usb/%03d/%03d", bus, addr) }

// Enumerate lists the devices matching o without opening them, so it needs
// no permission on the device nodes.
func Enumerate(o Options) ([]Desc, error) {
	uctx := gousb.NewContext()
	defer uctx.Close()
	var found []Desc
	_, err := uctx.OpenDevices(func(d *gousb.DeviceDesc) bool {
		if o.matches(d) {
			found = append(found, Desc{Bus: d.Bus, Address: d.Address, VendorID: uint16(d.Vendor),
				ProductID: uint16(d.Product), Path: devPath(d.Bus, d.Address)})
		}
		return false
	})
	if err != nil {
		return found, fmt.Errorf("usbio: enumerate: %w", err)
	}
	return found, nil
}

// Device is an open USB device with one claimed interface. It implements
// Transport.
type Device struct {
	desc Desc
	num  int

	mu     sync.Mutex // guards closed and the gousb handles on Close
	closed bool
	uctx   *gousb.Context
	dev    *gousb.Device
	cfg    *gousb.Config
	intf   *gousb.Interface
	in     *gousb.InEndpoint
	inSize int
}

var _ Transport = (*Device)(nil)

// Open opens the first device matching o, claims its interface (detaching
// the kernel driver from that interface only, see the package
// documentation) and prepares its interrupt IN endpoint.
func Open(o Options) (_ *Device, err error) {
	uctx := gousb.NewContext()
	d := &Device{uctx: uctx}
	defer func() {
		if err != nil {
			d.release()
		}
	}()
	picked := false
	devs, enumErr := uctx.OpenDevices(func(desc *gousb.DeviceDesc) bool {
		if picked || !o.matches(desc) {
			return false
		}
		picked = true
		return true
	})
	if len(devs) == 0 {
		if enumErr != nil {
			return nil, fmt.Errorf("usbio: open %04x:%04x: %w", o.VendorID, o.ProductID, mapErr(enumErr))
		}
		return nil, fmt.Errorf("usbio: open %04x:%04x: %w", o.VendorID, o.ProductID, ErrNotFound)
	}
	d.dev = devs[0]
	desc := d.dev.Desc
	d.desc = Desc{Bus: desc.Bus, Address: desc.Address, VendorID: uint16(desc.Vendor),
		ProductID: uint16(desc.Product), Path: devPath(desc.Bus, desc.Address)}
	d.dev.ControlTimeout = DefaultControlTimeout

	cfgNum, err := d.dev.ActiveConfigNum()
	if err != nil {
		return nil, fmt.Errorf("usbio: %s: active configuration: %w", d.desc.Path, mapErr(err))
	}
	// Config before SetAutoDetach: see the package documentation.
	if d.cfg, err = d.dev.Config(cfgNum); err != nil {
		return nil, fmt.Errorf("usbio: %s: configuration %d: %w", d.desc.Path, cfgNum, err)
	}
	if err := d.dev.SetAutoDetach(true); err != nil {
		return nil, fmt.Errorf("usbio: %s: kernel driver auto-detach: %w", d.desc.Path, mapErr(err))
	}
	num, epAddr, size, err := pickInterface(d.cfg.Desc, o.Interface)
	if err != nil {
		return nil, fmt.Errorf("usbio: %s: %w", d.desc.Path, err)
	}
	if d.intf, err = d.cfg.Interface(num, 0); err != nil {
		return nil, fmt.Errorf("usbio: %s: claim interface %d: %w", d.desc.Path, num, err)
	}
	if d.in, err = d.intf.InEndpoint(epAddr); err != nil {
		return nil, fmt.Errorf("usbio: %s: interface %d: %w", d.desc.Path, num, err)
	}
	d.num, d.inSize = num, size
	return d, nil
}

// pickInterface finds the interface to claim and its interrupt IN endpoint
// number and packet size.
func pickInterface(cfg gousb.ConfigDesc, want int) (num, ep, size int, err error) {
	for _, intf := range cfg.Interfaces {
		if len(intf.AltSettings) == 0 {
			continue
		}
		alt := intf.AltSettings[0]
		if want >= 0 && intf.Number != want {
			continue
		}
		if want < 0 && alt.Class != gousb.ClassHID {
			continue
		}
		for _, e := range alt.Endpoints {
			if e.Direction == gousb.EndpointDirectionIn && e.TransferType == gousb.TransferTypeInterrupt {
				return intf.Number, e.Number, e.MaxPacketSize, nil
			}
		}
		if want >= 0 {
			return 0, 0, 0, fmt.Errorf("interface %d: %w", want, ErrNoInterruptIn)
		}
	}
	if want >= 0 {
		return 0, 0, 0, fmt.Errorf("no interface %d: %w", want, ErrNotFound)
	}
	return 0, 0, 0, fmt.Errorf("no HID interface: %w", ErrNoInterruptIn)
}

// Desc describes the open device.
func (d *Device) Desc() Desc { return d.desc }

// InterfaceNumber is the claimed interface's number: the wIndex of class
// requests addressed to it.
func (d *Device) InterfaceNumber() int { return d.num }

// Control implements Transport. libusb cannot cancel a synchronous control
// transfer, so ctx bounds it through the transfer timeout.
func (d *Device) Control(ctx context.Context, reqType, req uint8, val, idx uint16, data []byte) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, ctxErr("control", ctx)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return 0, ErrClosed
	}
	timeout := DefaultControlTimeout
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); left < timeout {
			timeout = max(left, time.Millisecond)
		}
	}
	d.dev.ControlTimeout = timeout
	n, err := d.dev.Control(reqType, req, val, idx, data)
	if err != nil {
		return n, fmt.Errorf("usbio: %s: control %#02x/%#02x: %w", d.desc.Path, reqType, req, mapErr(err))
	}
	return n, nil
}

// ReadInterrupt implements Transport with gousb's ReadContext: the
// transfer waits in libusb and is cancelled when ctx ends.
func (d *Device) ReadInterrupt(ctx context.Context, p []byte) (int, error) {
	d.mu.Lock()
	in, closed := d.in, d.closed
	d.mu.Unlock()
	if closed {
		return 0, ErrClosed
	}
	buf := p
	if len(buf) < d.inSize {
		// A short buffer would make libusb report an overflow for a full
		// packet; read into one of the endpoint's size.
		buf = make([]byte, d.inSize)
	}
	n, err := in.ReadContext(ctx, buf)
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctxErr("interrupt read", ctx)
		}
		return 0, fmt.Errorf("usbio: %s: interrupt read: %w", d.desc.Path, mapErr(err))
	}
	return copy(p, buf[:n]), nil
}

// Close releases the interface (libusb re-attaches the kernel driver),
// the device and the libusb context.
func (d *Device) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	return d.release()
}

func (d *Device) release() error {
	var errs []error
	if d.intf != nil {
		d.intf.Close()
		d.intf = nil
	}
	if d.cfg != nil {
		errs = append(errs, d.cfg.Close())
		d.cfg = nil
	}
	if d.dev != nil {
		errs = append(errs, d.dev.Close())
		d.dev = nil
	}
	if d.uctx != nil {
		errs = append(errs, d.uctx.Close())
		d.uctx = nil
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("usbio: close: %w", err)
	}
	return nil
}

// mapErr makes libusb's "no device" conditions wrap devices.ErrGone, so
// that drivers branch on one sentinel whatever the transport.
func mapErr(err error) error {
	var ue gousb.Error
	var ts gousb.TransferStatus
	switch {
	case errors.As(err, &ue) && ue == gousb.ErrorNoDevice,
		errors.As(err, &ts) && ts == gousb.TransferNoDevice:
		return fmt.Errorf("%w: %w", devices.ErrGone, err)
	}
	return err
}

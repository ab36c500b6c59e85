package usbio

import (
	"context"
	"errors"
	"fmt"
)

// Transport is the USB side of a vendor phone driver: what the drivers
// need, and what the simulated devices implement.
type Transport interface {
	// Control performs a control transfer on the default pipe. reqType
	// is bmRequestType: bit 7 set means device-to-host, and data
	// receives the reply. It returns the number of bytes transferred.
	Control(ctx context.Context, reqType, req uint8, val, idx uint16, data []byte) (int, error)
	// ReadInterrupt blocks until the interrupt IN endpoint delivers one
	// transfer or ctx ends (it then returns an error wrapping ctx.Err()).
	ReadInterrupt(ctx context.Context, p []byte) (int, error)
	// Close releases the device. It is safe to call more than once.
	Close() error
}

// HID class request constants (HID 1.11 section 7.2) that both vendor
// protocols use to send their output reports.
const (
	// RequestTypeClassInterfaceOut is bmRequestType for a class request
	// from host to interface: USB_TYPE_CLASS | USB_RECIP_INTERFACE |
	// USB_DIR_OUT.
	RequestTypeClassInterfaceOut uint8 = 0x21
	// RequestSetReport is HID SET_REPORT. The kernel drivers spell it
	// USB_REQ_SET_CONFIGURATION, which has the same value.
	RequestSetReport uint8 = 0x09
	// ValueOutputReport0 is wValue for SET_REPORT of output report
	// (type 2) with report id 0.
	ValueOutputReport0 uint16 = 0x0200
)

// ErrClosed is returned by a Transport used after Close.
var ErrClosed = errors.New("usbio: transport closed")

// ctxErr wraps ctx's error for a transfer that ctx ended.
func ctxErr(op string, ctx context.Context) error {
	return fmt.Errorf("usbio: %s: %w", op, context.Cause(ctx))
}

// SetReport sends report as HID output report 0 to interface intf with a
// SET_REPORT class request, the one way both vendor protocols write to
// their phones.
func SetReport(ctx context.Context, tr Transport, intf uint16, report []byte) error {
	_, err := tr.Control(ctx, RequestTypeClassInterfaceOut, RequestSetReport, ValueOutputReport0, intf, report)
	return err
}

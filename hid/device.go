package hid

import (
	"context"
	"errors"
)

// Device is an open HID device: what a driver needs of hidraw. The real
// implementation is in package hid/hidraw; package hid/hidtest has a
// scripted fake.
type Device interface {
	// ReadReport blocks until one input report arrives or ctx ends. When
	// the device uses report IDs, p[0] is the report ID. A device that was
	// unplugged returns an error wrapping ErrDisconnected.
	ReadReport(ctx context.Context, p []byte) (int, error)
	// WriteOutput sends an output report. p[0] is the report ID, 0 when
	// the device uses none.
	WriteOutput(p []byte) error
	// GetFeature reads a feature report; p[0] holds the report ID asked
	// for and receives the report ID back.
	GetFeature(p []byte) (int, error)
	// SetFeature sends a feature report; p[0] is the report ID.
	SetFeature(p []byte) error
	// ReportDescriptor returns the device's raw report descriptor.
	ReportDescriptor() ([]byte, error)
	Close() error
}

// ErrDisconnected means the device went away.
var ErrDisconnected = errors.New("hid: device disconnected")

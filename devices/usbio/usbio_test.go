package usbio

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/gousb"

	"handsetd/devices"
)

func TestMapErrGone(t *testing.T) {
	for _, tc := range []struct {
		err  error
		gone bool
	}{
		{gousb.ErrorNoDevice, true},
		{gousb.TransferNoDevice, true},
		{fmt.Errorf("wrapped: %w", gousb.ErrorNoDevice), true},
		{gousb.ErrorPipe, false},
		{gousb.TransferStall, false},
		{gousb.ErrorTimeout, false},
	} {
		got := mapErr(tc.err)
		if errors.Is(got, devices.ErrGone) != tc.gone {
			t.Errorf("mapErr(%v) = %v: gone %v, want %v", tc.err, got, !tc.gone, tc.gone)
		}
		if !errors.Is(got, tc.err) {
			t.Errorf("mapErr(%v) = %v lost the original error", tc.err, got)
		}
	}
}

func TestOptionsMatch(t *testing.T) {
	cm109 := Options{VendorID: 0x0d8c, ProductID: 0x0008, ProductIDMax: 0x000f}
	p1k := Options{VendorID: 0x6993, ProductID: 0xb001, Bus: 2, Address: 7}
	for _, tc := range []struct {
		o    Options
		d    gousb.DeviceDesc
		want bool
	}{
		{cm109, gousb.DeviceDesc{Vendor: 0x0d8c, Product: 0x000e}, true},
		{cm109, gousb.DeviceDesc{Vendor: 0x0d8c, Product: 0x0008}, true},
		{cm109, gousb.DeviceDesc{Vendor: 0x0d8c, Product: 0x0010}, false},
		{cm109, gousb.DeviceDesc{Vendor: 0x0d8d, Product: 0x000e}, false},
		{p1k, gousb.DeviceDesc{Vendor: 0x6993, Product: 0xb001, Bus: 2, Address: 7}, true},
		{p1k, gousb.DeviceDesc{Vendor: 0x6993, Product: 0xb001, Bus: 2, Address: 8}, false},
		{p1k, gousb.DeviceDesc{Vendor: 0x6993, Product: 0xb001, Bus: 1, Address: 7}, false},
	} {
		if got := tc.o.matches(&tc.d); got != tc.want {
			t.Errorf("%+v matches %04x:%04x bus %d addr %d = %v, want %v", tc.o,
				uint16(tc.d.Vendor), uint16(tc.d.Product), tc.d.Bus, tc.d.Address, got, tc.want)
		}
	}
}

// cm109Config is the shape of a CM109 phone: three audio interfaces and
// the HID interface 3 with interrupt IN endpoint 3.
func cm109Config() gousb.ConfigDesc {
	audio := func(n int) gousb.InterfaceDesc {
		return gousb.InterfaceDesc{Number: n, AltSettings: []gousb.InterfaceSetting{{Number: n, Class: gousb.ClassAudio}}}
	}
	hid := gousb.InterfaceDesc{Number: 3, AltSettings: []gousb.InterfaceSetting{{
		Number: 3, Class: gousb.ClassHID,
		Endpoints: map[gousb.EndpointAddress]gousb.EndpointDesc{
			0x83: {Address: 0x83, Number: 3, Direction: gousb.EndpointDirectionIn,
				TransferType: gousb.TransferTypeInterrupt, MaxPacketSize: 4},
		},
	}}}
	return gousb.ConfigDesc{Number: 1, Interfaces: []gousb.InterfaceDesc{audio(0), audio(1), audio(2), hid}}
}

func TestPickInterface(t *testing.T) {
	cfg := cm109Config()
	num, ep, size, err := pickInterface(cfg, -1)
	if err != nil || num != 3 || ep != 3 || size != 4 {
		t.Fatalf("pickInterface(auto) = %d, %d, %d, %v; want 3, 3, 4, nil", num, ep, size, err)
	}
	num, ep, _, err = pickInterface(cfg, 3)
	if err != nil || num != 3 || ep != 3 {
		t.Fatalf("pickInterface(3) = %d, %d, %v; want 3, 3, nil", num, ep, err)
	}
	if _, _, _, err := pickInterface(cfg, 1); !errors.Is(err, ErrNoInterruptIn) {
		t.Errorf("pickInterface(1) error = %v, want ErrNoInterruptIn", err)
	}
	if _, _, _, err := pickInterface(cfg, 9); !errors.Is(err, ErrNotFound) {
		t.Errorf("pickInterface(9) error = %v, want ErrNotFound", err)
	}
	cfg.Interfaces = cfg.Interfaces[:3]
	if _, _, _, err := pickInterface(cfg, -1); !errors.Is(err, ErrNoInterruptIn) {
		t.Errorf("pickInterface(auto) without HID error = %v, want ErrNoInterruptIn", err)
	}
}

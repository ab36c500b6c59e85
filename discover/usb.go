package discover

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"handsetd/daemon"
	"handsetd/devices"
	"handsetd/devices/cm109"
	"handsetd/devices/keymap"
	"handsetd/devices/models"
	"handsetd/devices/usbio"
	"handsetd/devices/yealink"
	"handsetd/hid/hotplug"
)

// vendorDriver opens a phone that usbhid ignores over its USB transport.
type vendorDriver func(ctx context.Context, tr usbio.Transport, m *models.Model, info devices.Info, s *Devices) (devices.Handset, error)

// vendorDrivers are the drivers for USB phones without a hidraw node, by
// model database driver name.
var vendorDrivers = map[string]vendorDriver{
	"cm109":       openCM109,
	"yealink-p1k": openYealink,
}

func openCM109(ctx context.Context, tr usbio.Transport, m *models.Model, info devices.Info, s *Devices) (devices.Handset, error) {
	cfg, err := cm109.ModelConfig(m)
	if err != nil {
		return nil, err
	}
	cfg.Info, cfg.Clock, cfg.Logger = info, s.opt.Clock, s.log.With("handset", info.Name)
	cfg.KeyMap = s.keyMap(cfg.KeyMap, m.ID)
	return cm109.New(ctx, tr, cfg)
}

func openYealink(ctx context.Context, tr usbio.Transport, m *models.Model, info devices.Info, s *Devices) (devices.Handset, error) {
	cfg, err := yealink.ModelConfig(m)
	if err != nil {
		return nil, err
	}
	cfg.Info, cfg.Clock, cfg.Logger = info, s.opt.Clock, s.log.With("handset", info.Name)
	cfg.KeyMap = s.keyMap(cfg.KeyMap, m.ID)
	return yealink.New(ctx, tr, cfg)
}

// keyMap lays the user's scancode entries for a model over the model's
// own key map.
func (s *Devices) keyMap(model map[string]string, id string) map[string]string {
	if s.opt.KeyMap == nil {
		return model
	}
	return keymap.Overlay(model, keymap.Scancodes(s.opt.KeyMap(id)))
}

func (s *Devices) usbDevice(d hotplug.Device) (daemon.Device, bool) {
	if s.opt.DB == nil {
		return daemon.Device{}, false
	}
	m, ok := s.opt.DB.Lookup(d.VendorID, d.ProductID)
	if !ok {
		return daemon.Device{}, false
	}
	open, ok := vendorDrivers[m.Driver]
	if !ok {
		return daemon.Device{}, false
	}
	bus, addr, ok := busAddress(d.DevNode)
	if !ok {
		s.log.Warn("USB phone without a device node", "sysfs", d.SysfsPath)
		return daemon.Device{}, false
	}
	info := devices.Info{
		Name:      m.Name,
		Model:     m.ID,
		Driver:    m.Driver,
		VendorID:  d.VendorID,
		ProductID: d.ProductID,
		Path:      d.DevNode,
		SysfsPath: d.SysfsPath,
	}
	return daemon.Device{
		ID:    d.SysfsPath,
		Label: fmt.Sprintf("%s %04x:%04x", d.DevNode, d.VendorID, d.ProductID),
		Open: func(ctx context.Context) (devices.Handset, error) {
			tr, err := usbio.Open(usbio.Options{VendorID: d.VendorID, ProductID: d.ProductID, Bus: bus, Address: addr, Interface: -1})
			if err != nil {
				return nil, fmt.Errorf("discover: open %s: %w", d.DevNode, err)
			}
			h, err := open(ctx, tr, m, info, s)
			if err != nil {
				tr.Close()
				return nil, err
			}
			return h, nil
		},
	}, true
}

// busAddress reads /dev/bus/usb/BBB/DDD.
func busAddress(node string) (bus, addr int, ok bool) {
	rest, found := strings.CutPrefix(node, "/dev/bus/usb/")
	if !found {
		return 0, 0, false
	}
	b, a, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, false
	}
	bus, err1 := strconv.Atoi(b)
	addr, err2 := strconv.Atoi(a)
	if err1 != nil || err2 != nil || bus <= 0 || addr <= 0 {
		return 0, 0, false
	}
	return bus, addr, true
}

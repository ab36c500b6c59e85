package discover

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"handsetd/daemon"
	"handsetd/devices"
	"handsetd/devices/models"
	"handsetd/devices/telephony"
	"handsetd/hid/hidraw"
	"handsetd/hid/hotplug"
	"handsetd/internal/clock"
)

// Options configure the real device sources.
type Options struct {
	DB     *models.DB
	Logger *slog.Logger
	Clock  clock.Clock
	// Telephony tunes the generic driver; KeyMap is filled per model by
	// KeyMap when set.
	Telephony telephony.Options
	// KeyMap returns the user's key map overrides for a model id ("" for a
	// device not in the database).
	KeyMap func(model string) map[string]string
	// Source is the libudev event source (udev by default; kernel where no
	// udevd runs).
	Source hotplug.Source
}

// Devices is the source of real handsets: hidraw nodes and vendor USB
// phones, now and on hotplug.
type Devices struct {
	opt Options
	log *slog.Logger

	mu    sync.Mutex
	known map[string]bool
	track hotplug.Tracker
}

var _ daemon.Source = (*Devices)(nil)

// NewDevices returns the real device source.
func NewDevices(opt Options) *Devices {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Clock == nil {
		opt.Clock = clock.Real
	}
	return &Devices{opt: opt, log: opt.Logger, known: map[string]bool{}}
}

// Run reports the handsets present, then those plugged in or out, until
// ctx ends.
func (s *Devices) Run(ctx context.Context, add func(daemon.Device), remove func(string)) error {
	mon, err := hotplug.NewMonitor(hotplug.Options{Source: s.opt.Source})
	if err != nil {
		return fmt.Errorf("discover: hotplug monitor: %w", err)
	}
	defer mon.Close()
	// Watch first, then list: a device plugged in between is seen twice
	// (and reported once) rather than missed.
	events := make(chan hotplug.Event, 64)
	monErr := make(chan error, 1)
	go func() {
		monErr <- mon.Run(ctx, func(ev hotplug.Event) {
			select {
			case events <- ev:
			case <-ctx.Done():
			}
		})
	}()
	present, err := hotplug.Enumerate()
	if err != nil {
		s.log.Error("cannot list devices", "err", err)
	}
	for _, d := range present {
		s.handle(ctx, hotplug.Event{Action: hotplug.Add, Device: d}, add, remove)
	}
	for {
		select {
		case ev := <-events:
			s.handle(ctx, ev, add, remove)
		case err := <-monErr:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("discover: hotplug monitor: %w", err)
		}
	}
}

func (s *Devices) handle(ctx context.Context, ev hotplug.Event, add func(daemon.Device), remove func(string)) {
	if !s.track.Observe(ev) {
		s.log.Debug("stale hotplug event ignored", "event", ev.String())
		return
	}
	s.mu.Lock()
	known := s.known[ev.SysfsPath]
	switch ev.Action {
	case hotplug.Add:
		s.mu.Unlock()
		if known {
			return
		}
		dev, ok := s.deviceFor(ev.Device)
		if !ok {
			return
		}
		s.mu.Lock()
		s.known[ev.SysfsPath] = true
		s.mu.Unlock()
		add(dev)
	case hotplug.Remove:
		delete(s.known, ev.SysfsPath)
		s.mu.Unlock()
		if known {
			remove(ev.SysfsPath)
		}
	default:
		s.mu.Unlock()
	}
}

// deviceFor decides whether a device is a handset and how to open it.
func (s *Devices) deviceFor(d hotplug.Device) (daemon.Device, bool) {
	switch {
	case d.Subsystem == "hidraw" && d.DevNode != "":
		return s.hidDevice(d)
	case d.Subsystem == "usb" && d.DevType == "usb_device":
		return s.usbDevice(d)
	}
	return daemon.Device{}, false
}

func (s *Devices) hidDevice(d hotplug.Device) (daemon.Device, bool) {
	var model *models.Model
	if s.opt.DB != nil {
		if m, ok := s.opt.DB.Lookup(d.VendorID, d.ProductID); ok {
			if m.Driver != telephony.DriverName {
				// A vendor phone that also has a HID interface: its
				// USB driver serves it.
				return daemon.Device{}, false
			}
			model = m
		}
	}
	mine, err := s.hidInfo(d.DevNode)
	if err != nil {
		s.log.Warn("cannot read HID device information", "node", d.DevNode, "err", err)
		return daemon.Device{}, false
	}
	telephonyPage := false
	for _, in := range mine {
		telephonyPage = telephonyPage || in.IsTelephony()
	}
	if model == nil && !telephonyPage {
		s.log.Debug("not a telephony device", "node", d.DevNode, "vid", fmt.Sprintf("%04x", d.VendorID), "pid", fmt.Sprintf("%04x", d.ProductID))
		return daemon.Device{}, false
	}
	first := mine[0]
	info := devices.Info{
		Name:      first.Product,
		Driver:    telephony.DriverName,
		VendorID:  first.VendorID,
		ProductID: first.ProductID,
		Serial:    first.Serial,
		Path:      d.DevNode,
		SysfsPath: d.SysfsPath,
	}
	if model != nil {
		info.Model = model.ID
		if info.Name == "" {
			info.Name = model.Name
		}
	}
	return daemon.Device{
		ID:    d.SysfsPath,
		Label: fmt.Sprintf("%s %04x:%04x", d.DevNode, d.VendorID, d.ProductID),
		Open: func(ctx context.Context) (devices.Handset, error) {
			return s.openHID(ctx, info, model)
		},
	}, true
}

func (s *Devices) openHID(ctx context.Context, info devices.Info, model *models.Model) (devices.Handset, error) {
	var dev *hidraw.Device
	var err error
	// udev may still be applying the uaccess ACL when the add event
	// arrives from the kernel source; a few short retries cover that.
	for attempt := 0; attempt < 5; attempt++ {
		dev, err = hidraw.Open(info.Path)
		if err == nil || ctx.Err() != nil {
			break
		}
		t := s.opt.Clock.NewTimer(time.Duration(attempt+1) * 50 * time.Millisecond)
		select {
		case <-t.C():
		case <-ctx.Done():
			t.Stop()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("discover: open %s: %w (is the udev rule installed? see README, Troubleshooting)", info.Path, err)
	}
	opts := s.opt.Telephony
	opts.Clock = s.opt.Clock
	opts.Logger = s.log.With("handset", info.Name)
	if s.opt.KeyMap != nil {
		opts.KeyMap = s.opt.KeyMap(info.Model)
	}
	h, err := telephony.Open(dev, info, model, opts)
	if err != nil {
		dev.Close()
		if errors.Is(err, telephony.ErrNotTelephony) {
			return nil, fmt.Errorf("discover: %s: %w", info.Path, err)
		}
		return nil, err
	}
	return h, nil
}

// hidInfoAttempts and hidInfoWait bound how long a new node may take to
// show up in hidapi's list: the add event can come before the node's
// parents carry everything hidapi reads.
const (
	hidInfoAttempts = 5
	hidInfoWait     = 40 * time.Millisecond
)

// hidInfo returns hidapi's entries (one per top-level collection) for a
// node.
func (s *Devices) hidInfo(node string) ([]hidraw.DeviceInfo, error) {
	for attempt := 1; ; attempt++ {
		infos, err := hidraw.Enumerate()
		if err != nil {
			return nil, err
		}
		var mine []hidraw.DeviceInfo
		for _, in := range infos {
			if in.Path == node {
				mine = append(mine, in)
			}
		}
		if len(mine) > 0 {
			return mine, nil
		}
		if attempt == hidInfoAttempts {
			return nil, fmt.Errorf("discover: %s is not in hidapi's device list", node)
		}
		t := s.opt.Clock.NewTimer(hidInfoWait)
		<-t.C()
	}
}

package simulate

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"handsetd/devices"
	"handsetd/devices/models"
	"handsetd/devices/telephony"
	"handsetd/internal/clock"
)

// Help lists the actions Do understands.
const Help = `actions: h (lift/replace), lift, replace, 0-9 * # (keys), m (mute), f (flash), r (redial), x (drop), help`

// Device is a simulated handset of any kind: the device side, which words
// of text drive, and the real driver of its kind opened on it. A terminal
// (handsetd run --simulate) treats a HID Telephony model, a CM109 phone
// and a Yealink P1K alike through it.
type Device interface {
	// Info describes the device as its driver reports it.
	Info() devices.Info
	// Model is the model database entry, or nil for a descriptor file.
	Model() *models.Model
	// Do performs the actions of one line of text (see Help) and returns
	// what it did, for the user to see. An unknown word, or a control the
	// device lacks (an error wrapping ErrNoControl), stops the line; the
	// actions before it have happened. A vendor phone's key is held until
	// its driver has read it, so Do waits for the driver's Run, until ctx
	// ends.
	Do(ctx context.Context, line string) ([]string, error)
	// Open opens the real driver on the simulated device. The device can
	// be opened again after the handset is closed.
	Open(ctx context.Context, opts Options) (devices.Handset, error)
}

// Options configure the driver that Open opens.
type Options struct {
	// KeyMap is the user's key map for the model, laid over the model's
	// own: control names ("flash") for HID models, scancodes ("0x88")
	// for vendor phones.
	KeyMap map[string]string
	// Logger receives the driver's diagnostics; nil discards them.
	Logger *slog.Logger
	// Clock times the driver; nil is the wall clock.
	Clock clock.Clock
	// Telephony tunes the generic driver of HID models (debounce, hook-on
	// window); its KeyMap, Logger and Clock are the ones above.
	Telephony telephony.Options
}

// ForModel returns a simulated device of a model in the database: a HID
// Telephony model with a bundled report descriptor, a CM109 phone or the
// Yealink USB-P1K.
func ForModel(m *models.Model) (Device, error) {
	switch m.Driver {
	case telephony.DriverName:
		desc, ok := Descriptor(m.VendorID, m.ProductID)
		if !ok {
			return nil, fmt.Errorf("simulate: no report descriptor is bundled for model %s", m.ID)
		}
		h, err := New(desc)
		if err != nil {
			return nil, err
		}
		h.model = m
		h.info = modelInfo(m)
		return h, nil
	case cm109Driver:
		return newCM109(m)
	case yealinkDriver:
		return newYealink(m)
	}
	return nil, fmt.Errorf("simulate: model %s uses the %s driver, which has no simulated device", m.ID, m.Driver)
}

// Supported reports whether ForModel can simulate m.
func Supported(m *models.Model) bool {
	switch m.Driver {
	case telephony.DriverName:
		_, ok := Descriptor(m.VendorID, m.ProductID)
		return ok
	case cm109Driver, yealinkDriver:
		return true
	}
	return false
}

// modelInfo is what a simulated device of model m reports.
func modelInfo(m *models.Model) devices.Info {
	return devices.Info{
		Name: m.Name, Model: m.ID, Driver: m.Driver, VendorID: m.VendorID, ProductID: m.ProductID,
		Path: "simulated", SysfsPath: "simulated:" + m.ID,
	}
}

// actor is what the words of a line do to a device; every kind of
// simulated device implements it in its own protocol.
type actor interface {
	offHook() bool
	lift(ctx context.Context) error
	replace(ctx context.Context) error
	// press presses and releases a keypad key: 0-9, * or #.
	press(ctx context.Context, key byte) error
	mute(ctx context.Context) error
	// button presses and releases ButtonFlash, ButtonRedial or
	// ButtonDrop.
	button(ctx context.Context, b devices.Button) error
}

// do performs the actions of one line on a.
func do(ctx context.Context, a actor, line string) ([]string, error) {
	var did []string
	for _, word := range strings.Fields(line) {
		w := strings.ToLower(word)
		var err error
		var what string
		switch w {
		case "h", "hook":
			if a.offHook() {
				err, what = a.replace(ctx), "handset replaced (on hook)"
			} else {
				err, what = a.lift(ctx), "handset lifted (off hook)"
			}
		case "lift", "off", "answer":
			err, what = a.lift(ctx), "handset lifted (off hook)"
		case "replace", "on", "hangup":
			err, what = a.replace(ctx), "handset replaced (on hook)"
		case "m", "mute":
			err, what = a.mute(ctx), "mute pressed"
		case "f", "flash":
			err, what = a.button(ctx, devices.ButtonFlash), "flash pressed"
		case "r", "redial":
			err, what = a.button(ctx, devices.ButtonRedial), "redial pressed"
		case "x", "drop":
			err, what = a.button(ctx, devices.ButtonDrop), "drop pressed"
		case "help", "?":
			did = append(did, Help)
			continue
		default:
			if !isKeys(w) {
				return did, fmt.Errorf("simulate: unknown action %q (%s)", word, Help)
			}
			for i := 0; i < len(w) && err == nil; i++ {
				err = a.press(ctx, w[i])
			}
			what = "keys " + w + " pressed"
		}
		if err != nil {
			return did, err
		}
		did = append(did, what)
	}
	return did, nil
}

func isKeys(w string) bool {
	for i := 0; i < len(w); i++ {
		if _, ok := keyUsage(w[i]); !ok {
			return false
		}
	}
	return w != ""
}

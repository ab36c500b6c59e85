package devices

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Handset is one plugged-in phone, whatever its protocol. Every driver
// (generic HID Telephony, CM109, Yealink P1K) implements it; the rest of the
// daemon knows handsets only through it.
type Handset interface {
	// Info describes the device; it does not change while the handset is open.
	Info() Info

	// Run reads the device and calls emit for every user event, in order,
	// until ctx ends (it then returns ctx.Err()) or the device fails (it
	// returns an error wrapping ErrGone when the device was unplugged). emit
	// is called from Run's goroutine and must not block for long.
	//
	// A key that is down when Run returns is released first: every
	// KeyDown is followed by exactly one KeyUp.
	Run(ctx context.Context, emit func(Event)) error

	// Indicators lists the indicators the device has.
	Indicators() []Indicator

	// SetIndicator switches one indicator. Setting one never disturbs
	// another (drivers keep a shadow of shared output reports). Setting an
	// indicator the device does not have returns an error wrapping
	// ErrUnsupported. Ring includes any cadence the hardware needs (a CM109
	// buzzer is toggled by the driver until Ring is set off).
	SetIndicator(ind Indicator, on bool) error

	// SetDisplay shows text (a caller's number) on devices with a display;
	// others return an error wrapping ErrUnsupported. Empty text clears it.
	SetDisplay(text string) error

	// Close switches every indicator off (buzzers included) and releases
	// the device. It is safe to call more than once and after Run returned.
	Close() error
}

// Info identifies an open handset.
type Info struct {
	// Name is the product name shown to the host (NAME <Name> (handsetd)).
	Name string `json:"name"`
	// Model is the model database id, or "" for a generic Telephony device
	// that is not in the database.
	Model     string `json:"model,omitempty"`
	Driver    string `json:"driver"`
	VendorID  uint16 `json:"vendor_id"`
	ProductID uint16 `json:"product_id"`
	Serial    string `json:"serial,omitempty"`
	// Path is what the driver opened: /dev/hidrawN or a usbfs node.
	Path string `json:"path"`
	// SysfsPath identifies the physical device across re-plugs and reused
	// /dev names; hotplug remove events are matched against it.
	SysfsPath string `json:"sysfs_path,omitempty"`
}

func (i Info) String() string {
	return fmt.Sprintf("%s [%04x:%04x] %s", i.Name, i.VendorID, i.ProductID, i.Path)
}

// Sentinel errors callers branch on.
var (
	// ErrGone means the device was unplugged or stopped answering.
	ErrGone = errors.New("devices: device gone")
	// ErrUnsupported means the device lacks the indicator or display.
	ErrUnsupported = errors.New("devices: not supported by this device")
)

// EventKind says what the user did.
type EventKind uint8

const (
	// HookOff: the handset was lifted (or a headset's call button asked to
	// go off hook).
	HookOff EventKind = iota + 1
	// HookOn: the handset was put down.
	HookOn
	// KeyDown and KeyUp carry Event.Key and Event.Button.
	KeyDown
	KeyUp
	// MuteToggle: a relative mute control asked to toggle mute.
	MuteToggle
	// MuteOn and MuteOff: an absolute mute control reported its state.
	MuteOn
	MuteOff
)

var eventKindNames = [...]string{"", "hook-off", "hook-on", "key-down", "key-up", "mute-toggle", "mute-on", "mute-off"}

func (k EventKind) String() string {
	if int(k) < len(eventKindNames) && k != 0 {
		return eventKindNames[k]
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// Button says which control a key event came from, independently of the
// phone-API key name the model's key map gives it.
type Button uint8

const (
	ButtonKey          Button = iota + 1 // keypad: 0-9, *, #, letters
	ButtonAnswer                         // answer / call / green / pickup
	ButtonDrop                           // drop / hang up / reject / red
	ButtonFlash                          // flash (R)
	ButtonRedial                         // redial
	ButtonVolumeUp                       // volume up
	ButtonVolumeDown                     // volume down
	ButtonProgrammable                   // programmable or brand key
	ButtonOther                          // any other key the key map names
)

var buttonNames = [...]string{"", "key", "answer", "drop", "flash", "redial", "volume-up", "volume-down", "programmable", "other"}

func (b Button) String() string {
	if int(b) < len(buttonNames) && b != 0 {
		return buttonNames[b]
	}
	return fmt.Sprintf("Button(%d)", uint8(b))
}

// Event is one user action on a handset.
type Event struct {
	Kind EventKind
	// Key is the phone-API key name for KeyDown/KeyUp: "0"-"9", "A"-"Z",
	// "#", "*", "+", "UP", "DOWN", "YES", "NO", "SKYPE" (docs/phone-api.md).
	Key    string
	Button Button
}

func (e Event) String() string {
	if e.Kind == KeyDown || e.Kind == KeyUp {
		return fmt.Sprintf("%s %s (%s)", e.Kind, e.Key, e.Button)
	}
	return e.Kind.String()
}

// Indicator is something the daemon shows on the handset.
type Indicator uint8

const (
	// Ring: the incoming-call indicator (LED Ring, a ring LED pattern).
	Ring Indicator = iota + 1
	// Ringer: the audible ringer or buzzer, with the driver's cadence.
	Ringer
	OffHook
	Mute
	Hold
	Microphone
	OnLine
)

var indicatorNames = [...]string{"", "ring", "ringer", "off-hook", "mute", "hold", "microphone", "on-line"}

func (i Indicator) String() string {
	if int(i) < len(indicatorNames) && i != 0 {
		return indicatorNames[i]
	}
	return fmt.Sprintf("Indicator(%d)", uint8(i))
}

// ParseIndicator is the inverse of Indicator.String.
func ParseIndicator(s string) (Indicator, error) {
	for i, n := range indicatorNames {
		if i != 0 && n == s {
			return Indicator(i), nil
		}
	}
	return 0, fmt.Errorf("devices: unknown indicator %q", s)
}

// ValidKeyName reports whether k is a phone-API key name.
func ValidKeyName(k string) bool {
	switch k {
	case "#", "*", "+", "UP", "DOWN", "YES", "NO", "SKYPE":
		return true
	}
	return len(k) == 1 && (k[0] >= '0' && k[0] <= '9' || k[0] >= 'A' && k[0] <= 'Z')
}

// ButtonForKey classifies a phone-API key name that a model's key map
// gives a control the driver has no class for of its own (a scancode the
// kernel's table lacks): "YES" answers, "NO" drops, "R" is flash, "+"
// redial, "SKYPE" the programmable key, digits, "*" and "#" the keypad,
// and any other name is ButtonOther. The phone layer treats the classes,
// not the names, as answer and drop, so a remapped key keeps working.
func ButtonForKey(name string) Button {
	switch {
	case name == "YES":
		return ButtonAnswer
	case name == "NO":
		return ButtonDrop
	case name == "R":
		return ButtonFlash
	case name == "+":
		return ButtonRedial
	case name == "SKYPE":
		return ButtonProgrammable
	case name == "#" || name == "*" || len(name) == 1 && name[0] >= '0' && name[0] <= '9':
		return ButtonKey
	}
	return ButtonOther
}

// RunGuard keeps a driver's promises about Run and Close (see Handset):
// one Run at a time, Close ends a running Run and waits for it to return,
// no Run starts after Close, and Close releases the device once however
// often it is called. Drivers build one with NewRunGuard when the device
// is open.
type RunGuard struct {
	closing   context.Context
	cancel    context.CancelFunc
	errClosed error
	errBusy   error

	run  sync.Mutex // held by Run for its whole life, and by Close from then on
	once sync.Once
	err  error
}

// NewRunGuard returns a guard whose Start fails with errClosed after Close
// and with errBusy while another Run is active: the driver's own
// sentinels, so that callers can tell its errors apart.
func NewRunGuard(errClosed, errBusy error) *RunGuard {
	g := &RunGuard{errClosed: errClosed, errBusy: errBusy}
	g.closing, g.cancel = context.WithCancel(context.Background())
	return g
}

// Start begins a Run. The context it returns ends with ctx and also when
// Close is called; end must be called when Run returns (defer it before
// anything Run releases on the way out, so that the release runs first).
func (g *RunGuard) Start(ctx context.Context) (_ context.Context, end func(), err error) {
	if !g.run.TryLock() {
		if g.Closed() {
			return nil, nil, g.errClosed
		}
		return nil, nil, g.errBusy
	}
	if g.Closed() {
		g.run.Unlock()
		return nil, nil, g.errClosed
	}
	ctx, stop := context.WithCancel(ctx)
	unhook := context.AfterFunc(g.closing, stop)
	return ctx, func() {
		unhook()
		stop()
		g.run.Unlock()
	}, nil
}

// Closed reports whether Close was called.
func (g *RunGuard) Closed() bool { return g.closing.Err() != nil }

// Stopped says why a Run with ctx (from Start) must stop: the closed
// error after Close, ctx's error once ctx ended, nil while neither. Run
// asks it when a read fails, since a cancelled read says only that it was
// cancelled.
func (g *RunGuard) Stopped(ctx context.Context) error {
	if g.Closed() {
		return g.errClosed
	}
	return ctx.Err()
}

// Close ends a running Run, waits for it to return and keeps any other
// from starting, then calls release, once: every call returns release's
// error. It must not be called from Run's emit, which Run is waiting on.
func (g *RunGuard) Close(release func() error) error {
	g.once.Do(func() {
		g.cancel()
		g.run.Lock() // never unlocked: no Run after Close
		g.err = release()
	})
	return g.err
}

package pa

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gordonklaus/portaudio"

	"handsetd/audio/card"
)

// Device is one PortAudio device.
type Device struct {
	Index int
	// Name is PortAudio's device name: for ALSA cards
	// "<card name>: <pcm name> (hw:N,M)", for JACK "system" or a client
	// name. It is what AUDIO_IN and AUDIO_OUT report to the host.
	Name string
	// HostAPI is PortAudio's host API name, e.g. "ALSA" or
	// "JACK Audio Connection Kit".
	HostAPI                  string
	MaxInputChannels         int
	MaxOutputChannels        int
	DefaultSampleRate        float64
	DefaultLowInputLatency   time.Duration
	DefaultLowOutputLatency  time.Duration
	DefaultHighInputLatency  time.Duration
	DefaultHighOutputLatency time.Duration
	info                     *portaudio.DeviceInfo
}

// Host API names as PortAudio spells them.
const (
	HostALSA = "ALSA"
	HostJACK = "JACK Audio Connection Kit"
)

func (d Device) String() string {
	return fmt.Sprintf("%q [%s] in %d out %d %g Hz", d.Name, d.HostAPI, d.MaxInputChannels, d.MaxOutputChannels, d.DefaultSampleRate)
}

// Errors callers branch on.
var (
	// ErrNoDevice means no device has the name asked for.
	ErrNoDevice = errors.New("pa: no such device")
	// ErrNoCardDevice means PortAudio lists no device of a card: the
	// card disappeared, or PortAudio was initialized before it appeared.
	ErrNoCardDevice = errors.New("pa: no portaudio device for the card")
)

// Devices lists PortAudio's devices.
func Devices() ([]Device, error) {
	if !initialized() {
		return nil, ErrNotInitialized
	}
	infos, err := portaudio.Devices()
	if err != nil {
		return nil, fmt.Errorf("pa: list devices: %w", err)
	}
	devs := make([]Device, 0, len(infos))
	for _, i := range infos {
		d := Device{
			Index:                    i.Index,
			Name:                     i.Name,
			MaxInputChannels:         i.MaxInputChannels,
			MaxOutputChannels:        i.MaxOutputChannels,
			DefaultSampleRate:        i.DefaultSampleRate,
			DefaultLowInputLatency:   i.DefaultLowInputLatency,
			DefaultLowOutputLatency:  i.DefaultLowOutputLatency,
			DefaultHighInputLatency:  i.DefaultHighInputLatency,
			DefaultHighOutputLatency: i.DefaultHighOutputLatency,
			info:                     i,
		}
		if i.HostApi != nil {
			d.HostAPI = i.HostApi.Name
		}
		devs = append(devs, d)
	}
	return devs, nil
}

// Direction says which side of a device is wanted.
type Direction uint8

const (
	Input Direction = iota + 1
	Output
)

func (d Device) has(dir Direction) bool {
	if dir == Input {
		return d.MaxInputChannels > 0
	}
	return d.MaxOutputChannels > 0
}

// Find returns the device named name that has the direction asked for.
// An exact name wins; otherwise a name may be given as "<host API>:<name>"
// ("JACK Audio Connection Kit:system") to tell apart devices with the same
// name in two host APIs.
func Find(devs []Device, name string, dir Direction) (Device, error) {
	for _, d := range devs {
		if d.Name == name && d.has(dir) {
			return d, nil
		}
	}
	for _, d := range devs {
		if d.HostAPI+":"+d.Name == name && d.has(dir) {
			return d, nil
		}
	}
	return Device{}, fmt.Errorf("%w: %q (%s)", ErrNoDevice, name, dir)
}

func (d Direction) String() string {
	switch d {
	case Input:
		return "input"
	case Output:
		return "output"
	}
	return "Direction(" + strconv.Itoa(int(d)) + ")"
}

// DevicesForCard picks the PortAudio input and output devices of an ALSA
// card: ALSA devices named "... (hw:N,0)" first (PCM 0 is where
// snd-usb-audio puts a handset's earpiece and microphone), then any device
// of the card's other PCMs ("(hw:N,M)"), then any device whose name
// contains the card's name (other host APIs). A card with only one
// direction returns the other as nil; a card with neither returns
// ErrNoCardDevice.
func DevicesForCard(devs []Device, c card.Card) (in, out *Device, err error) {
	pick := func(dir Direction) *Device {
		hw0 := "(hw:" + strconv.Itoa(c.Index) + ",0)"
		hw := "(hw:" + strconv.Itoa(c.Index) + ","
		rank := func(d Device) int {
			switch {
			case !d.has(dir):
				return 0
			case d.HostAPI == HostALSA && strings.HasSuffix(d.Name, hw0):
				return 3
			case d.HostAPI == HostALSA && strings.Contains(d.Name, hw):
				return 2
			case c.Name != "" && strings.Contains(d.Name, c.Name):
				return 1
			}
			return 0
		}
		var best *Device
		bestRank := 0
		for i := range devs {
			if r := rank(devs[i]); r > bestRank {
				best, bestRank = &devs[i], r
			}
		}
		if best == nil {
			return nil
		}
		d := *best
		return &d
	}
	in, out = pick(Input), pick(Output)
	if in == nil && out == nil {
		return nil, nil, fmt.Errorf("%w: %s", ErrNoCardDevice, c)
	}
	return in, out, nil
}

package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"handsetd/daemon"
	"handsetd/devices"
	"handsetd/devices/models"
	"handsetd/devices/simulate"
	"handsetd/devices/telephony"
)

// defaultSimModel is simulated by a bare --simulate: a headset with hook,
// mute, a keypad and every LED, so every feature can be tried.
const defaultSimModel = "jabra-evolve-link-ms"

// simulatedSource offers one simulated handset, driven from the terminal.
type simulatedSource struct {
	sim   *simulate.Handset
	info  devices.Info
	model *models.Model
	out   io.Writer
	outMu *sync.Mutex
	opts  telephony.Options
}

// newSimulatedSource builds the simulated handset for --simulate[=MODEL]:
// a model id from the database, or a report descriptor file.
func newSimulatedSource(env *cmdEnv, db *models.DB, which string) (*simulatedSource, error) {
	if which == "" {
		which = defaultSimModel
	}
	var desc []byte
	var model *models.Model
	info := devices.Info{Driver: telephony.DriverName, Path: "simulated"}
	if m, ok := db.ByID(which); ok {
		if m.Driver != telephony.DriverName {
			return nil, fmt.Errorf("model %s uses the %s driver; only HID Telephony models can be simulated here", which, m.Driver)
		}
		d, ok := simulate.Descriptor(m.VendorID, m.ProductID)
		if !ok {
			return nil, fmt.Errorf("no report descriptor is bundled for model %s; pass a .rdesc file instead", which)
		}
		desc, model = d, m
		info.Name, info.Model, info.VendorID, info.ProductID = m.Name, m.ID, m.VendorID, m.ProductID
	} else {
		d, err := os.ReadFile(which)
		if err != nil {
			return nil, fmt.Errorf("%q is neither a model id (see 'handsetd models') nor a readable descriptor file: %w", which, err)
		}
		desc = d
		info.Name = "Simulated handset"
	}
	info.SysfsPath = "simulated:" + which
	sim, err := simulate.New(desc)
	if err != nil {
		return nil, err
	}
	return &simulatedSource{sim: sim, info: info, model: model, out: env.stdout, outMu: &sync.Mutex{}}, nil
}

func (s *simulatedSource) printf(format string, args ...any) {
	s.outMu.Lock()
	defer s.outMu.Unlock()
	fmt.Fprintf(s.out, format, args...)
}

// Run offers the handset once; it stays until the daemon stops.
func (s *simulatedSource) Run(ctx context.Context, add func(daemon.Device), remove func(string)) error {
	add(daemon.Device{
		ID:    s.info.SysfsPath,
		Label: "simulated " + s.info.Name,
		Open: func(ctx context.Context) (devices.Handset, error) {
			h, err := telephony.Open(s.sim.Device(), s.info, s.model, s.opts)
			if err != nil {
				return nil, err
			}
			return &shownHandset{Handset: h, src: s}, nil
		},
	})
	<-ctx.Done()
	return nil
}

// readTerminal drives the handset from lines of text until in ends. It
// runs for the life of the process: stdin cannot be un-read.
func (s *simulatedSource) readTerminal(in io.Reader) {
	s.printf("simulated %s: type h to lift or replace the handset, digits for keys, m for mute, help for more; Enter after each line\n", s.info.Name)
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		did, err := s.sim.Do(line)
		for _, d := range did {
			s.printf("handset: %s\n", d)
		}
		if err != nil {
			s.printf("handset: %v\n", err)
		}
	}
}

// shownHandset prints what the daemon shows on the simulated handset.
type shownHandset struct {
	devices.Handset
	src *simulatedSource
}

func (h *shownHandset) SetIndicator(ind devices.Indicator, on bool) error {
	err := h.Handset.SetIndicator(ind, on)
	if err == nil {
		state := "off"
		if on {
			state = "on"
		}
		h.src.printf("handset: %s %s\n", ind, state)
	}
	return err
}

func (h *shownHandset) SetDisplay(text string) error {
	err := h.Handset.SetDisplay(text)
	if text != "" {
		h.src.printf("handset: caller %s\n", text)
	}
	return err
}

package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"handsetd/daemon"
	"handsetd/devices"
	"handsetd/devices/models"
	"handsetd/devices/simulate"
	"handsetd/devices/telephony"
)

// defaultSimModel is simulated by a bare --simulate: a headset with hook,
// mute, a keypad and every LED, so every feature can be tried.
const defaultSimModel = "jabra-evolve-link-ms"

// doTimeout bounds one line of terminal input: a vendor phone's key is
// held until the driver has read it, and a handset the daemon has not
// opened (or has given up) must not hang the terminal.
const doTimeout = 10 * time.Second

// simulatedSource offers one simulated handset, driven from the terminal.
type simulatedSource struct {
	sim   simulate.Device
	info  devices.Info
	out   io.Writer
	outMu *sync.Mutex
	// opts tunes the driver as the configuration says; its KeyMap and
	// Logger are the model's.
	opts telephony.Options
}

// newSimulatedSource builds the simulated handset for --simulate[=MODEL]:
// a model id from the database (a HID Telephony model with a bundled
// descriptor, a CM109 model or the Yealink USB-P1K), or a report
// descriptor file.
func newSimulatedSource(env *cmdEnv, db *models.DB, which string) (*simulatedSource, error) {
	if which == "" {
		which = defaultSimModel
	}
	var sim simulate.Device
	if m, ok := db.ByID(which); ok {
		if !simulate.Supported(m) {
			return nil, fmt.Errorf("model %s (driver %s) has no simulated device (no report descriptor is bundled for it); pass a .rdesc file instead", which, m.Driver)
		}
		d, err := simulate.ForModel(m)
		if err != nil {
			return nil, err
		}
		sim = d
	} else {
		desc, err := os.ReadFile(which)
		if err != nil {
			return nil, fmt.Errorf("%q is neither a model id (see 'handsetd models') nor a readable descriptor file: %w", which, err)
		}
		d, err := simulate.FromFile(desc, which)
		if err != nil {
			return nil, err
		}
		sim = d
	}
	return &simulatedSource{sim: sim, info: sim.Info(), out: env.stdout, outMu: &sync.Mutex{}}, nil
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
			h, err := s.sim.Open(ctx, simulate.Options{
				KeyMap: s.opts.KeyMap, Logger: s.opts.Logger, Clock: s.opts.Clock, Telephony: s.opts,
			})
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
		ctx, cancel := context.WithTimeout(context.Background(), doTimeout)
		did, err := s.sim.Do(ctx, line)
		cancel()
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

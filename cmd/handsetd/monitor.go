package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"handsetd/devices"
	"handsetd/devices/models"
	"handsetd/devices/telephony"
	"handsetd/hid"
	"handsetd/hid/hidraw"
	"handsetd/hid/hidtest"
)

func init() {
	register(&command{
		name:    "monitor",
		usage:   "monitor [--json] [--simulate=FILE.rdesc] [/dev/hidrawN]",
		summary: "print a handset's events as they happen and switch its indicators from typed commands",
		run:     runMonitor,
	})
}

const monitorHelp = `commands:
  ring|ringer|offhook|mute|hold|microphone|online on|off   switch an indicator
  display TEXT      show TEXT on the display (empty clears it)
  indicators        list the indicators the device has
  report HEX...     (with --simulate) play an input report, e.g. "report 02 01 00"
  help              this text
  quit              stop`

func runMonitor(ctx context.Context, env *cmdEnv, args []string) error {
	c := commands["monitor"]
	fs := newFlagSet(env, c)
	asJSON := fs.Bool("json", false, "print one JSON object per line")
	simulate := fs.String("simulate", "", "drive a simulated device with this report descriptor instead of hardware")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 1 || (*simulate != "" && fs.NArg() != 0) {
		return errUsage
	}

	db, err := models.Load(models.UserDir(env.getenv))
	if err != nil {
		// The builtin entries still load; say what was skipped.
		fmt.Fprintf(env.stderr, "handsetd monitor: %v\n", err)
	}
	var (
		dev  hid.Device
		info devices.Info
		sim  *hidtest.Device
	)
	if *simulate != "" {
		raw, err := readDescriptor(*simulate)
		if err != nil {
			return err
		}
		sim = hidtest.New(raw)
		dev = sim
		info = simulatedInfo(*simulate)
	} else {
		path := ""
		if fs.NArg() == 1 {
			path = fs.Arg(0)
		}
		dev, info, err = openHidraw(path)
		if err != nil {
			return err
		}
	}
	var model *models.Model
	if m, ok := db.Lookup(info.VendorID, info.ProductID); ok && m.Driver == telephony.DriverName {
		model = m
	}
	h, err := telephony.Open(dev, info, model, telephony.Options{})
	if err != nil {
		dev.Close()
		return fmt.Errorf("%s: %w", info.Path, err)
	}
	defer h.Close()
	in := env.stdin
	if f, ok := in.(*os.File); ok {
		in = &pollReader{ctx: ctx, f: f}
	}
	m := &monitor{h: h, in: in, out: env.stdout, json: *asJSON, now: time.Now, sim: sim}
	return m.run(ctx)
}

var usbIDName = regexp.MustCompile(`^([0-9a-fA-F]{4})-([0-9a-fA-F]{4})`)

// simulatedInfo names a simulated device after its descriptor file; a file
// named like testdata/hid/<vid>-<pid>.rdesc also gets that USB id, so the
// model database applies.
func simulatedInfo(file string) devices.Info {
	info := devices.Info{Name: "simulated " + filepath.Base(file), Path: "simulate:" + file}
	if m := usbIDName.FindStringSubmatch(filepath.Base(file)); m != nil {
		v, _ := strconv.ParseUint(m[1], 16, 16)
		p, _ := strconv.ParseUint(m[2], 16, 16)
		info.VendorID, info.ProductID = uint16(v), uint16(p)
		info.Name = ""
	}
	return info
}

// openHidraw opens path, or with path "" the first HID Telephony device.
func openHidraw(path string) (hid.Device, devices.Info, error) {
	list, err := hidraw.Enumerate()
	if err != nil && path == "" {
		return nil, devices.Info{}, err
	}
	infoOf := func(d hidraw.DeviceInfo) devices.Info {
		return devices.Info{Name: d.Product, VendorID: d.VendorID, ProductID: d.ProductID, Serial: d.Serial, Path: d.Path, SysfsPath: d.SysfsPath}
	}
	if path != "" {
		info := devices.Info{Path: path}
		for _, d := range list {
			if d.Path == path {
				info = infoOf(d)
				break
			}
		}
		dev, err := hidraw.Open(path)
		return dev, info, err
	}
	// Enumeration names each node's first collection; a device whose
	// telephony collection comes second is found by its descriptor.
	seen := map[string]bool{}
	for _, pass := range []bool{true, false} {
		for _, d := range list {
			if pass != d.IsTelephony() || seen[d.Path] {
				continue
			}
			seen[d.Path] = true
			dev, err := hidraw.Open(d.Path)
			if err != nil {
				continue
			}
			raw, err := dev.ReportDescriptor()
			if err == nil {
				if rd, err := hid.ParseReportDescriptor(raw); err == nil && rd.HasTelephony() {
					return dev, infoOf(d), nil
				}
			}
			dev.Close()
		}
	}
	return nil, devices.Info{}, errors.New("monitor: no HID Telephony device found")
}

// monitor is the interactive loop, separate from device discovery so that
// tests can drive it with any devices.Handset.
type monitor struct {
	h    devices.Handset
	in   io.Reader
	out  io.Writer
	json bool
	now  func() time.Time
	// sim, when set, is the simulated device behind h: "report" plays
	// input reports into it, and the output reports the driver writes are
	// printed.
	sim *hidtest.Device
}

// run prints events until ctx ends, the device goes away or "quit". End of
// input does not stop it: like evtest, it keeps printing events.
func (m *monitor) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	m.printInfo()
	events := make(chan devices.Event, 64)
	runDone := make(chan error, 1)
	lines := make(chan string)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		runDone <- m.h.Run(ctx, func(e devices.Event) { events <- e })
	}()
	go func() {
		defer wg.Done()
		defer close(lines)
		sc := bufio.NewScanner(m.in)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	// Stop both goroutines and wait; Run's last events (the releases it
	// owes) are still printed.
	finish := func(runErr error, runEnded bool) error {
		cancel()
		for !runEnded {
			select {
			case e := <-events:
				m.printEvent(e)
			case runErr = <-runDone:
				runEnded = true
			}
		}
		for len(events) > 0 {
			m.printEvent(<-events)
		}
		wg.Wait()
		if runErr != nil && !errors.Is(runErr, context.Canceled) {
			return runErr
		}
		return nil
	}

	for {
		select {
		case e := <-events:
			m.printEvent(e)
		case err := <-runDone:
			for len(events) > 0 {
				m.printEvent(<-events)
			}
			if errors.Is(err, devices.ErrGone) {
				// Unplugging ends monitoring; it is not a failure of the
				// command.
				m.print(map[string]any{"event": "gone", "error": err.Error()}, "device gone: %v", err)
				err = nil
			}
			return finish(err, true)
		case line, ok := <-lines:
			if !ok {
				lines = nil // end of input: keep monitoring
				continue
			}
			if quit := m.command(ctx, line, events); quit {
				return finish(nil, false)
			}
		case <-ctx.Done():
			return finish(nil, false)
		}
	}
}

func (m *monitor) printInfo() {
	info := m.h.Info()
	var inds []string
	for _, i := range m.h.Indicators() {
		inds = append(inds, i.String())
	}
	if m.json {
		m.writeJSON(map[string]any{"device": info, "indicators": inds})
		return
	}
	model := info.Model
	if model == "" {
		model = "not in the model database"
	}
	fmt.Fprintf(m.out, "device: %s\nmodel: %s, driver %s\nindicators: %s\ntype \"help\" for commands\n", info, model, info.Driver, strings.Join(inds, " "))
}

func (m *monitor) stamp() string { return m.now().Format("15:04:05.000000") }

func (m *monitor) writeJSON(v map[string]any) {
	v["time"] = m.now().Format(time.RFC3339Nano)
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(fmt.Sprintf(`{"error":%q}`, err.Error()))
	}
	fmt.Fprintf(m.out, "%s\n", b)
}

// print writes a JSON object or a time-stamped text line.
func (m *monitor) print(v map[string]any, format string, args ...any) {
	if m.json {
		m.writeJSON(v)
		return
	}
	fmt.Fprintf(m.out, "%s %s\n", m.stamp(), fmt.Sprintf(format, args...))
}

func (m *monitor) printEvent(e devices.Event) {
	v := map[string]any{"event": e.Kind.String()}
	if e.Kind == devices.KeyDown || e.Kind == devices.KeyUp {
		v["key"], v["button"] = e.Key, e.Button.String()
	}
	m.print(v, "%s", e)
}

var indicatorAliases = map[string]devices.Indicator{
	"ring": devices.Ring, "ringer": devices.Ringer,
	"offhook": devices.OffHook, "off-hook": devices.OffHook,
	"mute": devices.Mute, "hold": devices.Hold,
	"microphone": devices.Microphone, "mic": devices.Microphone,
	"online": devices.OnLine, "on-line": devices.OnLine,
}

// command runs one typed line and reports whether to quit.
func (m *monitor) command(ctx context.Context, line string, events <-chan devices.Event) bool {
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return false
	}
	reply := func(err error) {
		v := map[string]any{"command": line, "ok": err == nil}
		if err != nil {
			v["error"] = err.Error()
			m.print(v, "error: %v", err)
			return
		}
		if !m.json {
			fmt.Fprintf(m.out, "%s ok: %s\n", m.stamp(), line)
			return
		}
		m.writeJSON(v)
	}
	switch cmd := strings.ToLower(fields[0]); cmd {
	case "quit", "exit", "q":
		return true
	case "help", "?":
		if m.json {
			m.writeJSON(map[string]any{"help": monitorHelp})
		} else {
			fmt.Fprintln(m.out, monitorHelp)
		}
	case "indicators":
		var inds []string
		for _, i := range m.h.Indicators() {
			inds = append(inds, i.String())
		}
		m.print(map[string]any{"indicators": inds}, "indicators: %s", strings.Join(inds, " "))
	case "display":
		text := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), fields[0]))
		reply(m.h.SetDisplay(text))
	case "report", "input":
		if m.sim == nil {
			reply(errors.New("report needs --simulate"))
			break
		}
		b, err := hex.DecodeString(strings.Join(fields[1:], ""))
		if err != nil || len(b) == 0 {
			reply(fmt.Errorf("report: want hex bytes: %q", strings.Join(fields[1:], " ")))
			break
		}
		m.sim.Push(b)
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = m.sim.WaitIdle(wctx)
		cancel()
		// The driver has handled the report: print its events before
		// the output reports they caused.
		for len(events) > 0 {
			m.printEvent(<-events)
		}
		if err != nil {
			reply(err)
		}
	default:
		ind, ok := indicatorAliases[cmd]
		if !ok || len(fields) != 2 || (fields[1] != "on" && fields[1] != "off") {
			reply(fmt.Errorf("unknown command %q (try help)", line))
			break
		}
		reply(m.h.SetIndicator(ind, fields[1] == "on"))
	}
	m.printWrites()
	return false
}

// printWrites shows what the driver sent to a simulated device.
func (m *monitor) printWrites() {
	if m.sim == nil {
		return
	}
	for _, w := range m.sim.Writes() {
		m.print(map[string]any{"output": hex.EncodeToString(w.Data), "kind": w.Kind.String()}, "%s % x", w.Kind, w.Data)
	}
	m.sim.ResetWrites()
}

// pollReader reads a file (stdin) without blocking past ctx: it polls
// before each read, so that the goroutine reading it can be stopped and
// waited for even on a terminal, where a blocked read cannot be
// interrupted.
type pollReader struct {
	ctx context.Context
	f   *os.File
}

func (p *pollReader) Read(b []byte) (int, error) {
	fds := []unix.PollFd{{Fd: int32(p.f.Fd()), Events: unix.POLLIN}}
	for {
		if err := p.ctx.Err(); err != nil {
			return 0, io.EOF
		}
		n, err := unix.Poll(fds, 100)
		if errors.Is(err, unix.EINTR) || (err == nil && n == 0) {
			continue
		}
		// Readable, or not pollable (a regular file, where a read does
		// not block anyway).
		return p.f.Read(b)
	}
}

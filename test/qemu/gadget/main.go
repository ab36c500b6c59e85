package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

type options struct {
	configfs string   // usb_gadget directory
	udcClass string   // /sys/class/udc
	testdata string   // directory of the .rdesc files
	handsetd string   // the daemon binary
	extra    []string // more daemon arguments, after run --udev-source=kernel --bus=ADDRESS
	smoke    bool     // only check enumeration with "handsetd list --json"
	only     string   // run the scenarios up to and including this one
	step     time.Duration
	timeout  time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.configfs, "configfs", "/sys/kernel/config/usb_gadget", "configfs usb_gadget directory")
	flag.StringVar(&o.udcClass, "udc", "/sys/class/udc", "directory listing the USB device controllers")
	flag.StringVar(&o.testdata, "testdata", "/testdata", "directory holding the report descriptors")
	flag.StringVar(&o.handsetd, "handsetd", "/bin/handsetd", "the daemon binary")
	flag.Func("daemon-arg", "one more argument for handsetd run (repeatable), e.g. --log-level=debug", func(a string) error {
		o.extra = append(o.extra, a)
		return nil
	})
	flag.BoolVar(&o.smoke, "smoke", false, "only check that the kernel enumerates the handsets (handsetd list --json)")
	flag.StringVar(&o.only, "until", "", "stop after this scenario")
	flag.DurationVar(&o.step, "step", 20*time.Second, "limit for each step of a scenario")
	flag.DurationVar(&o.timeout, "timeout", 8*time.Minute, "limit for the whole run")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	err := run(ctx, o)
	cancel()
	if err != nil {
		fmt.Printf("qemutest: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	udcs, err := UDCs(o.udcClass)
	if err != nil {
		return err
	}
	fmt.Printf("qemutest: device controllers %v\n", udcs)
	if len(udcs) < 2 {
		return fmt.Errorf("%w: have %v, need two (dummy_hcd num=2)", ErrNoUDC, udcs)
	}
	jabra, err := NewHandset("jabra", o.configfs, udcs[0], o.testdata+"/0b0e-0307.rdesc", 0x0b0e, 0x0307, "Jabra", "Jabra EVOLVE LINK MS")
	if err != nil {
		return err
	}
	poly, err := NewHandset("poly", o.configfs, udcs[1], o.testdata+"/047f-c053.rdesc", 0x047f, 0xc053, "Plantronics", "Plantronics Blackwire 5220 Series")
	if err != nil {
		return err
	}
	if o.smoke {
		return smoke(ctx, o, jabra, poly)
	}
	if len(udcs) < 3 {
		return fmt.Errorf("%w: have %v, need three (dummy_hcd num=3)", ErrNoUDC, udcs)
	}
	cm, err := NewCM109("cm109", o.configfs, udcs[2])
	if err != nil {
		return err
	}
	s := &suite{o: o, jabra: jabra, poly: poly, cm: cm, clients: map[string]string{}}
	return s.run(ctx)
}

// smoke plugs both handsets and checks that handsetd's own enumeration
// (hidapi over libudev, no udevd) sees them as telephony devices.
func smoke(ctx context.Context, o options, hs ...*Handset) error {
	for _, h := range hs {
		if err := h.Plug(ctx); err != nil {
			return err
		}
		defer h.Unplug()
	}
	type listed struct {
		Path      string `json:"path"`
		VendorID  uint16 `json:"vendor_id"`
		ProductID uint16 `json:"product_id"`
		Product   string `json:"product"`
		Telephony bool   `json:"telephony"`
	}
	var got []listed
	err := poll(ctx, func() (bool, error) {
		out, err := exec.CommandContext(ctx, o.handsetd, "list", "--json").Output()
		if err != nil {
			return false, fmt.Errorf("handsetd list: %w", err)
		}
		got = nil
		if err := json.Unmarshal(out, &got); err != nil {
			return false, fmt.Errorf("handsetd list: %w: %s", err, out)
		}
		return len(got) == len(hs), nil
	})
	if err != nil {
		return scenario("enumerate", err)
	}
	for _, h := range hs {
		found := false
		for _, l := range got {
			if l.VendorID == h.g.VendorID && l.ProductID == h.g.ProductID {
				found = true
				if l.Product != h.g.Product || !l.Telephony || !strings.HasPrefix(l.Path, "/dev/hidraw") {
					return scenario("enumerate", fmt.Errorf("%s listed as %+v, want %q, telephony, on /dev/hidrawN", h.Label, l, h.g.Product))
				}
			}
		}
		if !found {
			return scenario("enumerate", fmt.Errorf("%s %04x:%04x not listed: %+v", h.Label, h.g.VendorID, h.g.ProductID, got))
		}
	}
	return scenario("enumerate", nil)
}

// scenario prints a scenario's result line and passes its error on.
func scenario(name string, err error) error {
	if err != nil {
		fmt.Printf("SCENARIO %s: FAIL: %v\n", name, err)
		return fmt.Errorf("scenario %s failed", name)
	}
	fmt.Printf("SCENARIO %s: PASS\n", name)
	return nil
}

// Daemon is the handsetd process under test.
type Daemon struct {
	cmd  *exec.Cmd
	wg   sync.WaitGroup // the output copiers
	done chan struct{}
	err  error // valid after done is closed
}

// StartDaemon starts the daemon with its output prefixed on ours.
func StartDaemon(exe string, args []string) (*Daemon, error) {
	d := &Daemon{cmd: exec.Command(exe, args...), done: make(chan struct{})}
	stdout, err := d.cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("qemutest: %w", err)
	}
	stderr, err := d.cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("qemutest: %w", err)
	}
	fmt.Printf("qemutest: starting %s %s\n", exe, strings.Join(args, " "))
	if err := d.cmd.Start(); err != nil {
		return nil, fmt.Errorf("qemutest: start handsetd: %w", err)
	}
	for _, r := range []io.Reader{stdout, stderr} {
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			sc := bufio.NewScanner(r)
			sc.Buffer(make([]byte, 64*1024), 1024*1024)
			for sc.Scan() {
				fmt.Printf("handsetd| %s\n", sc.Text())
			}
		}()
	}
	go func() {
		d.wg.Wait()
		d.err = d.cmd.Wait()
		close(d.done)
	}()
	return d, nil
}

// Done is closed when the daemon has exited.
func (d *Daemon) Done() <-chan struct{} { return d.done }

// Stop asks the daemon to stop (SIGTERM), kills it after grace, and
// returns its exit error; a daemon that needed killing is an error.
func (d *Daemon) Stop(grace time.Duration) error {
	select {
	case <-d.done:
		return fmt.Errorf("qemutest: handsetd exited early: %v", d.err)
	default:
	}
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("qemutest: stop handsetd: %w", err)
	}
	select {
	case <-d.done:
		if d.err != nil {
			return fmt.Errorf("qemutest: handsetd exited with %w", d.err)
		}
		return nil
	case <-time.After(grace):
		d.cmd.Process.Kill()
		<-d.done
		return errors.New("qemutest: handsetd did not stop within " + grace.String() + " of SIGTERM")
	}
}

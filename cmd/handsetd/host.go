package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"handsetd/phoneapi/phoneapitest"
)

func init() {
	register(&command{
		name:    "host",
		usage:   "host [--bus=session|system|ADDRESS | --new-bus] [--script=incoming|missed|waiting|outgoing] [--pause=D]",
		summary: "act as the softphone: print the commands handsets send, ring, answer and hang up from the keyboard",
		run:     runHost,
	})
}

const hostHelp = `commands:
  ring [caller [display name]]  an incoming call (default caller echo123)
  answer                        answer the ringing call (the partner answers an outgoing one)
  hangup                        end the current call (refuse it while it rings)
  missed                        the partner gives up on the ringing call
  hold | resume                 put the active call on hold, resume the held one
  mute on|off                   set the softphone's mute
  outgoing <number>             place a call, as if dialled in the softphone
  calls | clients               list calls, attached handsets
  help | quit`

// syncWriter serializes output from the reader loop and the bus goroutines
// that report commands and notifications.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) printf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.w, format, args...)
}

// busAddress turns --bus into an address the way D-Bus clients do.
func busAddress(env *cmdEnv, bus string) (string, error) {
	switch bus {
	case "", "session":
		a := env.getenv("DBUS_SESSION_BUS_ADDRESS")
		if a == "" {
			return "", errors.New("no session bus: DBUS_SESSION_BUS_ADDRESS is not set (use --bus=ADDRESS or --new-bus)")
		}
		return a, nil
	case "system":
		if a := env.getenv("DBUS_SYSTEM_BUS_ADDRESS"); a != "" {
			return a, nil
		}
		return "unix:path=/var/run/dbus/system_bus_socket", nil
	}
	if !strings.Contains(bus, ":") {
		return "", fmt.Errorf("--bus=%q: want session, system or a D-Bus address", bus)
	}
	return bus, nil
}

func runHost(ctx context.Context, env *cmdEnv, args []string) error {
	c := commands["host"]
	fs := newFlagSet(env, c)
	bus := fs.String("bus", "session", "bus to own com.Skype.API on: session, system or a D-Bus address")
	newBus := fs.Bool("new-bus", false, "start a private dbus-daemon and print its address (for trying the daemon without a desktop session)")
	script := fs.String("script", "", "play a scenario and exit: "+strings.Join(phoneapitest.Scripts, ", "))
	pause := fs.Duration("pause", 2*time.Second, "pause between the steps of a script")
	clients := fs.Int("clients", 1, "with --script, how many handsets to wait for before playing")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return errUsage
	}
	out := &syncWriter{w: env.stdout}

	var addr string
	if *newBus {
		b, err := phoneapitest.StartDaemon(ctx)
		if err != nil {
			return err
		}
		defer b.Close()
		addr = b.Address
		out.printf("bus: %s\n", addr)
	} else {
		a, err := busAddress(env, *bus)
		if err != nil {
			return err
		}
		addr = a
	}

	h, err := phoneapitest.Start(ctx, addr,
		phoneapitest.OnCommand(func(r phoneapitest.Received) {
			out.printf("%s -> %s\n", r.Sender, r.Line)
		}),
		phoneapitest.OnNotify(func(dest, line string) {
			out.printf("%s <- %s\n", dest, line)
		}),
	)
	if err != nil {
		return err
	}
	defer h.Close()
	out.printf("host: owning com.Skype.API as %s\n", h.UniqueName())

	if *script != "" {
		out.printf("host: waiting for %d handset(s) to attach\n", *clients)
		if _, err := h.WaitClients(ctx, *clients); err != nil {
			return err
		}
		out.printf("host: playing %s\n", *script)
		if err := h.Play(ctx, *script, *pause); err != nil {
			return err
		}
		out.printf("host: %s done\n", *script)
		return nil
	}

	// The reader goroutine ends at EOF; a terminal read cannot be
	// interrupted, so on quit by signal it is left to end with the process.
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(env.stdin)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	out.printf("%s\n", hostHelp)
	for {
		select {
		case <-ctx.Done():
			return nil
		case l, ok := <-lines:
			if !ok {
				out.printf("host: no more input; serving until interrupted\n")
				lines = nil
				continue
			}
			quit, err := hostCommand(ctx, h, out, l)
			if err != nil {
				out.printf("host: %v\n", err)
			}
			if quit {
				return nil
			}
		}
	}
}

// hostCommand runs one keyboard line.
func hostCommand(ctx context.Context, h *phoneapitest.Host, out *syncWriter, line string) (quit bool, err error) {
	f := strings.Fields(line)
	if len(f) == 0 {
		return false, nil
	}
	find := func(what string) (int, error) {
		id, ok := h.Find(what)
		if !ok {
			return 0, fmt.Errorf("no %s call", what)
		}
		return id, nil
	}
	switch f[0] {
	case "ring":
		caller, disp := "echo123", "Echo / Sound Test Service"
		if len(f) > 1 {
			caller, disp = f[1], strings.Join(f[2:], " ")
		}
		_, err = h.Ring(ctx, caller, disp)
	case "answer":
		var id int
		if id, err = find("ringing"); err == nil {
			err = h.Answer(ctx, id)
		}
	case "hangup":
		var id int
		if id, err = find("current"); err == nil {
			err = h.End(ctx, id)
		}
	case "missed":
		var id int
		if id, err = find("ringing"); err == nil {
			err = h.Hangup(ctx, id)
		}
	case "hold":
		var id int
		if id, err = find("active"); err == nil {
			err = h.Hold(ctx, id)
		}
	case "resume":
		var id int
		if id, err = find("held"); err == nil {
			err = h.Resume(ctx, id)
		}
	case "mute":
		if len(f) != 2 || (f[1] != "on" && f[1] != "off") {
			return false, errors.New("usage: mute on|off")
		}
		err = h.SetMute(ctx, f[1] == "on")
	case "outgoing":
		if len(f) != 2 {
			return false, errors.New("usage: outgoing <number>")
		}
		_, err = h.Place(ctx, f[1])
	case "calls":
		for _, c := range h.Calls() {
			out.printf("call %d %s %s %s %q\n", c.ID, c.Type, c.Status, c.Partner, c.DispName)
		}
	case "clients":
		for _, c := range h.Clients() {
			out.printf("client %s %q protocol %d\n", c.Sender, c.Name, c.Protocol)
		}
	case "help":
		out.printf("%s\n", hostHelp)
	case "quit", "exit":
		return true, nil
	default:
		return false, fmt.Errorf("unknown command %q (try help)", f[0])
	}
	return false, err
}

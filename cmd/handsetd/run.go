package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"handsetd/audio/route"
	"handsetd/config"
	"handsetd/daemon"
	"handsetd/devices"
	"handsetd/devices/models"
	"handsetd/devices/telephony"
	"handsetd/discover"
	"handsetd/hid/hotplug"
	"handsetd/internal/sdnotify"
	"handsetd/phone"
	"handsetd/phoneapi/session"
)

func init() {
	register(&command{
		name:    "run",
		usage:   "run [--bus=session|system|ADDRESS] [--host=phoneapi|baresip[:ADDRESS]] [--mode=phone|access] [--config FILE] [--simulate[=MODEL|FILE]] [--log-format=text|json] [--log-level=LEVEL]",
		summary: "serve every USB handset plugged in, now and later (the default command)",
		run:     runDaemon,
	})
}

// commonFlags are the flags of every command that talks to a bus or logs.
type commonFlags struct {
	bus, host, mode, configPath, logFormat, logLevel string
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.bus, "bus", "", "D-Bus bus: session (default), system, or an address such as unix:path=/run/...")
	fs.StringVar(&c.host, "host", "", "the softphone: phoneapi (the phone API over D-Bus; default) or baresip[:ADDRESS] (baresip's ctrl_tcp, default 127.0.0.1:4444; implies access mode)")
	fs.StringVar(&c.mode, "mode", "", "phone (report hook, keys and mute; default) or access (answer, dial and hang up)")
	fs.StringVar(&c.configPath, "config", "", "configuration file (default $XDG_CONFIG_HOME/handsetd/handsetd.conf)")
	fs.StringVar(&c.logFormat, "log-format", "", "log format: text (default) or json")
	fs.StringVar(&c.logLevel, "log-level", "", "log level: debug, info (default), warn or error")
}

// load reads the configuration file and lays the flags that were given
// over it.
func (c *commonFlags) load(env *cmdEnv) (*config.Config, error) {
	path, explicit := c.configPath, c.configPath != ""
	if !explicit {
		path = config.DefaultPath(env.getenv)
	}
	var cfg *config.Config
	if path == "" {
		cfg = config.Default()
	} else {
		var err error
		if cfg, err = config.Load(path, explicit); err != nil {
			return nil, err
		}
	}
	over := []struct {
		flag string
		dst  *string
		ok   func(string) bool
	}{
		{c.bus, &cfg.Bus, func(v string) bool { return v != "" }},
		{c.host, &cfg.Host, func(v string) bool { return v != "" }},
		{c.mode, &cfg.Mode, func(v string) bool { return v == "phone" || v == "access" }},
		{c.logFormat, &cfg.LogFormat, func(v string) bool { return v == "text" || v == "json" }},
		{c.logLevel, &cfg.LogLevel, func(v string) bool { _, err := parseLevel(v); return err == nil }},
	}
	for _, o := range over {
		if o.flag == "" {
			continue
		}
		if !o.ok(o.flag) {
			return nil, fmt.Errorf("%w: invalid value %q", errUsage, o.flag)
		}
		*o.dst = o.flag
	}
	return cfg, nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	err := l.UnmarshalText([]byte(s))
	return l, err
}

// newLogger logs to stderr, one record per line (journald keeps each as
// one entry; json for log collectors).
func newLogger(w io.Writer, format, level string) *slog.Logger {
	lvl, err := parseLevel(level)
	if err != nil {
		lvl = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// simulateFlag is --simulate or --simulate=MODEL: a flag that may stand
// alone.
type simulateFlag struct {
	set   bool
	model string
}

func (f *simulateFlag) String() string   { return f.model }
func (f *simulateFlag) IsBoolFlag() bool { return true }
func (f *simulateFlag) Set(v string) error {
	f.set = true
	if v != "true" {
		f.model = v
	}
	if v == "false" {
		f.set, f.model = false, ""
	}
	return nil
}

func runDaemon(ctx context.Context, env *cmdEnv, args []string) error {
	fs := newFlagSet(env, commands["run"])
	var cf commonFlags
	cf.register(fs)
	var sim simulateFlag
	fs.Var(&sim, "simulate", "use a simulated handset driven from the terminal instead of real ones (a model id from 'handsetd models' or a .rdesc file; default "+defaultSimModel+")")
	udevSource := fs.String("udev-source", "udev", "libudev event source: udev, or kernel where no udevd runs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errUsage
	}
	if *udevSource != string(hotplug.SourceUdev) && *udevSource != string(hotplug.SourceKernel) {
		return fmt.Errorf("%w: --udev-source=%q: want udev or kernel", errUsage, *udevSource)
	}
	cfg, err := cf.load(env)
	if err != nil {
		return err
	}
	log := newLogger(env.stderr, cfg.LogFormat, cfg.LogLevel)

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	db, err := models.Load(models.UserDir(env.getenv))
	if err != nil {
		// Load still returns the builtin database; a bad user file is
		// reported and skipped.
		log.Warn("model database", "err", err)
	}
	var simSrc *simulatedSource
	if sim.set {
		if simSrc, err = newSimulatedSource(env, db, sim.model); err != nil {
			return err
		}
		go simSrc.readTerminal(env.stdin)
	}

	ready := false
	for {
		d, err := buildDaemon(env, cfg, db, log, simSrc, hotplug.Source(*udevSource))
		if err != nil {
			return err
		}
		dctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			d.Run(dctx)
		}()
		if !ready {
			ready = true
			if sent, err := sdnotify.Notify(env.getenv, "READY=1"); err != nil {
				log.Warn("sd_notify failed", "err", err)
			} else if sent {
				go sdnotify.Watchdog(ctx, env.getenv, sdnotify.WatchdogInterval(env.getenv, os.Getpid()))
			}
			log.Info("handsetd ready", "mode", cfg.Mode, "bus", cfg.Bus)
		}
		reload := false
		for !reload {
			select {
			case <-ctx.Done():
				sdnotify.Notify(env.getenv, "STOPPING=1")
				log.Info("stopping")
				stop()
				<-done
				return nil
			case <-hup:
				newCfg, err := cf.load(env)
				if err != nil {
					log.Error("configuration not reloaded", "err", err)
					continue
				}
				sdnotify.Notify(env.getenv, "RELOADING=1")
				log.Info("reloading configuration")
				cfg, reload = newCfg, true
				log = newLogger(env.stderr, cfg.LogFormat, cfg.LogLevel)
			}
		}
		stop()
		<-done
		sdnotify.Notify(env.getenv, "READY=1")
	}
}

// driverWindow turns a configured window (-1: the model's own, 0: off)
// into the driver's convention (0: the model's own, negative: off).
func driverWindow(d time.Duration) time.Duration {
	switch {
	case d < 0:
		return 0
	case d == 0:
		return -1
	}
	return d
}

// buildDaemon assembles the daemon from the configuration.
func buildDaemon(env *cmdEnv, cfg *config.Config, db *models.DB, log *slog.Logger, sim *simulatedSource, udevSource hotplug.Source) (*daemon.Daemon, error) {
	mode, err := phone.ParseMode(cfg.Mode)
	if err != nil {
		return nil, err
	}
	tel := telephony.Options{
		Debounce:                driverWindow(cfg.Debounce),
		HookOnIgnoreAfterAnswer: driverWindow(cfg.HookOnIgnore),
	}
	var src daemon.Source
	if sim != nil {
		sim.opts = tel
		sim.opts.Logger = log.With("handset", sim.info.Name)
		sim.opts.KeyMap = cfg.KeyMap(sim.info.Model)
		src = sim
	} else {
		src = discover.NewDevices(discover.Options{
			DB:        db,
			Logger:    log,
			Telephony: tel,
			KeyMap:    cfg.KeyMap,
			Source:    udevSource,
		})
	}
	var newHost func(string) daemon.HostSession
	if strings.HasPrefix(cfg.Host, "baresip") {
		if newHost, err = baresipHosts(cfg.Host, log); err != nil {
			return nil, err
		}
		// baresip offers call control only: the phone drives it.
		mode = phone.ModeAccess
	} else if cfg.Host == "phoneapi" {
		bus, err := busAddress(env, cfg.Bus)
		if err != nil {
			return nil, err
		}
		newHost = daemon.PhoneAPIHosts(session.Config{Bus: bus, Logger: log})
	} else {
		return nil, fmt.Errorf("%w: host %q: want phoneapi or baresip[:ADDRESS]", errUsage, cfg.Host)
	}
	return daemon.New(daemon.Config{
		Sources: []daemon.Source{src},
		NewHost: newHost,
		Mode:    mode,
		Logger:  log,
		Audio:   handsetAudio(cfg.Audio, log),

		ProgressTones:       cfg.Audio.ProgressTones,
		DialToneInPhoneMode: cfg.Audio.DialTone == "always",
	}), nil
}

// handsetAudio opens each handset's audio route as the [audio] section
// says.
func handsetAudio(a config.Audio, log *slog.Logger) func(context.Context, devices.Info) (daemon.HandsetAudio, error) {
	return func(ctx context.Context, info devices.Info) (daemon.HandsetAudio, error) {
		r, err := route.Open(ctx, route.Config{
			Route:         a.Route,
			TonePlan:      a.TonePlan,
			DialTone:      a.DialTone,
			HandsetInput:  a.HandsetInput,
			HandsetOutput: a.HandsetOutput,
			HostInput:     a.HostInput,
			HostOutput:    a.HostOutput,
			Latency:       a.Latency,
			Logger:        log.With("handset", info.Name),
		}, info)
		if errors.Is(err, route.ErrOff) {
			return nil, daemon.ErrAudioOff
		}
		if err != nil {
			return nil, err
		}
		return r, nil
	}
}

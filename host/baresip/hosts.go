package baresip

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"handsetd/daemon"
	"handsetd/internal/clock"
)

// DefaultAddr is where ctrl_tcp listens unless ctrl_tcp_listen says
// otherwise (baresip listens on every interface; the daemon talks to the
// local one).
const DefaultAddr = "127.0.0.1:4444"

// Config configures the baresip host.
type Config struct {
	// Addr is ctrl_tcp's host:port. Empty means DefaultAddr.
	Addr string
	// Logger receives connection state and dropped messages.
	Logger *slog.Logger
	// Clock times the reconnect backoff. Nil means the wall clock.
	Clock clock.Clock
	// DialTimeout bounds a connect and the check that follows it. Zero
	// means 2 s.
	DialTimeout time.Duration
	// CommandTimeout bounds one translated command (up to three
	// ctrl_tcp round trips). Zero means 5 s.
	CommandTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait between reconnects.
	// Zero means 250 ms and 10 s.
	MinBackoff, MaxBackoff time.Duration
	// AudioDriver, when set, names the baresip audio module (alsa,
	// portaudio, pulse, ...) that AUDIO_IN and AUDIO_OUT switch to the
	// handset's devices with ausrc and auplay. Empty: the audio_source
	// and audio_player lines of baresip's config decide.
	AudioDriver string
}

func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = clock.Real
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = 2 * time.Second
	}
	if c.CommandTimeout == 0 {
		c.CommandTimeout = 5 * time.Second
	}
	if c.MinBackoff == 0 {
		c.MinBackoff = 250 * time.Millisecond
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = 10 * time.Second
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = c.MinBackoff
	}
	return c
}

// Hosts returns a daemon.Config.NewHost that gives every handset a
// session on one shared ctrl_tcp connection to baresip at cfg.Addr. The
// connection is opened when the first session runs and closed when the
// last one stops. The daemon must run in access mode (phone.ModeAccess):
// baresip has no phone mode, so the sessions refuse HOOK, BTN_PRESSED and
// MUTE.
func Hosts(cfg Config) func(name string) daemon.HostSession {
	cfg = cfg.withDefaults()
	h := newHub(cfg)
	return func(name string) daemon.HostSession {
		return newSession(h, name, cfg.Logger.With("session", name))
	}
}

// ParseHost reads the value of --host: "baresip" or "baresip:ADDRESS",
// where ADDRESS is host:port or a bare port on 127.0.0.1. ok is false for
// any other host (the phone API's "phoneapi", say), which is not an
// error.
func ParseHost(spec string) (addr string, ok bool, err error) {
	rest, found := strings.CutPrefix(spec, "baresip")
	if !found || (rest != "" && rest[0] != ':') {
		return "", false, nil
	}
	rest = strings.TrimPrefix(rest, ":")
	if rest == "" {
		return DefaultAddr, true, nil
	}
	if p, err := strconv.Atoi(rest); err == nil {
		if p <= 0 || p > 65535 {
			return "", true, fmt.Errorf("baresip: port %d out of range", p)
		}
		return net.JoinHostPort("127.0.0.1", rest), true, nil
	}
	host, port, err := net.SplitHostPort(rest)
	if err != nil {
		return "", true, fmt.Errorf("baresip: address %q: want host:port or a port: %w", rest, err)
	}
	if p, err := strconv.Atoi(port); err != nil || p <= 0 || p > 65535 {
		return "", true, fmt.Errorf("baresip: address %q: bad port %q", rest, port)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), true, nil
}

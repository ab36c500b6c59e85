package daemon

import (
	"context"
	"sync"

	"handsetd/phoneapi"
	"handsetd/phoneapi/session"
)

// PhoneAPIHosts returns a NewHost function that gives every handset its own
// phone-API session (its own D-Bus connection) configured from base, with
// the handset's name.
func PhoneAPIHosts(base session.Config) func(name string) HostSession {
	return func(name string) HostSession {
		cfg := base
		cfg.Name = name
		if cfg.Logger != nil {
			cfg.Logger = cfg.Logger.With("session", name)
		}
		return &phoneAPIHost{cfg: cfg}
	}
}

// phoneAPIHost runs a session.Session and pumps its ordered event stream
// into the phone.
type phoneAPIHost struct {
	cfg session.Config

	mu sync.Mutex
	s  *session.Session
}

func (h *phoneAPIHost) Send(ctx context.Context, c phoneapi.Command) (phoneapi.Message, error) {
	h.mu.Lock()
	s := h.s
	h.mu.Unlock()
	if s == nil {
		return nil, session.ErrNotAttached
	}
	return s.Send(ctx, c)
}

func (h *phoneAPIHost) Run(ctx context.Context, l HostListener) error {
	s, err := session.New(h.cfg)
	if err != nil {
		return err
	}
	h.mu.Lock()
	h.s = s
	h.mu.Unlock()
	pumped := make(chan struct{})
	go func() {
		defer close(pumped)
		for ev := range s.Events() {
			switch ev.Kind {
			case session.Attached:
				l.HostAttached(ctx)
			case session.Detached:
				l.HostDetached(ctx)
			case session.Notification:
				l.HostMessage(ctx, ev.Msg)
			}
		}
	}()
	err = s.Run(ctx)
	<-pumped
	return err
}

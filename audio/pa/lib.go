package pa

import (
	"errors"
	"fmt"
	"sync"

	"github.com/gordonklaus/portaudio"
)

var (
	libMu   sync.Mutex
	libRefs int
)

// ErrNotInitialized means a function that needs PortAudio was called
// without a matching Init.
var ErrNotInitialized = errors.New("pa: portaudio not initialized")

// Init initializes PortAudio once for the process; every successful Init
// must be matched by one Terminate. PortAudio scans its host APIs (ALSA,
// JACK, OSS) at initialization, so devices plugged in later appear only
// after the last Terminate and a new Init.
func Init() error {
	libMu.Lock()
	defer libMu.Unlock()
	if libRefs == 0 {
		if err := portaudio.Initialize(); err != nil {
			return fmt.Errorf("pa: initialize: %w", err)
		}
	}
	libRefs++
	return nil
}

// Terminate releases one Init. The last one closes PortAudio; streams must
// be closed before it.
func Terminate() error {
	libMu.Lock()
	defer libMu.Unlock()
	if libRefs == 0 {
		return ErrNotInitialized
	}
	libRefs--
	if libRefs == 0 {
		if err := portaudio.Terminate(); err != nil {
			return fmt.Errorf("pa: terminate: %w", err)
		}
	}
	return nil
}

func initialized() bool {
	libMu.Lock()
	defer libMu.Unlock()
	return libRefs > 0
}

// VersionText is PortAudio's version string.
func VersionText() string { return portaudio.VersionText() }

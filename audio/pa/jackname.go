package pa

/*
#cgo pkg-config: portaudio-2.0
#include <stdlib.h>
#include <pa_jack.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"
)

var (
	jackNameMu sync.Mutex
	jackName   *C.char // PortAudio keeps the pointer: never freed
)

// ErrInitialized means a setting that PortAudio reads at initialization was
// changed while it is initialized.
var ErrInitialized = errors.New("pa: portaudio already initialized")

// SetJackClientName sets the JACK client name PortAudio registers (default
// "PortAudio"), so that the daemon's ports are "handsetd:in_0" and two
// processes on one JACK server do not trip over each other's port names.
// It must be called before Init.
func SetJackClientName(name string) error {
	if initialized() {
		return ErrInitialized
	}
	jackNameMu.Lock()
	defer jackNameMu.Unlock()
	cs := C.CString(name)
	if e := C.PaJack_SetClientName(cs); e != C.paNoError {
		C.free(unsafe.Pointer(cs))
		return fmt.Errorf("pa: set jack client name %q: error %d", name, int(e))
	}
	// PortAudio stores the pointer, not a copy.
	old := jackName
	jackName = cs
	if old != nil {
		C.free(unsafe.Pointer(old))
	}
	return nil
}

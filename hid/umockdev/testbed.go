//go:build umockdev

package umockdev

/*
#cgo pkg-config: umockdev-1.0
#cgo LDFLAGS: -ldl
#include <stdlib.h>
#include "binding.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"unsafe"
)

// PreloadLibrary is the library a process must preload to see a testbed.
const PreloadLibrary = "libumockdev-preload.so.0"

// ErrNotPreloaded means the process does not run under umockdev-wrapper
// (or with PreloadLibrary in LD_PRELOAD), so the testbed would be invisible
// to the code under test.
var ErrNotPreloaded = errors.New("umockdev: not running under umockdev-wrapper (LD_PRELOAD of " + PreloadLibrary + ")")

// Testbed is a umockdev sandbox: a private /sys, /dev and udev event stream
// for this process and the children started with Env.
type Testbed struct {
	tb   *C.UMockdevTestbed
	root string

	mu       sync.Mutex
	closed   bool
	handsets []*Handset
	nextPort int // USB port of the next new handset (1-N)
	nextHID  int // sequence number of the next hid device (.000N)
	nextRaw  int // number of the next hidraw node
	nextDev  int // USB device number
}

// New creates an empty testbed. It fails with ErrNotPreloaded outside
// umockdev-wrapper.
func New() (*Testbed, error) {
	if C.hs_preloaded() == 0 {
		return nil, ErrNotPreloaded
	}
	tb := C.umockdev_testbed_new()
	if tb == nil {
		return nil, errors.New("umockdev: umockdev_testbed_new failed")
	}
	root := C.umockdev_testbed_get_root_dir(tb)
	t := &Testbed{tb: tb, root: C.GoString(root), nextPort: 1, nextHID: 1, nextDev: 2}
	C.g_free(C.gpointer(root))
	return t, nil
}

// Root is the testbed's directory, the value of UMOCKDEV_DIR.
func (t *Testbed) Root() string { return t.root }

// Env returns this process's environment prepared for a child process that
// must see the testbed: UMOCKDEV_DIR (which libumockdev sets only in the C
// environment, invisible to os.Environ) and LD_PRELOAD with the preload
// library.
func (t *Testbed) Env() []string {
	var env []string
	preload := ""
	for _, kv := range os.Environ() {
		switch {
		case strings.HasPrefix(kv, "UMOCKDEV_DIR="):
		case strings.HasPrefix(kv, "LD_PRELOAD="):
			preload = strings.TrimPrefix(kv, "LD_PRELOAD=")
		default:
			env = append(env, kv)
		}
	}
	if !strings.Contains(preload, "libumockdev-preload") {
		preload = strings.Trim(PreloadLibrary+":"+preload, ":")
	}
	return append(env, "UMOCKDEV_DIR="+t.root, "LD_PRELOAD="+preload)
}

// Command returns a command that runs in the testbed. Its process stays in
// this process's session: a child that called setsid would take a
// simulated node (a pty) as its controlling terminal and be killed on
// unplug.
func (t *Testbed) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = t.Env()
	return cmd
}

// AddFromString adds devices described in umockdev-record's format,
// parents first.
func (t *Testbed) AddFromString(s string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return errClosed
	}
	return t.addFromString(s)
}

func (t *Testbed) addFromString(s string) error {
	cs := C.CString(s)
	defer C.free(unsafe.Pointer(cs))
	if msg := C.hs_add_from_string(t.tb, cs); msg != nil {
		defer C.free(unsafe.Pointer(msg))
		return fmt.Errorf("umockdev: add devices: %s", C.GoString(msg))
	}
	return nil
}

// Uevent sends a uevent ("add", "remove", "change") for the device at
// sysfs path syspath (/sys/devices/...).
func (t *Testbed) Uevent(syspath, action string) {
	cp, ca := C.CString(syspath), C.CString(action)
	defer C.free(unsafe.Pointer(cp))
	defer C.free(unsafe.Pointer(ca))
	C.umockdev_testbed_uevent(t.tb, cp, ca)
}

// RemoveDevice removes a device's sysfs directory and node. Send the
// "remove" uevent first: it is built from the directory.
func (t *Testbed) RemoveDevice(syspath string) {
	cp := C.CString(syspath)
	defer C.free(unsafe.Pointer(cp))
	C.umockdev_testbed_remove_device(t.tb, cp)
}

// SetAttribute sets a sysfs attribute of a device.
func (t *Testbed) SetAttribute(syspath, name, value string) {
	cp, cn, cv := C.CString(syspath), C.CString(name), C.CString(value)
	defer C.free(unsafe.Pointer(cp))
	defer C.free(unsafe.Pointer(cn))
	defer C.free(unsafe.Pointer(cv))
	C.umockdev_testbed_set_attribute(t.tb, cp, cn, cv)
}

var errClosed = errors.New("umockdev: testbed closed")

// Close destroys the testbed and everything in it.
func (t *Testbed) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	hs := t.handsets
	t.mu.Unlock()
	for _, h := range hs {
		h.closeSlave()
	}
	C.g_object_unref(C.gpointer(t.tb))
	for _, h := range hs {
		h.release()
	}
	return nil
}

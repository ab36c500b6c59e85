//go:build umockdev

package umockdevtb

/*
#cgo pkg-config: umockdev-1.0
#include <umockdev.h>
#include <stdlib.h>

static const char *tb_error_message(GError *e) { return e ? e->message : "unknown error"; }
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"unsafe"
)

// ErrNotPreloaded means the process does not run under umockdev-wrapper, so
// libc calls would see the real /sys and a testbed would be pointless.
var ErrNotPreloaded = errors.New("umockdevtb: not running under umockdev-wrapper (LD_PRELOAD of libumockdev-preload)")

// Testbed is a simulated sysfs and /dev tree. Creating one points the
// preload library at it (UMOCKDEV_DIR, at the C level only).
type Testbed struct{ tb *C.UMockdevTestbed }

// New returns an empty testbed.
func New() (*Testbed, error) {
	// umockdev_in_mock_environment() looks for a path in LD_PRELOAD and
	// misses umockdev-wrapper's bare library name, so check for either.
	if C.umockdev_in_mock_environment() == 0 && !strings.Contains(os.Getenv("LD_PRELOAD"), "libumockdev-preload") {
		return nil, ErrNotPreloaded
	}
	tb := C.umockdev_testbed_new()
	if tb == nil {
		return nil, errors.New("umockdevtb: umockdev_testbed_new failed")
	}
	return &Testbed{tb: tb}, nil
}

// AddFromString adds devices described in umockdev-record format
// (paragraphs of P:, E:, A: lines; parents first).
func (t *Testbed) AddFromString(record string) error {
	// Go raw strings usually start with a newline; umockdev insists on P: first.
	cs := C.CString(strings.TrimLeft(record, "\n"))
	defer C.free(unsafe.Pointer(cs))
	var gerr *C.GError
	if C.umockdev_testbed_add_from_string(t.tb, cs, &gerr) == 0 {
		msg := C.GoString(C.tb_error_message(gerr))
		if gerr != nil {
			C.g_error_free(gerr)
		}
		return fmt.Errorf("umockdevtb: add_from_string: %s", msg)
	}
	return nil
}

// Remove removes a device (its /sys/devices/... path) and its children.
func (t *Testbed) Remove(syspath string) {
	cs := C.CString(syspath)
	defer C.free(unsafe.Pointer(cs))
	C.umockdev_testbed_remove_device(t.tb, cs)
}

// Close removes the testbed's tree.
func (t *Testbed) Close() {
	if t.tb != nil {
		C.g_object_unref(C.gpointer(t.tb))
		t.tb = nil
	}
}

//go:build umockdev

package umockdev

/*
#include <stdlib.h>
#include "binding.h"
*/
import "C"

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// Spec describes a simulated USB HID handset.
type Spec struct {
	VendorID, ProductID uint16
	Manufacturer        string
	Product             string
	Serial              string
	// Release is bcdDevice.
	Release uint16
	// Interface is the HID interface's bInterfaceNumber.
	Interface int
	// Descriptor is the HID report descriptor.
	Descriptor []byte
	// Features holds the feature reports HIDIOCGFEATURE returns, by
	// report ID (each includes its report ID byte). Feature reports the
	// host sets are stored here too, as a device would.
	Features map[byte][]byte
}

// SpecFromFile reads a report descriptor file named like the project's
// testdata, "<vid>-<pid>.rdesc" (hex), and returns a Spec for it with
// placeholder strings.
func SpecFromFile(path string) (Spec, error) {
	desc, err := os.ReadFile(path)
	if err != nil {
		return Spec{}, fmt.Errorf("umockdev: %w", err)
	}
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	vs, ps, ok := strings.Cut(base, "-")
	vid, err1 := strconv.ParseUint(vs, 16, 16)
	pid, err2 := strconv.ParseUint(ps, 16, 16)
	if !ok || err1 != nil || err2 != nil {
		return Spec{}, fmt.Errorf("umockdev: %s: file name is not <vid>-<pid>.rdesc", path)
	}
	return Spec{
		VendorID:     uint16(vid),
		ProductID:    uint16(pid),
		Manufacturer: "Simulated",
		Product:      fmt.Sprintf("Handset %04x:%04x", vid, pid),
		Serial:       fmt.Sprintf("SIM%04X%04X", vid, pid),
		Release:      0x0100,
		Interface:    3,
		Descriptor:   desc,
	}, nil
}

// TransferKind says how a report reached the simulated device.
type TransferKind uint8

// Transfer kinds.
const (
	// OutputWrite: an output report written with write(2) (hid_write).
	OutputWrite TransferKind = iota + 1
	// OutputIoctl: an output report sent with HIDIOCSOUTPUT.
	OutputIoctl
	// FeatureSet: a feature report sent with HIDIOCSFEATURE.
	FeatureSet
)

func (k TransferKind) String() string {
	switch k {
	case OutputWrite:
		return "output-write"
	case OutputIoctl:
		return "output-ioctl"
	case FeatureSet:
		return "feature-set"
	}
	return fmt.Sprintf("TransferKind(%d)", uint8(k))
}

// Transfer is one report the host sent to the device.
type Transfer struct {
	Kind TransferKind
	Data []byte
}

func (t Transfer) String() string { return fmt.Sprintf("%s % x", t.Kind, t.Data) }

// Handset is a simulated USB HID handset in a testbed: a usb_device, its
// usb_interface, the hid device and its hidraw node, as the kernel builds
// them. The hidraw node is a pty whose other end the Handset holds.
type Handset struct {
	tb   *Testbed
	spec Spec
	port int
	id   uintptr

	// DevNode is the hidraw node, /dev/hidrawN.
	DevNode string
	// SysfsPath is the hidraw node's sysfs path (/sys/devices/.../hidrawN).
	SysfsPath string
	// HIDSysfsPath and USBSysfsPath are its hid and usb_device parents.
	HIDSysfsPath string
	USBSysfsPath string
	// InterfaceSysfsPath is the usb_interface parent.
	InterfaceSysfsPath string
	// USBDevNode is the usb_device's usbfs node (/dev/bus/usb/001/NNN).
	USBDevNode string

	handler *C.UMockdevIoctlBase
	master  C.int
	// slave is the node's pty opened from this side: serveRead takes a
	// report's bytes out of the input queue the client polls with it.
	slave C.int

	injectMu sync.Mutex // one Inject at a time: queue order is byte order
	readMu   sync.Mutex // held while serving a read; closeSlave waits for it

	mu       sync.Mutex
	gone     bool
	features map[byte][]byte
	log      []Transfer
	next     int           // index of the next transfer Next returns
	notify   chan struct{} // closed when a transfer is logged
	// queue holds the injected reports not read yet, oldest first; their
	// bytes are in the pty, in the same order.
	queue [][]byte
	// taken is closed when a report leaves the queue or the handset is
	// unplugged, then replaced.
	taken chan struct{}
}

// MaxQueued is how many injected reports wait for the reader at most, as
// many as the kernel's hidraw keeps for each reader (HIDRAW_BUFFER_SIZE).
const MaxQueued = 64

// drainTimeout bounds the wait for a read report's bytes to reach the pty's
// input queue (milliseconds). They were written before the report was
// queued, so only a broken pty makes it expire.
const drainTimeout = 5000

// registry maps the ids the C handlers carry to handsets, so that a late
// callback after Close finds nothing instead of a freed object.
var registry sync.Map // uintptr -> *Handset

var lastID atomic.Uintptr

// AddHandset adds a handset on a new USB port; the testbed sends the "add"
// uevents, parents first. The node's handlers are in place before any of
// its entries exist, so a client may open it the moment it finds it.
func (t *Testbed) AddHandset(spec Spec) (*Handset, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, errClosed
	}
	port := t.nextPort
	t.nextPort++
	return t.plug(spec, port)
}

// Replug adds h's device again on the same USB port after Unplug, as the
// kernel does when the same handset is plugged back in: the usb_device keeps
// its sysfs path, while the hid device gets a new sequence number (so the
// hidraw node a new sysfs path) and the hidraw node a new name (umockdev
// cannot reuse a removed /dev name; the kernel would often reuse it).
func (t *Testbed) Replug(h *Handset) (*Handset, error) {
	h.mu.Lock()
	gone := h.gone
	h.mu.Unlock()
	if !gone {
		return nil, fmt.Errorf("umockdev: replug %s: still plugged in", h.DevNode)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, errClosed
	}
	return t.plug(h.spec, h.port)
}

// plug builds the device tree. t.mu is held.
func (t *Testbed) plug(spec Spec, port int) (*Handset, error) {
	seq, raw, devnum := t.nextHID, t.nextRaw, t.nextDev
	t.nextHID++
	t.nextRaw++
	t.nextDev++

	usb := fmt.Sprintf("/devices/pci0000:00/0000:00:14.0/usb1/1-%d", port)
	intf := fmt.Sprintf("%s/1-%d:1.%d", usb, port, spec.Interface)
	hidDev := fmt.Sprintf("%s/0003:%04X:%04X.%04X", intf, spec.VendorID, spec.ProductID, seq)
	rawDev := fmt.Sprintf("%s/hidraw/hidraw%d", hidDev, raw)
	usbNode := fmt.Sprintf("bus/usb/001/%03d", devnum)

	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	p("P: %s", usb)
	p("N: %s", usbNode)
	p("E: SUBSYSTEM=usb")
	p("E: DEVTYPE=usb_device")
	p("E: DEVNAME=/dev/%s", usbNode)
	p("E: PRODUCT=%x/%x/%x", spec.VendorID, spec.ProductID, spec.Release)
	p("E: BUSNUM=001")
	p("E: DEVNUM=%03d", devnum)
	p("A: idVendor=%04x", spec.VendorID)
	p("A: idProduct=%04x", spec.ProductID)
	p("A: bcdDevice=%04x", spec.Release)
	p("A: manufacturer=%s", escape(spec.Manufacturer))
	p("A: product=%s", escape(spec.Product))
	p("A: serial=%s", escape(spec.Serial))
	p("A: busnum=1")
	p("A: devnum=%d", devnum)
	p("A: dev=189:%d", devnum)
	p("")
	p("P: %s", intf)
	p("E: SUBSYSTEM=usb")
	p("E: DEVTYPE=usb_interface")
	p("E: INTERFACE=3/0/0")
	p("A: bInterfaceNumber=%02x", spec.Interface)
	p("A: bInterfaceClass=03")
	p("")
	p("P: %s", hidDev)
	p("E: SUBSYSTEM=hid")
	p("E: HID_ID=0003:%08X:%08X", spec.VendorID, spec.ProductID)
	p("E: HID_NAME=%s", strings.TrimSpace(spec.Manufacturer+" "+spec.Product))
	p("E: HID_PHYS=usb-0000:00:14.0-%d/input%d", port, spec.Interface)
	p("E: HID_UNIQ=%s", spec.Serial)
	p("E: MODALIAS=hid:b0003g0001v%08Xp%08X", spec.VendorID, spec.ProductID)
	p("H: report_descriptor=%s", strings.ToUpper(hex.EncodeToString(spec.Descriptor)))
	p("")
	p("P: %s", rawDev)
	p("N: hidraw%d", raw)
	p("E: SUBSYSTEM=hidraw")
	p("E: DEVNAME=/dev/hidraw%d", raw)
	p("A: dev=243:%d", raw)
	p("L: device=../../")

	h := &Handset{
		tb:                 t,
		spec:               spec,
		port:               port,
		id:                 lastID.Add(1),
		DevNode:            fmt.Sprintf("/dev/hidraw%d", raw),
		SysfsPath:          "/sys" + rawDev,
		HIDSysfsPath:       "/sys" + hidDev,
		InterfaceSysfsPath: "/sys" + intf,
		USBSysfsPath:       "/sys" + usb,
		USBDevNode:         "/dev/" + usbNode,
		features:           make(map[byte][]byte),
		notify:             make(chan struct{}),
		taken:              make(chan struct{}),
		master:             -1,
		slave:              -1,
	}
	for id, r := range spec.Features {
		h.features[id] = append([]byte(nil), r...)
	}
	cnode := C.CString(h.DevNode)
	defer C.free(unsafe.Pointer(cnode))

	// The handlers come first. A client can find the node the moment
	// its /dev entry or its sysfs directory exists - by its "add"
	// uevent, which adding the devices sends, or by scanning sysfs
	// without any uevent - and the preload connects every open of a
	// testbed node to the node's handler socket, or to umockdev's
	// fallback handler (which answers no hidraw ioctl) when that socket
	// does not exist yet. So the socket must listen before the node
	// exists; umockdev does not need the node to attach to its path.
	if err := t.attach(h, cnode); err != nil {
		return nil, err
	}
	if err := t.addFromString(b.String()); err != nil {
		t.detach(h, cnode)
		return nil, err
	}
	// The node is live from here on. Until Inject queues a report, the
	// handlers need neither descriptor below: a read finds the queue
	// empty and answers EAGAIN before it looks at the pty. umockdev
	// 0.17.16 made the pty raw when it created it; hs_make_raw only
	// makes sure of it.
	master := C.umockdev_testbed_get_dev_fd(t.tb, cnode)
	if master < 0 {
		return nil, t.abandon(h, fmt.Errorf("umockdev: %s is not a stream node", h.DevNode))
	}
	h.master = master
	// The testbed's fds must not leak into the programs a test starts:
	// the daemon under test would hold every handset's pty ends, which
	// umockdev opens without close-on-exec.
	closeOnExecAll()
	if r := C.hs_make_raw(master); r < 0 {
		return nil, t.abandon(h, fmt.Errorf("umockdev: %s: raw mode: %w", h.DevNode, syscall.Errno(-r)))
	}
	slave := C.hs_open_slave(master)
	if slave < 0 {
		return nil, t.abandon(h, fmt.Errorf("umockdev: %s: open pty: %w", h.DevNode, syscall.Errno(-slave)))
	}
	h.mu.Lock()
	h.slave = slave
	h.mu.Unlock()
	t.handsets = append(t.handsets, h)
	return h, nil
}

// attach attaches h's ioctl, read and write handler to its node's path
// before the node exists. t.mu is held.
func (t *Testbed) attach(h *Handset, cnode *C.char) error {
	registry.Store(h.id, h)
	var cerr *C.char
	h.handler = C.hs_attach(t.tb, cnode, C.uintptr_t(h.id), &cerr)
	if h.handler == nil {
		defer C.free(unsafe.Pointer(cerr))
		registry.Delete(h.id)
		return fmt.Errorf("umockdev: attach ioctl handler to %s: %s", h.DevNode, C.GoString(cerr))
	}
	// umockdev only warns when it cannot listen on the socket and
	// reports success all the same; a client would then reach the
	// fallback handler. The socket exists once it listens. (Detaching
	// would not undo such an attach: umockdev has no listener to cancel
	// for the path and fails on it, so the handler stays until Close.)
	sock := filepath.Join(t.root, "ioctl", h.DevNode)
	if fi, err := os.Stat(sock); err != nil || fi.Mode().Type() != os.ModeSocket {
		return t.abandon(h, fmt.Errorf("umockdev: attach ioctl handler to %s: no socket at %s", h.DevNode, sock))
	}
	return nil
}

// detach undoes attach for a node that was never added. t.mu is held.
func (t *Testbed) detach(h *Handset, cnode *C.char) {
	C.hs_detach(t.tb, cnode)
	h.release()
}

// abandon keeps a handset whose node was added but could not be finished
// as unplugged: its handlers answer as for a removed device, and Close
// releases them. It returns err. t.mu is held.
func (t *Testbed) abandon(h *Handset, err error) error {
	h.mu.Lock()
	h.gone = true
	h.mu.Unlock()
	t.handsets = append(t.handsets, h)
	return err
}

// escape protects backslashes, which umockdev's "A:" lines unescape.
func escape(s string) string { return strings.ReplaceAll(s, `\`, `\\`) }

// Spec returns what the handset was built from.
func (h *Handset) Spec() Spec { return h.spec }

// ErrUnplugged is returned for I/O on an unplugged handset.
var ErrUnplugged = errors.New("umockdev: handset unplugged")

// Inject makes the device send one input report (report[0] is the report
// ID when the device uses them). Each read(2) of the node returns one
// report, as from the kernel's hidraw: reports injected back to back reach
// the reader one by one, never merged. Up to MaxQueued reports wait for the
// reader; where the kernel would drop the next one, Inject waits for room
// until ctx ends.
func (h *Handset) Inject(ctx context.Context, report []byte) error {
	if len(report) == 0 {
		return errors.New("umockdev: inject: empty report")
	}
	rep := append([]byte(nil), report...)
	h.injectMu.Lock()
	defer h.injectMu.Unlock()
	for {
		h.mu.Lock()
		if h.gone {
			h.mu.Unlock()
			return ErrUnplugged
		}
		if len(h.queue) < MaxQueued {
			// Queued before its bytes are written: a client that polls
			// the node readable always finds the report to answer with.
			h.queue = append(h.queue, rep)
			h.mu.Unlock()
			break
		}
		ch := h.taken
		h.mu.Unlock()
		select {
		case <-ctx.Done():
			return fmt.Errorf("umockdev: inject into %s: %d reports unread: %w", h.DevNode, MaxQueued, ctx.Err())
		case <-ch:
		}
	}
	// The bytes make the node readable, so that the client's poll(2)
	// wakes; the read handler answers with the queued report and takes
	// exactly its bytes back out.
	if r := C.hs_write_all(h.master, unsafe.Pointer(&rep[0]), C.int(len(rep))); r < 0 {
		h.mu.Lock()
		if n := len(h.queue); n > 0 && &h.queue[n-1][0] == &rep[0] {
			h.queue = h.queue[:n-1]
		}
		h.mu.Unlock()
		return fmt.Errorf("umockdev: inject into %s: %w", h.DevNode, syscall.Errno(-r))
	}
	return nil
}

// serveRead answers a client's read(2) of the node as the kernel's
// hidraw_read does: the oldest report, cut to len(p), leaves the queue
// whole. With nothing queued it fails with EAGAIN at once, also for a
// blocking descriptor: the preload sends every call on a descriptor through
// one socket in turn, so a read held open would hold up the client's
// writes and ioctls on it. Clients poll before they read (hidapi does, and
// treats EAGAIN as no report), and the node polls readable only while a
// report is queued.
func (h *Handset) serveRead(p []byte) (int, syscall.Errno) {
	h.readMu.Lock()
	defer h.readMu.Unlock()
	h.mu.Lock()
	if h.gone {
		h.mu.Unlock()
		return -1, syscall.EIO
	}
	if len(h.queue) == 0 {
		h.mu.Unlock()
		return -1, syscall.EAGAIN
	}
	rep := h.queue[0]
	slave := h.slave
	h.mu.Unlock()
	if slave < 0 {
		return -1, syscall.EIO
	}
	r := C.hs_drain(slave, C.int(len(rep)), drainTimeout)
	h.mu.Lock()
	// Unplug empties the queue; only take the report if it is still there.
	if len(h.queue) > 0 && &h.queue[0][0] == &rep[0] {
		h.queue[0] = nil
		h.queue = h.queue[1:]
		h.wakeTaken()
	}
	h.mu.Unlock()
	if r < 0 {
		return -1, syscall.EIO
	}
	return copy(p, rep), 0
}

// wakeTaken wakes the waiters for a report to leave the queue. h.mu is held.
func (h *Handset) wakeTaken() {
	close(h.taken)
	h.taken = make(chan struct{})
}

// Pending returns how many injected bytes the reader has not read yet.
func (h *Handset) Pending() (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.gone {
		return 0, ErrUnplugged
	}
	n := 0
	for _, r := range h.queue {
		n += len(r)
	}
	return n, nil
}

// WaitRead waits until every injected report was read.
func (h *Handset) WaitRead(ctx context.Context) error {
	for {
		h.mu.Lock()
		if h.gone {
			h.mu.Unlock()
			return ErrUnplugged
		}
		n := len(h.queue)
		ch := h.taken
		h.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("umockdev: %s: %d injected reports unread: %w", h.DevNode, n, ctx.Err())
		case <-ch:
		}
	}
}

// Next returns the next report the host sent to the device (output and
// feature reports, in order), waiting for it until ctx ends.
func (h *Handset) Next(ctx context.Context) (Transfer, error) {
	for {
		h.mu.Lock()
		if h.next < len(h.log) {
			t := h.log[h.next]
			h.next++
			h.mu.Unlock()
			return t, nil
		}
		ch := h.notify
		h.mu.Unlock()
		select {
		case <-ctx.Done():
			return Transfer{}, fmt.Errorf("umockdev: %s: waiting for a report from the host: %w", h.DevNode, ctx.Err())
		case <-ch:
		}
	}
}

// Transfers returns every report the host sent so far.
func (h *Handset) Transfers() []Transfer {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Transfer(nil), h.log...)
}

// Feature returns the feature report the device holds for report ID id.
func (h *Handset) Feature(id byte) ([]byte, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r, ok := h.features[id]
	return append([]byte(nil), r...), ok
}

// SetFeature sets the feature report the device returns for report[0].
func (h *Handset) SetFeature(report []byte) {
	if len(report) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.features[report[0]] = append([]byte(nil), report...)
}

// Unplug removes the handset as the kernel does: "remove" uevents children
// first, then the devices; the open node hangs up (POLLHUP, EIO) and every
// further call on it fails with ENODEV.
func (h *Handset) Unplug() error {
	h.tb.mu.Lock()
	defer h.tb.mu.Unlock()
	if h.tb.closed {
		return errClosed
	}
	h.mu.Lock()
	if h.gone {
		h.mu.Unlock()
		return ErrUnplugged
	}
	h.gone = true
	h.queue = nil
	h.wakeTaken()
	h.mu.Unlock()
	paths := []string{h.SysfsPath, h.HIDSysfsPath, h.InterfaceSysfsPath, h.USBSysfsPath}
	for _, sp := range paths {
		h.tb.Uevent(sp, "remove")
	}
	h.closeSlave()
	var pts string
	if cs := C.hs_ptsname(h.master); cs != nil {
		pts = C.GoString(cs)
		C.free(unsafe.Pointer(cs))
	}
	if r := C.hs_hangup(h.master); r < 0 {
		return fmt.Errorf("umockdev: unplug %s: hang up: %w", h.DevNode, syscall.Errno(-r))
	}
	// The testbed maps each pty it made to its node's device number; the
	// kernel hands the freed pty out again, and the testbed would refuse
	// to map it a second time for the next node.
	if pts != "" {
		stale := filepath.Join(h.tb.root, "dev", ".ptymap", strings.ReplaceAll(pts, "/", "_"))
		if err := os.Remove(stale); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("umockdev: unplug %s: %w", h.DevNode, err)
		}
	}
	for _, sp := range paths {
		h.tb.RemoveDevice(sp)
	}
	return nil
}

func (h *Handset) closeSlave() {
	h.readMu.Lock()
	defer h.readMu.Unlock()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.slave >= 0 {
		C.close(h.slave)
		h.slave = -1
	}
}

// release drops the handler after the testbed is gone.
func (h *Handset) release() {
	registry.Delete(h.id)
	if h.handler != nil {
		C.g_object_unref(C.gpointer(h.handler))
		h.handler = nil
	}
}

func (h *Handset) record(k TransferKind, data []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.log = append(h.log, Transfer{Kind: k, Data: data})
	close(h.notify)
	h.notify = make(chan struct{})
}

// closeOnExecAll marks every open descriptor of the test process
// close-on-exec. Programs a test starts get their files through exec.Cmd
// (which dups them past the flag), never by inheritance, so this only
// stops the testbed's own descriptors from leaking into them.
func closeOnExecAll() {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range ents {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			syscall.CloseOnExec(fd)
		}
	}
}

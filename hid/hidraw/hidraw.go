package hidraw

/*
#cgo pkg-config: libudev
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libudev.h>

// hidraw_handle_fd returns the descriptor inside a hidapi hid_device. The
// Linux backend's struct hid_device_ starts with "int device_handle"
// (hidapi 0.14, as bundled in go-hid v0.15.0); hidapi has no accessor.
static int hidraw_handle_fd(void *handle) {
	return *(int *)handle;
}

// hidraw_check_fd reports whether fd is an open read-write descriptor, to
// catch a layout change of hid_device early rather than poll a wrong fd.
static int hidraw_check_fd(int fd) {
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -errno;
	return (fl & O_ACCMODE) == O_RDWR;
}

// hidraw_read_file reads up to n bytes of path into buf; it returns the
// length or -errno. C stdio, so that umockdev can redirect it.
static int hidraw_read_file(const char *path, void *buf, int n) {
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			return -e;
		}
		if (r == 0)
			break;
		got += r;
	}
	close(fd);
	return got;
}

// hidraw_syspath returns the sysfs path of the hidraw node devnode
// ("/dev/hidraw0"), or NULL. The caller frees it.
static char *hidraw_syspath(struct udev *u, const char *devnode) {
	const char *name = strrchr(devnode, '/');
	name = name ? name + 1 : devnode;
	struct udev_device *d = udev_device_new_from_subsystem_sysname(u, "hidraw", name);
	if (!d)
		return NULL;
	const char *sp = udev_device_get_syspath(d);
	char *res = sp ? strdup(sp) : NULL;
	udev_device_unref(d);
	return res;
}
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"syscall"
	"unsafe"

	gohid "github.com/sstallion/go-hid"

	"handsetd/hid"
	"handsetd/internal/fdwait"
)

// TelephonyPage is the HID Telephony Device usage page.
const TelephonyPage = 0x0B

// maxDescriptor is HID_MAX_DESCRIPTOR_SIZE of the kernel's hidraw.
const maxDescriptor = 4096

// ErrClosed is returned by operations on a closed Device.
var ErrClosed = errors.New("hidraw: device closed")

// DeviceInfo describes one top-level collection of a HID device.
type DeviceInfo struct {
	// Path is the device node to Open, /dev/hidrawN.
	Path         string
	VendorID     uint16
	ProductID    uint16
	Serial       string
	Manufacturer string
	Product      string
	// Release is bcdDevice, the device release number.
	Release uint16
	// Interface is the USB interface number, -1 when not on USB.
	Interface int
	// UsagePage and Usage name the top-level collection.
	UsagePage uint16
	Usage     uint16
	// Bus is "usb", "bluetooth", "i2c", "spi" or "unknown".
	Bus string
	// SysfsPath is the hidraw node's sysfs path, the device's identity
	// across re-plugs ("" when libudev does not know the node).
	SysfsPath string
}

// IsTelephony reports whether the collection is on the Telephony page. It
// is a quick answer from enumeration; a device whose telephony controls sit
// in a second collection is found only by parsing its report descriptor.
func (d DeviceInfo) IsTelephony() bool { return d.UsagePage == TelephonyPage }

func (d DeviceInfo) String() string {
	return fmt.Sprintf("%s [%04x:%04x] %s (usage %04x:%04x)", d.Path, d.VendorID, d.ProductID, d.Product, d.UsagePage, d.Usage)
}

var initOnce struct {
	sync.Once
	err error
}

// hidInit initialises hidapi once; hidapi asks for that before concurrent
// use.
func hidInit() error {
	initOnce.Do(func() {
		if err := gohid.Init(); err != nil {
			initOnce.err = fmt.Errorf("hidraw: init: %w", err)
		}
	})
	return initOnce.err
}

func busName(b gohid.BusType) string {
	switch b {
	case gohid.BusUSB:
		return "usb"
	case gohid.BusBluetooth:
		return "bluetooth"
	case gohid.BusI2C:
		return "i2c"
	case gohid.BusSPI:
		return "spi"
	}
	return "unknown"
}

// Enumerate lists the HID devices present, one entry per top-level
// collection, sorted by path and then usage. A system without any returns
// an empty list and no error.
func Enumerate() ([]DeviceInfo, error) {
	if err := hidInit(); err != nil {
		return nil, err
	}
	var list []DeviceInfo
	err := gohid.Enumerate(gohid.VendorIDAny, gohid.ProductIDAny, func(i *gohid.DeviceInfo) error {
		list = append(list, DeviceInfo{
			Path:         i.Path,
			VendorID:     i.VendorID,
			ProductID:    i.ProductID,
			Serial:       i.SerialNbr,
			Manufacturer: i.MfrStr,
			Product:      i.ProductStr,
			Release:      i.ReleaseNbr,
			Interface:    i.InterfaceNbr,
			UsagePage:    i.UsagePage,
			Usage:        i.Usage,
			Bus:          busName(i.BusType),
		})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("hidraw: enumerate: %w", err)
	}
	if len(list) > 0 {
		paths, err := sysfsPaths(list)
		if err != nil {
			return nil, err
		}
		for i := range list {
			list[i].SysfsPath = paths[list[i].Path]
		}
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.UsagePage != b.UsagePage {
			return a.UsagePage < b.UsagePage
		}
		return a.Usage < b.Usage
	})
	return list, nil
}

// sysfsPaths looks up the sysfs path of every node in list through
// libudev.
func sysfsPaths(list []DeviceInfo) (map[string]string, error) {
	u := C.udev_new()
	if u == nil {
		return nil, errors.New("hidraw: udev_new failed")
	}
	defer C.udev_unref(u)
	m := make(map[string]string)
	for _, d := range list {
		if _, ok := m[d.Path]; ok {
			continue
		}
		cs := C.CString(d.Path)
		p := C.hidraw_syspath(u, cs)
		C.free(unsafe.Pointer(cs))
		if p != nil {
			m[d.Path] = C.GoString(p)
			C.free(unsafe.Pointer(p))
		} else {
			m[d.Path] = ""
		}
	}
	return m, nil
}

// SysfsPath returns the sysfs path of the hidraw node devnode
// ("/dev/hidraw0"), looked up through libudev.
func SysfsPath(devnode string) (string, error) {
	m, err := sysfsPaths([]DeviceInfo{{Path: devnode}})
	if err != nil {
		return "", err
	}
	if m[devnode] == "" {
		return "", fmt.Errorf("hidraw: %s: no such hidraw device", devnode)
	}
	return m[devnode], nil
}

// ReadDescriptor returns the report descriptor of an enumerated device
// without opening it when it can: sysfs's report_descriptor is readable by
// everyone, while the node often is not. It falls back to Open and
// HIDIOCGRDESC.
func ReadDescriptor(info DeviceInfo) ([]byte, error) {
	if info.SysfsPath != "" {
		buf := make([]byte, maxDescriptor)
		cs := C.CString(info.SysfsPath + "/device/report_descriptor")
		n := C.hidraw_read_file(cs, unsafe.Pointer(&buf[0]), C.int(len(buf)))
		C.free(unsafe.Pointer(cs))
		if n > 0 {
			return buf[:n:n], nil
		}
	}
	d, err := Open(info.Path)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.ReportDescriptor()
}

// OutputMethod says how WriteOutput sends a report.
type OutputMethod uint8

const (
	// OutputWrite uses write(2): interrupt OUT when the interface has an
	// OUT endpoint, SET_REPORT on the control pipe otherwise.
	OutputWrite OutputMethod = iota
	// OutputIoctl uses HIDIOCSOUTPUT: always SET_REPORT(Output) on the
	// control pipe. Needs Linux 5.11 or newer.
	OutputIoctl
)

// Option configures Open.
type Option func(*Device)

// OutputViaIoctl makes WriteOutput use HIDIOCSOUTPUT instead of write(2),
// for devices that ignore output reports on their interrupt OUT endpoint.
func OutputViaIoctl() Option { return func(d *Device) { d.output = OutputIoctl } }

// Device is an open hidraw device. ReadReport may run concurrently with the
// other methods; the others are serialised.
type Device struct {
	path   string
	output OutputMethod

	readMu sync.Mutex // one reader at a time; Close waits for it
	opMu   sync.Mutex // hidapi keeps one error string for non-read calls
	dev    *gohid.Device
	fd     C.int
	wait   *fdwait.Waiter // woken by cancellation and Close

	stateMu sync.Mutex
	closed  bool
	gone    bool // the device reported a hangup
}

var _ hid.Device = (*Device)(nil)

// Open opens the hidraw node path (/dev/hidrawN).
func Open(path string, opts ...Option) (*Device, error) {
	if err := hidInit(); err != nil {
		return nil, err
	}
	dev, err := gohid.OpenPath(path)
	if err != nil {
		return nil, fmt.Errorf("hidraw: open %s: %w", path, classify(err))
	}
	// go-hid's Device is a struct holding only the hid_device pointer.
	handle := *(*unsafe.Pointer)(unsafe.Pointer(dev))
	fd := C.hidraw_handle_fd(handle)
	if ok := C.hidraw_check_fd(fd); ok != 1 {
		dev.Close()
		return nil, fmt.Errorf("hidraw: open %s: hidapi handle layout not understood (fd %d)", path, int(fd))
	}
	wait, err := fdwait.New()
	if err != nil {
		dev.Close()
		return nil, fmt.Errorf("hidraw: open %s: %w", path, err)
	}
	d := &Device{path: path, dev: dev, fd: fd, wait: wait}
	for _, o := range opts {
		o(d)
	}
	return d, nil
}

// Path returns the node the device was opened from.
func (d *Device) Path() string { return d.path }

func (d *Device) state() (closed, gone bool) {
	d.stateMu.Lock()
	defer d.stateMu.Unlock()
	return d.closed, d.gone
}

func (d *Device) disconnected(op string) error {
	return fmt.Errorf("hidraw: %s %s: %w", op, d.path, hid.ErrDisconnected)
}

// ReadReport waits for one input report and copies it into p. With report
// IDs, p[0] is the report ID. It returns ctx.Err() when ctx ends first, an
// error wrapping hid.ErrDisconnected when the device went away, and
// ErrClosed after Close.
func (d *Device) ReadReport(ctx context.Context, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, errors.New("hidraw: read: empty buffer")
	}
	d.readMu.Lock()
	defer d.readMu.Unlock()
	for {
		closed, gone := d.state()
		switch {
		case closed:
			return 0, ErrClosed
		case gone:
			return 0, d.disconnected("read")
		}
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		// A wakeup from an earlier, already finished read's context may
		// still arrive; it only costs one more turn of this loop.
		stop := context.AfterFunc(ctx, func() { d.wait.Wake() })
		r, err := d.wait.Wait(int(d.fd))
		stop()
		switch {
		case err != nil:
			return 0, fmt.Errorf("hidraw: read %s: %w", d.path, err)
		case r == fdwait.Woken:
			continue
		case r == fdwait.Hangup:
			d.markGone()
			continue
		}
		n, err := d.dev.ReadWithTimeout(p, 0)
		switch {
		case err == nil:
			return n, nil
		case errors.Is(err, gohid.ErrTimeout):
			continue // poll raced with another reader of the node
		}
		switch err := classify(err); {
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, hid.ErrDisconnected):
			d.markGone()
			continue
		default:
			return 0, fmt.Errorf("hidraw: read %s: %w", d.path, err)
		}
	}
}

func (d *Device) markGone() {
	d.stateMu.Lock()
	d.gone = true
	d.stateMu.Unlock()
}

// op runs a non-read hidapi call with the device open.
func (d *Device) op(name string, f func() error) error {
	d.opMu.Lock()
	defer d.opMu.Unlock()
	if closed, _ := d.state(); closed {
		return ErrClosed
	}
	for {
		err := f()
		if err == nil {
			return nil
		}
		err = classify(err)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if errors.Is(err, hid.ErrDisconnected) {
			d.markGone()
		}
		return fmt.Errorf("hidraw: %s %s: %w", name, d.path, err)
	}
}

// WriteOutput sends an output report; p[0] is the report ID (0 for none).
func (d *Device) WriteOutput(p []byte) error {
	if len(p) == 0 {
		return errors.New("hidraw: write output: empty report")
	}
	return d.op("write output", func() error {
		var n int
		var err error
		if d.output == OutputIoctl {
			n, err = d.dev.SendOutputReport(p)
		} else {
			n, err = d.dev.Write(p)
		}
		if err == nil && n != len(p) {
			return fmt.Errorf("short write: %d of %d bytes", n, len(p))
		}
		return err
	})
}

// GetFeature reads a feature report: p[0] holds the report ID asked for.
// It returns the report's length including the report ID byte.
func (d *Device) GetFeature(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, errors.New("hidraw: get feature: empty buffer")
	}
	var n int
	err := d.op("get feature", func() error {
		var err error
		n, err = d.dev.GetFeatureReport(p)
		return err
	})
	return n, err
}

// SetFeature sends a feature report; p[0] is the report ID.
func (d *Device) SetFeature(p []byte) error {
	if len(p) == 0 {
		return errors.New("hidraw: set feature: empty report")
	}
	return d.op("set feature", func() error {
		_, err := d.dev.SendFeatureReport(p)
		return err
	})
}

// ReportDescriptor returns the raw report descriptor (HIDIOCGRDESC).
func (d *Device) ReportDescriptor() ([]byte, error) {
	buf := make([]byte, maxDescriptor)
	var n int
	err := d.op("report descriptor", func() error {
		var err error
		n, err = d.dev.GetReportDescriptor(buf)
		return err
	})
	if err != nil {
		return nil, err
	}
	return buf[:n:n], nil
}

// Close wakes a blocked ReadReport (it returns ErrClosed), waits for it,
// and closes the device. It is safe to call more than once.
func (d *Device) Close() error {
	d.stateMu.Lock()
	if d.closed {
		d.stateMu.Unlock()
		return nil
	}
	d.closed = true
	d.stateMu.Unlock()
	if err := d.wait.Wake(); err != nil {
		return fmt.Errorf("hidraw: close %s: %w", d.path, err)
	}
	d.readMu.Lock()
	d.opMu.Lock()
	d.dev.Close()
	d.wait.Close()
	d.opMu.Unlock()
	d.readMu.Unlock()
	return nil
}

// hidapi reports errors as strerror(3) text (in the C locale a Go program
// runs in) or as its own messages; these are the ones callers act on.
var (
	msgEINTR  = C.GoString(C.strerror(C.EINTR))
	msgEIO    = C.GoString(C.strerror(C.EIO))
	msgENODEV = C.GoString(C.strerror(C.ENODEV))
	msgENXIO  = C.GoString(C.strerror(C.ENXIO))
)

const msgPollHangup = "hid_read_timeout: unexpected poll error (device disconnected)"

// classify maps hidapi's error text to sentinels callers can test with
// errors.Is: syscall.EINTR, or hid.ErrDisconnected.
func classify(err error) error {
	s := err.Error()
	has := func(m string) bool {
		return s == m || len(s) > len(m) && s[len(s)-len(m):] == m
	}
	switch {
	case has(msgEINTR):
		return fmt.Errorf("%w (%s)", syscall.EINTR, s)
	case has(msgPollHangup), has(msgEIO), has(msgENODEV), has(msgENXIO):
		return fmt.Errorf("%w (%s)", hid.ErrDisconnected, s)
	}
	return err
}

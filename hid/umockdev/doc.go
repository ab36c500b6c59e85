//go:build umockdev

// Package umockdev builds simulated USB HID handsets for tests, with a cgo
// binding to libumockdev (umockdev-1.0). Every file is behind the umockdev
// build tag: the tests that use it run with
//
//	go test -tags umockdev -exec umockdev-wrapper ./...
//
// umockdev-wrapper preloads libumockdev-preload, which redirects the libc
// calls of this process (and of children that inherit LD_PRELOAD) to the
// testbed's private /sys, /dev and uevent socket. Only calls made from C are
// redirected - hidapi, libudev, libusb and the project's own cgo - never
// Go's os or syscall packages, which is why the code under test must reach
// devices through C. New fails with ErrNotPreloaded outside the wrapper,
// so a test tier that cannot run fails instead of passing empty.
//
// Testbed.AddHandset builds what the kernel builds for a USB handset: the
// usb_device (idVendor, idProduct, manufacturer, product, serial,
// bcdDevice), its usb_interface (bInterfaceNumber), the hid device (uevent
// HID_ID=0003:0000VVVV:0000PPPP, HID_NAME, HID_PHYS, HID_UNIQ, and
// report_descriptor) and the hidraw node with its device link. hidapi needs
// all of it to list and open the device. The hidraw node is a pty; an ioctl
// handler (in C, on umockdev's worker thread, calling back into Go) answers
// HIDIOCGRDESCSIZE, HIDIOCGRDESC, HIDIOCGRAWINFO, HIDIOCGRAWNAME,
// HIDIOCGRAWPHYS, HIDIOCGRAWUNIQ, HIDIOCSFEATURE, HIDIOCGFEATURE and
// HIDIOCSOUTPUT, a write handler takes output reports written with
// write(2), so each arrives whole, and a read handler serves read(2).
// The handlers are attached to the node's path before any of the handset's
// sysfs or /dev entries exist: a client that finds the node - by its "add"
// uevent, or by scanning sysfs without one - and opens it at once always
// reaches them. (libumockdev-preload connects every open of a testbed node
// to the node's handler socket, or to umockdev's fallback handler, which
// knows no hidraw ioctl, when that socket does not exist yet.)
//
// Handset.Inject sends an input report. Like the kernel's hidraw, which
// keeps a list of whole reports for each reader, every read(2) of the node
// returns exactly one report: Inject queues it (up to MaxQueued) and the
// read handler answers the next read with it, cut to the reader's buffer
// and consumed whole, so reports injected back to back never merge. A pty
// is a byte stream and cannot keep reports apart by itself; it still
// carries each report's bytes, only so that the node polls readable while
// a report is queued (umockdev does not emulate poll(2): the client polls
// the pty itself), and the read handler takes exactly the bytes of the
// report it answered with back out. A read with nothing queued fails with
// EAGAIN, on a blocking descriptor too (the preload sends all calls on one
// descriptor through one socket in turn, so a read held open would hold up
// the client's writes); hidapi polls first and reads such an answer as "no
// report". Handset.Pending and WaitRead tell what is still unread.
// Handset.Next returns the reports the host sent (output reports by write
// or HIDIOCSOUTPUT, feature reports), in order. Handset.Unplug sends the
// "remove" uevents, drops the unread reports, hangs the node up (a reader
// sees POLLHUP and EIO, as from a real unplugged hidraw node) and removes
// the devices; Testbed.Replug plugs the same handset back in under a new
// hidraw name and a new sysfs path.
//
// # End-to-end tests of the daemon binary
//
// A test can run the real handsetd against simulated handsets:
//
//	tb, err := umockdev.New()            // fails outside umockdev-wrapper
//	defer tb.Close()
//	spec, _ := umockdev.SpecFromFile("testdata/hid/0b0e-0307.rdesc")
//	h, _ := tb.AddHandset(spec)          // /dev/hidraw0
//	cmd := tb.Command(ctx, "bin/handsetd", "run", ...)
//	cmd.Start()
//	h.Inject(ctx, []byte{0x02, 0x01, 0x00}) // hook off
//	out, _ := h.Next(ctx)                // the daemon's LED report
//	h.Unplug()
//	h2, _ := tb.Replug(h)                // /dev/hidraw1
//
// Testbed.Command (or Testbed.Env for an exec.Cmd built elsewhere) passes
// UMOCKDEV_DIR, which libumockdev sets only in the C environment where
// os.Environ cannot see it, and makes sure LD_PRELOAD names the preload
// library. The child must stay in the test's session: a process that calls
// setsid takes the pty of a simulated node as its controlling terminal and
// is killed by the hangup on unplug. The ioctl, read and write handlers
// live in the test process and serve the child through umockdev's socket,
// so the test must keep the Testbed open while the child runs.
//
// Known limits of umockdev 0.17.16: fstat(2) is not redirected, so go-hid's
// GetDeviceInfo fails on a simulated node (use enumeration data); a removed
// /dev name cannot be created again, so a re-plugged device gets a new
// name where the kernel would often reuse the old one.
// Unlike the kernel, which gives every open file of a hidraw node its own
// copy of each report, the simulated node has one queue: two readers of
// one node share the reports between them.
//
// References: umockdev's README and API (umockdev.h, UMockdevIoctlBase and
// its handle-ioctl, handle-read and handle-write signals), Linux
// include/uapi/linux/hidraw.h and drivers/hid/hidraw.c (hidraw_read: one
// report per read, cut to the buffer).
package umockdev

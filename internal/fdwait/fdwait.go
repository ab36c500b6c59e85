// Package fdwait lets a goroutine wait for a descriptor (a hidraw node, a
// udev monitor socket) without any periodic wake-up, and be woken at once
// by a context or Close: it blocks in poll(2) on the descriptor and an
// eventfd, both from C, so that umockdev's preload library, which only
// sees libc calls, sees them too.
package fdwait

/*
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/eventfd.h>

enum { fdwReady = 1, fdwWoken = 2, fdwHangup = 3 };

// fdw_wait blocks until fd is readable, hangs up, or wake is written. It
// never times out: an idle descriptor costs no wakeups.
static int fdw_wait(int fd, int wake) {
	struct pollfd p[2] = {{fd, POLLIN, 0}, {wake, POLLIN, 0}};
	for (;;) {
		p[0].revents = p[1].revents = 0;
		int r = poll(p, 2, -1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[1].revents & POLLIN) {
			uint64_t v;
			while (read(wake, &v, sizeof v) < 0 && errno == EINTR)
				;
			return fdwWoken;
		}
		if (p[0].revents & (POLLERR | POLLHUP | POLLNVAL))
			return fdwHangup;
		if (p[0].revents & POLLIN)
			return fdwReady;
	}
}

static int fdw_wake(int wake) {
	uint64_t one = 1;
	for (;;) {
		if (write(wake, &one, sizeof one) == sizeof one)
			return 0;
		if (errno == EINTR)
			continue;
		// EAGAIN: the counter is already non-zero, the waiter will wake.
		return errno == EAGAIN ? 0 : -errno;
	}
}
*/
import "C"

import (
	"fmt"
	"syscall"
)

// Result says why Wait returned.
type Result int

const (
	// Ready: the descriptor has data.
	Ready Result = iota + 1
	// Woken: Wake was called (a context ended, or Close).
	Woken
	// Hangup: the descriptor reported an error or hang-up (an unplugged
	// device, a broken socket).
	Hangup
)

// Waiter waits for descriptors and can be woken from another goroutine.
type Waiter struct {
	wake C.int
}

// New returns a Waiter; Close releases its eventfd.
func New() (*Waiter, error) {
	w, err := C.eventfd(0, C.EFD_CLOEXEC|C.EFD_NONBLOCK)
	if w < 0 {
		return nil, fmt.Errorf("fdwait: eventfd: %w", err)
	}
	return &Waiter{wake: w}, nil
}

// Wait blocks until fd is readable or hangs up, or Wake is called. A Wake
// that came while nobody waited makes the next Wait return Woken at once.
func (w *Waiter) Wait(fd int) (Result, error) {
	r := C.fdw_wait(C.int(fd), w.wake)
	if r < 0 {
		return 0, fmt.Errorf("fdwait: poll: %w", syscall.Errno(-r))
	}
	return Result(r), nil
}

// Wake makes a blocked (or the next) Wait return Woken. It is safe from
// any goroutine.
func (w *Waiter) Wake() error {
	if r := C.fdw_wake(w.wake); r < 0 {
		return fmt.Errorf("fdwait: wake: %w", syscall.Errno(-r))
	}
	return nil
}

// Close releases the eventfd. No Wait may be running.
func (w *Waiter) Close() error {
	if w.wake < 0 {
		return nil
	}
	C.close(w.wake)
	w.wake = -1
	return nil
}

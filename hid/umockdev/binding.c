//go:build umockdev

#define _GNU_SOURCE

// The ioctl, read and write handlers run on umockdev's worker thread and
// call into Go (handsetIoctl, handsetRead, handsetWrite in callbacks.go)
// with the client's memory already copied in; umockdev copies it back on
// completion.
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <asm/ioctl.h>
#include "binding.h"
#include "_cgo_export.h"

static gboolean on_ioctl(UMockdevIoctlBase *base, UMockdevIoctlClient *client, gpointer user) {
	(void)base;
	gulong req = umockdev_ioctl_client_get_request(client);
	size_t size = _IOC_SIZE(req);
	void *buf = NULL;
	if (size > 0) {
		GError *gerr = NULL;
		UMockdevIoctlData *d = umockdev_ioctl_data_resolve(umockdev_ioctl_client_get_arg(client), 0, size, &gerr);
		if (d == NULL) {
			if (gerr)
				g_error_free(gerr);
			umockdev_ioctl_client_complete(client, -1, EFAULT);
			return TRUE;
		}
		buf = d->data;
	}
	int err = 0;
	long r = handsetIoctl((uintptr_t)user, (unsigned long)req, buf, (int)size, &err);
	umockdev_ioctl_client_complete(client, r, err);
	return TRUE;
}

static gboolean on_write(UMockdevIoctlBase *base, UMockdevIoctlClient *client, gpointer user) {
	(void)base;
	UMockdevIoctlData *d = umockdev_ioctl_client_get_arg(client);
	int err = 0;
	long r = handsetWrite((uintptr_t)user, d->data, d->data_len, &err);
	umockdev_ioctl_client_complete(client, r, err);
	return TRUE;
}

// on_read answers a read(2) on the node with one queued input report, as
// the kernel's hidraw_read does. The client's buffer was copied in when the
// request arrived; umockdev writes it back only if it changed, so the bytes
// after the report stay as the client left them.
static gboolean on_read(UMockdevIoctlBase *base, UMockdevIoctlClient *client, gpointer user) {
	(void)base;
	UMockdevIoctlData *d = umockdev_ioctl_client_get_arg(client);
	int err = 0;
	long r = handsetRead((uintptr_t)user, d->data, d->data_len, &err);
	umockdev_ioctl_client_complete(client, r, err);
	return TRUE;
}

UMockdevIoctlBase *hs_attach(UMockdevTestbed *tb, const char *devnode, uintptr_t handle, char **err) {
	UMockdevIoctlBase *h = umockdev_ioctl_base_new();
	g_signal_connect(h, "handle-ioctl", G_CALLBACK(on_ioctl), (gpointer)handle);
	g_signal_connect(h, "handle-read", G_CALLBACK(on_read), (gpointer)handle);
	g_signal_connect(h, "handle-write", G_CALLBACK(on_write), (gpointer)handle);
	GError *gerr = NULL;
	if (!umockdev_testbed_attach_ioctl(tb, devnode, h, &gerr)) {
		*err = strdup(gerr ? gerr->message : "attach failed");
		if (gerr)
			g_error_free(gerr);
		g_object_unref(h);
		return NULL;
	}
	return h;
}

// hs_detach detaches the handler hs_attach attached to devnode: umockdev
// stops listening on the node's socket and removes it.
void hs_detach(UMockdevTestbed *tb, const char *devnode) {
	GError *gerr = NULL;
	if (!umockdev_testbed_detach_ioctl(tb, devnode, &gerr) && gerr)
		g_error_free(gerr);
}

char *hs_add_from_string(UMockdevTestbed *tb, const char *s) {
	GError *gerr = NULL;
	if (umockdev_testbed_add_from_string(tb, s, &gerr))
		return NULL;
	char *msg = strdup(gerr ? gerr->message : "add_from_string failed");
	if (gerr)
		g_error_free(gerr);
	return msg;
}

// hs_hangup closes the pty master while keeping its descriptor number,
// which the testbed still owns and closes when it is freed: the client's
// side then sees POLLHUP and EIO, as on a real unplugged hidraw node.
int hs_hangup(int master) {
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return -errno;
	int r = dup2(null, master);
	int e = errno;
	close(null);
	return r < 0 ? -e : 0;
}

// hs_make_raw makes the pty pass report bytes unchanged: no echo, no
// canonical mode, no CR/NL mapping, no XON/XOFF, no signal characters.
int hs_make_raw(int master) {
	struct termios t;
	if (tcgetattr(master, &t) < 0)
		return -errno;
	cfmakeraw(&t);
	if (tcsetattr(master, TCSANOW, &t) < 0)
		return -errno;
	return 0;
}

// hs_open_slave opens a second descriptor on the node's pty. Reading from
// it takes bytes out of the same input queue the client's poll(2) looks at.
int hs_open_slave(int master) {
	char name[128];
	if (ptsname_r(master, name, sizeof name) != 0)
		return -errno;
	int fd = open(name, O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

// hs_ptsname returns the pty's slave name, or NULL. The caller frees it.
char *hs_ptsname(int master) {
	char name[128];
	if (ptsname_r(master, name, sizeof name) != 0)
		return NULL;
	return strdup(name);
}

static long ms_since(const struct timespec *t0) {
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

// hs_drain reads and drops n bytes from the slave descriptor: the bytes of
// the report a read was just answered with. They were written to the master
// before the report was queued but may still be in the kernel's flip buffer,
// so it waits for them, up to timeout_ms. It calls the kernel directly: the
// preload's read() would ask umockdev's socket first. It returns 0, or
// -errno (-EIO after a hangup, -ETIMEDOUT).
int hs_drain(int slave, int n, int timeout_ms) {
	char buf[512];
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (n > 0) {
		size_t want = n < (int)sizeof buf ? (size_t)n : sizeof buf;
		long r = syscall(SYS_read, slave, buf, want);
		if (r > 0) {
			n -= r;
			continue;
		}
		if (r == 0)
			return -EIO;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		long left = timeout_ms - ms_since(&t0);
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd p = {slave, POLLIN, 0};
		int pr = poll(&p, 1, (int)left);
		if (pr < 0 && errno != EINTR)
			return -errno;
		if (pr > 0 && !(p.revents & POLLIN))
			return -EIO; // hung up or closed with nothing left to read
	}
	return 0;
}

int hs_write_all(int fd, const void *p, int n) {
	const char *b = p;
	while (n > 0) {
		ssize_t w = write(fd, b, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		b += w;
		n -= w;
	}
	return 0;
}

// hs_preloaded reports whether the preload library is loaded into this
// process (umockdev_in_mock_environment answers 0 under umockdev-wrapper
// in 0.17).
int hs_preloaded(void) {
	void *h = dlopen("libumockdev-preload.so.0", RTLD_NOW | RTLD_NOLOAD);
	if (h == NULL)
		return 0;
	dlclose(h);
	return 1;
}

// C side of package umockdev; see binding.c.
#ifndef HANDSETD_UMOCKDEV_BINDING_H
#define HANDSETD_UMOCKDEV_BINDING_H
#include <stdint.h>
#include <umockdev.h>

UMockdevIoctlBase *hs_attach(UMockdevTestbed *tb, const char *devnode, uintptr_t handle, char **err);
void hs_detach(UMockdevTestbed *tb, const char *devnode);
int hs_hangup(int master);
int hs_make_raw(int master);
int hs_open_slave(int master);
int hs_drain(int slave, int n, int timeout_ms);
int hs_write_all(int fd, const void *p, int n);
int hs_preloaded(void);
char *hs_ptsname(int master);
char *hs_add_from_string(UMockdevTestbed *tb, const char *s);
#endif

#!/bin/sh
# PID 1 of the QEMU test guest (scripts/test-qemu.sh packs it as /init).
#
# There is no udevd and no init system: this script mounts what the kernel
# does not (Debian's kernel has CONFIG_DEVTMPFS but not _MOUNT), loads the
# USB host and gadget modules, runs the scenario program and prints the
# one line the host side trusts: "RESULT: PASS" or "RESULT: FAIL ...".
# Whatever happens, it powers the machine off so that QEMU exits.
export PATH=/bin:/sbin
export HOME=/root TMPDIR=/tmp

fail() {
	echo "RESULT: FAIL $*"
	sync
	poweroff -f
	sleep 5
	exit 1
}

mount -t proc proc /proc || fail "mount /proc"
mount -t sysfs sysfs /sys || fail "mount /sys"
mount -t devtmpfs devtmpfs /dev || fail "mount /dev"
mkdir -p /dev/pts /dev/shm
mount -t tmpfs tmpfs /tmp || fail "mount /tmp"
mount -t tmpfs tmpfs /run || fail "mount /run"

echo "guest: kernel $(uname -r), $(grep -c ^processor /proc/cpuinfo) cpu(s)"

# modules.sh is generated on the host from modprobe --show-depends: one
# insmod per module, dependencies first, with dummy_hcd's num= parameter.
. /etc/modules.sh || fail "loading kernel modules"
mount -t configfs configfs /sys/kernel/config || fail "mount configfs"

# The scenario arguments come from the kernel command line (handsetd.args=),
# so one initramfs serves every mode of the program.
args=$(sed -n 's/.*handsetd\.args=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')
echo "guest: qemutest $args"
# shellcheck disable=SC2086
/bin/qemutest $args
rc=$?
if [ "$rc" -eq 0 ]; then
	echo "RESULT: PASS"
else
	echo "RESULT: FAIL qemutest exited with status $rc"
fi
sync
poweroff -f

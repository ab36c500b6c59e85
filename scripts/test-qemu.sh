#!/usr/bin/env bash
# The real-kernel test tier (docs/testing.md, "Real kernel (QEMU)").
#
# Boots Debian's own kernel in QEMU (software emulation, no KVM needed) with a
# busybox initramfs holding the real handsetd binary, dbus-daemon and the
# scenario program test/qemu/gadget. Inside, dummy_hcd and configfs f_hid
# gadgets present USB handsets with real report descriptors; the guest
# kernel enumerates them (usbhid, hidraw, usbfs) and the scenario program plays
# the user on the gadget side while a test host plays the softphone.
#
# The tier fails, never skips, when anything it needs is missing, when the
# guest does not print "RESULT: PASS", or when the run exceeds its time limit.
#
# Environment:
#   QEMU_CACHE    where the kernel package is kept (default .cache/qemu)
#   QEMU_TIMEOUT  seconds the guest may run (default 900)
#   QEMU_ACCEL    QEMU accelerator (default tcg: CI has no KVM)
#   QEMU_LOGLEVEL the guest kernel's console log level (default 5; 7 shows USB)
#   QEMU_ARGS     flags for the scenario program (test/qemu/gadget), comma
#                 separated: --until=NAME, --smoke, --daemon-arg=ARG, --step=D
#                 (default: every scenario)
#   QEMU_KEEP     set to keep the work directory (initramfs, console log)
#   QEMU_HANDSETD a handsetd binary to test instead of building ./cmd/handsetd
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin:/usr/sbin:/sbin

CACHE=${QEMU_CACHE:-.cache/qemu}
TIMEOUT=${QEMU_TIMEOUT:-900}
ACCEL=${QEMU_ACCEL:-tcg}
ARGS=${QEMU_ARGS:-}
start=$SECONDS

die() { echo "test-qemu: $*" >&2; exit 1; }

for tool in qemu-system-x86_64 busybox cpio gzip dpkg-deb depmod modprobe apt-get apt-cache dbus-daemon ldd timeout go; do
  command -v "$tool" >/dev/null || die "$tool not found (scripts/deps.sh installs it)"
done
# The guest has no libc of its own for busybox: it must be the static build.
if ldd "$(command -v busybox)" >/dev/null 2>&1; then
  die "busybox is dynamically linked: install busybox-static"
fi

# --- the kernel: Debian's own package, downloaded once, never installed ----
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[[ -n $kpkg ]] || die "cannot tell which kernel linux-image-amd64 depends on (run apt-get update)"
kdir=$CACHE/$kpkg
if [[ ! -f $kdir/.extracted ]]; then
  echo "test-qemu: fetching $kpkg"
  rm -rf "$kdir"
  (cd "$CACHE" && rm -f "${kpkg}"_*.deb && apt-get download -q "$kpkg") || die "apt-get download $kpkg failed"
  dpkg-deb -x "$CACHE/${kpkg}"_*.deb "$kdir" || die "cannot extract $kpkg"
  rm -f "$CACHE/${kpkg}"_*.deb
  touch "$kdir/.extracted"
fi
kver=${kpkg#linux-image-}
vmlinuz=$kdir/boot/vmlinuz-$kver
[[ -f $vmlinuz ]] || die "no $vmlinuz in $kpkg"
# The package ships no modules.dep (postinst makes it): make it here.
[[ -f $kdir/lib/modules/$kver/modules.dep ]] || depmod -b "$kdir" "$kver" || die "depmod failed"

# --- the initramfs ---------------------------------------------------------
work=$(mktemp -d /tmp/handsetd-qemu.XXXXXX)
if [[ -z ${QEMU_KEEP:-} ]]; then trap 'rm -rf "$work"' EXIT; else echo "test-qemu: work directory $work"; fi
root=$work/root
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,root,testdata,lib64,usr/lib}
ln -s ../bin "$root/usr/bin"

echo "test-qemu: building handsetd and the scenario program"
if [[ -n ${QEMU_HANDSETD:-} ]]; then
  cp "$QEMU_HANDSETD" "$root/bin/handsetd" || die "cannot copy $QEMU_HANDSETD"
else
  go build -o "$root/bin/handsetd" ./cmd/handsetd || die "building handsetd failed"
fi
# cgo: the CM109 chip model comes with the usbio package, which links libusb.
go build -o "$root/bin/qemutest" ./test/qemu/gadget || die "building test/qemu/gadget failed"

cp "$(command -v busybox)" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [[ -e $root/bin/$applet ]] || ln -s busybox "$root/bin/$applet"
done
cp "$(command -v dbus-daemon)" "$root/bin/dbus-daemon"

# Shared libraries of the dynamically linked programs, at the paths ldd
# resolved them to, so the guest's ld.so finds them without a cache.
for exe in "$root/bin/handsetd" "$root/bin/qemutest" "$root/bin/dbus-daemon"; do
  ldd "$exe" | awk '/=> \// {print $3} /^\t\/lib/ {print $1}' | while read -r lib; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
done

# Modules, dependencies first, from the package's own modules.dep. Which of
# these are built in differs between kernels: modprobe says "builtin" then.
# The vendor HID drivers are what udevd would load by modalias on a real
# system: hid-generic refuses devices that have a special driver (the
# kernel's hid_have_special_driver list), so without them no hidraw node
# appears for these handsets.
want=(configfs dummy_hcd libcomposite usb_f_hid usb_f_ss_lb usbhid hid_generic hid_jabra hid_plantronics)
: >"$root/etc/modules.sh"
declare -A seen=()
for m in "${want[@]}"; do
  modprobe -d "$kdir" -S "$kver" --show-depends "$m" >"$work/dep" || die "module $m not in $kpkg"
  while read -r verb path _; do
    [[ $verb == insmod ]] || continue
    [[ -n ${seen[$path]:-} ]] && continue
    seen[$path]=1
    mkdir -p "$root$(dirname "${path#"$kdir"}")"
    cp "$path" "$root${path#"$kdir"}"
    params=
    # Three UDCs: three gadgets (two HID handsets and a CM109) on three buses.
    [[ $(basename "$path") == dummy_hcd.ko ]] && params="num=3"
    echo "insmod ${path#"$kdir"} $params || fail \"insmod $(basename "$path")\"" >>"$root/etc/modules.sh"
  done <"$work/dep"
done

install -m 0755 test/qemu/init.sh "$root/init"
cp testdata/hid/*.rdesc "$root/testdata/"
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
# dbus-daemon wants a machine id to exist.
echo 0123456789abcdef0123456789abcdef >"$root/etc/machine-id"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz"
echo "test-qemu: initramfs $(du -h "$work/initrd.gz" | cut -f1), built in $((SECONDS - start)) s"

# --- the run -----------------------------------------------------------------
log=$work/console.log
cmdline="console=ttyS0 panic=-1 loglevel=${QEMU_LOGLEVEL:-5} handsetd.args=$ARGS"
boot=$SECONDS
echo "test-qemu: booting $kver ($ACCEL), limit ${TIMEOUT} s"
set +e
timeout --kill-after=10 "$TIMEOUT" qemu-system-x86_64 \
  -accel "$ACCEL" -m 1024 -smp 2 \
  -nodefaults -no-reboot -display none -monitor none \
  -serial stdio \
  -kernel "$vmlinuz" -initrd "$work/initrd.gz" -append "$cmdline" \
  </dev/null | tr -d '\r' | tee "$log"
rc=${PIPESTATUS[0]}
set -e
elapsed=$((SECONDS - boot))

if ((rc == 124 || rc == 137)); then
  die "the guest did not finish within ${TIMEOUT} s"
fi
((rc == 0)) || die "qemu exited with status $rc"
if ! grep -q '^RESULT: PASS$' "$log"; then
  grep '^RESULT:' "$log" >&2 || echo "test-qemu: the guest printed no RESULT line" >&2
  die "the real-kernel tier failed (guest ran ${elapsed} s)"
fi
echo "test-qemu: PASS: $(grep -c '^SCENARIO .*: PASS' "$log") scenarios, guest ran ${elapsed} s, total $((SECONDS - start)) s"

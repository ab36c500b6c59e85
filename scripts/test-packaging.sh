#!/usr/bin/env bash
# Packaging test, run as root (it installs and purges the package):
#   1. the man page renders without groff warnings;
#   2. scripts/deb.sh builds the .deb, holding exactly the expected files;
#   3. apt-get installs it; dpkg -L lists the files and they are there;
#      the installed rules are the committed ones and what the installed
#      binary generates;
#   4. systemd-analyze verify accepts the installed user unit;
#   5. udevadm test runs the installed rules against fake sysfs devices in a
#      private mount namespace: a known Jabra headset (USB and hidraw), an
#      unknown Telephony device (through the probe), a keyboard, a
#      Telephony device that also types keys, and CM109 USB ids inside and
#      outside the model's product id range. udev's own parser and matcher
#      decide; nothing of the host's /run, /dev or /sys is touched;
#   6. apt-get remove --purge leaves nothing behind;
#   7. make install / uninstall with PREFIX=/usr/local into a DESTDIR.
# Every step that fails, or cannot run, fails the test.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin

fail() { echo "test-packaging: FAIL: $*" >&2; exit 1; }
step() { printf '\n--- packaging: %s\n' "$*"; }

[[ $(id -u) == 0 ]] || fail "run as root: the test installs and purges the package"
need() { command -v "$1" >/dev/null || fail "$1 missing (Debian package $2)"; }
need go golang
need dpkg-deb dpkg
need apt-get apt
need systemd-analyze systemd
need udevadm udev
need unshare util-linux
need groff groff-base
need man man-db
if dpkg-query -W -f='${Status}' handsetd 2>/dev/null | grep -q 'install ok'; then
  fail "handsetd is already installed here; this test would replace and purge it"
fi

work=$(mktemp -d)
installed=false
cleanup() {
  if $installed; then apt-get remove --purge -y -qq handsetd >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

expected=(
  /usr/bin/handsetd
  /usr/lib/udev/rules.d/70-handsetd.rules
  /usr/lib/systemd/user/handsetd.service
  /usr/share/man/man8/handsetd.8.gz
  /usr/share/doc/handsetd/udev.md
)

step "man page"
groff -man -Tutf8 -ww -z docs/handsetd.8 2>"$work/groff" || fail "groff failed"
[[ ! -s $work/groff ]] || { cat "$work/groff"; fail "groff warnings in docs/handsetd.8"; }

step "build the package"
go build -o bin/handsetd ./cmd/handsetd
deb=$(scripts/deb.sh) || fail "scripts/deb.sh failed"
[[ -f $deb ]] || fail "scripts/deb.sh printed $deb, which does not exist"
echo "$deb"
dpkg-deb -I "$deb"
got=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }' | sort)
want=$(printf '%s\n' "${expected[@]}" | sort)
[[ $got == "$want" ]] || fail "package files differ:"$'\n'"got:"$'\n'"$got"$'\n'"want:"$'\n'"$want"
[[ $(dpkg-deb -f "$deb" Package) == handsetd ]] || fail "Package field"

step "apt-get install"
# Container images often exclude man pages and docs from dpkg; this
# package's must be installed to be checked.
apt-get install -y -q \
  -o DPkg::Options::=--path-include=/usr/share/man/man8/handsetd.8.gz \
  -o DPkg::Options::=--path-include='/usr/share/doc/handsetd/*' \
  "./$deb" || fail "apt-get install ./$deb failed"
installed=true
dpkg -L handsetd | tee "$work/list"
for f in "${expected[@]}"; do
  grep -qx "$f" "$work/list" || fail "dpkg -L does not list $f"
  [[ -f $f ]] || fail "$f not installed"
done
[[ -x /usr/bin/handsetd ]] || fail "/usr/bin/handsetd not executable"
cmp /usr/lib/udev/rules.d/70-handsetd.rules udev/70-handsetd.rules || fail "installed rules differ from udev/70-handsetd.rules"
/usr/bin/handsetd udev-rules | cmp - /usr/lib/udev/rules.d/70-handsetd.rules || fail "installed rules differ from 'handsetd udev-rules'"
[[ $(man -w handsetd) == /usr/share/man/man8/handsetd.8.gz ]] || fail "man -w handsetd: $(man -w handsetd 2>&1)"

step "systemd-analyze verify (user unit)"
# A user manager's search paths need a runtime directory.
mkdir -m 0700 "$work/xdg"
if ! XDG_RUNTIME_DIR=$work/xdg systemd-analyze verify --user /usr/lib/systemd/user/handsetd.service >"$work/verify" 2>&1; then
  cat "$work/verify"; fail "systemd-analyze verify failed"
fi
[[ ! -s $work/verify ]] || { cat "$work/verify"; fail "systemd-analyze verify printed warnings"; }
echo "verify: no errors, no warnings"
XDG_RUNTIME_DIR=$work/xdg systemd-analyze security --user --offline=true /usr/lib/systemd/user/handsetd.service 2>&1 |
  tail -n 1 || true

step "udevadm test on fake devices"
cat >"$work/ns.sh" <<'NS'
# Runs in a private mount namespace: /run, /dev and /sys are replaced by
# tmpfs copies, so udevadm test writes its database and /dev/char links
# there, and reads the fake devices made below.
set -euo pipefail
src=$1 T=$2
fail() { echo "test-packaging: FAIL: $*" >&2; exit 1; }
mount --make-rprivate /
mount -t tmpfs tmpfs "$T"
mkdir -p "$T/dev" "$T/sys/bus/usb" "$T/sys/bus/hid" "$T/sys/class/hidraw" "$T/sys/devices"
touch "$T/dev/null"
mount --bind /dev/null "$T/dev/null"

# fake NAME VID PID RDESC N: a USB device 1-N with one HID interface and
# hidrawN, laid out as the kernel does. Sets usb and raw to their syspaths.
fake() {
  local name=$1 vid=$2 pid=$3 rdesc=$4 n=$5
  local VID=${vid^^} PID=${pid^^}
  usb=/sys/devices/pci0000:00/0000:00:14.0/usb1/1-$n
  local intf=$usb/1-$n:1.0
  local hid=$intf/0003:$VID:$PID.000$n
  raw=$hid/hidraw/hidraw$n
  mkdir -p "$T$raw"
  ln -s /sys/bus/usb "$T$usb/subsystem"
  printf '%s\n' "$vid" >"$T$usb/idVendor"
  printf '%s\n' "$pid" >"$T$usb/idProduct"
  printf '%s\n' "$name" >"$T$usb/product"
  printf 'MAJOR=189\nMINOR=%d\nDEVNAME=bus/usb/001/%03d\nDEVTYPE=usb_device\nBUSNUM=001\nDEVNUM=%03d\n' "$n" "$n" "$n" >"$T$usb/uevent"
  ln -s /sys/bus/usb "$T$intf/subsystem"
  printf 'DEVTYPE=usb_interface\nINTERFACE=3/0/0\n' >"$T$intf/uevent"
  ln -s /sys/bus/hid "$T$hid/subsystem"
  printf 'HID_ID=0003:0000%s:0000%s\nHID_NAME=%s\n' "$VID" "$PID" "$name" >"$T$hid/uevent"
  cp "$rdesc" "$T$hid/report_descriptor"
  ln -s /sys/class/hidraw "$T$raw/subsystem"
  ln -s "$hid" "$T$raw/device"
  printf 'MAJOR=243\nMINOR=%d\nDEVNAME=hidraw%d\n' "$n" "$n" >"$T$raw/uevent"
  ln -s "$raw" "$T/sys/class/hidraw/hidraw$n"
}
fake "Jabra EVOLVE LINK MS" 0b0e 0307 "$src/testdata/hid/0b0e-0307.rdesc" 1
jabra_usb=$usb jabra_raw=$raw
fake "Unknown Telephony" 1234 5678 "$src/udev/testdata/telephony-minimal.rdesc" 2
tel_usb=$usb tel_raw=$raw
fake "Keyboard" 046d c31c "$src/udev/testdata/boot-keyboard.rdesc" 3
kbd_usb=$usb kbd_raw=$raw
fake "Telephony keyboard" 1234 9999 "$src/udev/testdata/telephony-keyboard.rdesc" 4
mix_raw=$raw
# CM109 phones are a product id range; usbhid ignores them, so only the
# USB node matters.
fake "CM109 phone" 0d8c 000c "$src/udev/testdata/boot-keyboard.rdesc" 5
cm_usb=$usb
fake "C-Media device outside the range" 0d8c 0010 "$src/udev/testdata/boot-keyboard.rdesc" 6
cmx_usb=$usb

mount -t tmpfs tmpfs /run
mount --bind "$T/sys" /sys
mount --bind "$T/dev" /dev
mkdir -p /run/udev

# udevadm test SYSPATH > properties; sd-device normally refuses a syspath
# that is not on sysfs, SYSTEMD_DEVICE_VERIFY_SYSFS=0 is its switch for
# tests.
utest() {
  SYSTEMD_DEVICE_VERIFY_SYSFS=0 udevadm test --action=add "$1" >"$T/out" 2>&1 || {
    cat "$T/out"; fail "udevadm test $1 failed"; }
  # Parse problems are logged with the file name and no device prefix.
  if grep -E '^/(usr/)?lib/udev/rules.d/70-handsetd.rules:' "$T/out"; then
    fail "udev reports problems in 70-handsetd.rules"
  fi
  sed -n '/^DEVPATH=/,$p' "$T/out"
}
prop() { grep -qx "$1" <<<"$2"; }
granted() { # what, properties, extra property wanted
  prop "$3" "$2" || { echo "$2"; fail "$1: no $3"; }
  prop 'SYSTEMD_USER_WANTS=handsetd.service' "$2" || { echo "$2"; fail "$1: no SYSTEMD_USER_WANTS"; }
  grep -Eq '^CURRENT_TAGS=.*:uaccess:' <<<"$2" || { echo "$2"; fail "$1: not tagged uaccess"; }
  grep -Eq '^CURRENT_TAGS=.*:systemd:' <<<"$2" || { echo "$2"; fail "$1: not tagged systemd"; }
  echo "ok: $1 granted ($3)"
}
refused() {
  if grep -Eq '^(HANDSETD_[A-Z]+=.|SYSTEMD_USER_WANTS=|(CURRENT_)?TAGS=.*:uaccess:)' <<<"$2"; then
    echo "$2"; fail "$1: granted, must not be"
  fi
  echo "ok: $1 refused"
}

p=$(utest "$jabra_raw"); granted "known handset, hidraw" "$p" HANDSETD_MODEL=jabra-evolve-link-ms
p=$(utest "$jabra_usb"); granted "known handset, USB node" "$p" HANDSETD_MODEL=jabra-evolve-link-ms
p=$(utest "$tel_raw");   granted "unknown Telephony device, hidraw" "$p" HANDSETD_TELEPHONY=1
p=$(utest "$tel_usb");   refused "unknown Telephony device, USB node" "$p"
p=$(utest "$kbd_raw");   refused "keyboard, hidraw" "$p"
p=$(utest "$kbd_usb");   refused "keyboard, USB node" "$p"
p=$(utest "$mix_raw");   refused "Telephony device that types keys, hidraw" "$p"
p=$(utest "$cm_usb");    granted "CM109 in the product id range, USB node" "$p" HANDSETD_MODEL=cm109
p=$(utest "$cmx_usb");   refused "C-Media device outside the range, USB node" "$p"
NS
unshare -m true || fail "cannot create a private mount namespace for udevadm test (needs CAP_SYS_ADMIN)"
mkdir "$work/ns"
unshare -m bash "$work/ns.sh" "$PWD" "$work/ns" 2>&1 || fail "udevadm tests failed"

step "apt-get remove --purge"
apt-get remove --purge -y -q handsetd || fail "apt-get remove --purge handsetd failed"
installed=false
if dpkg-query -W -f='${Status}\n' handsetd 2>/dev/null | grep -qv '^unknown ok not-installed$\|^$'; then
  fail "handsetd still known to dpkg: $(dpkg-query -W -f='${Status}' handsetd)"
fi
for f in "${expected[@]}" /usr/share/doc/handsetd; do
  [[ ! -e $f ]] || fail "$f left behind"
done
echo "removed: no files left"

step "make install / uninstall (PREFIX=/usr/local, DESTDIR)"
root=$work/root
PREFIX=/usr/local DESTDIR=$root scripts/install.sh
grep -qx 'IMPORT{program}="/usr/local/bin/handsetd udev-probe %k"' "$root/usr/local/lib/udev/rules.d/70-handsetd.rules" ||
  fail "rules of a /usr/local install do not run /usr/local/bin/handsetd"
grep -qx 'ExecStart=/usr/local/bin/handsetd run' "$root/usr/local/lib/systemd/user/handsetd.service" ||
  fail "unit of a /usr/local install does not run /usr/local/bin/handsetd"
PREFIX=/usr/local DESTDIR=$root scripts/uninstall.sh
left=$(find "$root" -type f)
[[ -z $left ]] || fail "uninstall left: $left"

step "all passed"

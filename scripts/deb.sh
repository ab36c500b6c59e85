#!/usr/bin/env bash
# Builds dist/handsetd_<version>_<arch>.deb from bin/handsetd with
# dpkg-deb alone (no debhelper): the files scripts/install.sh puts under
# PREFIX=/usr, a control file whose Depends come from the binary's shared
# libraries, and maintainer scripts that reload udev and the user managers
# but start nothing as root. Prints the path of the package.
#
#   BIN=bin/handsetd  VERSION=<debian version>  MAINTAINER="Name <mail>"
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-bin/handsetd}
die() { echo "deb: $*" >&2; exit 1; }
for t in dpkg-deb dpkg readelf gzip; do
  command -v "$t" >/dev/null || die "$t missing (Debian packages dpkg, binutils, gzip)"
done
[[ -x $BIN ]] || die "$BIN missing: run 'make build' first"

# 0.0.0+git20261121.1a2b3c4 until the project tags releases (vX.Y.Z).
if [[ -z ${VERSION:-} ]]; then
  if tag=$(git describe --tags --match 'v[0-9]*' 2>/dev/null); then
    VERSION=${tag#v}
    VERSION=${VERSION//-/+}
  else
    VERSION=0.0.0+git$(git log -1 --format=%cd --date=format:%Y%m%d).$(git rev-parse --short=7 HEAD)
  fi
fi
[[ $VERSION =~ ^[0-9][A-Za-z0-9.+~-]*$ ]] || die "bad version: $VERSION"
# (Readers of a pipe read it all: with pipefail, an early exit would
# fail the pipe with SIGPIPE.)
MAINTAINER=${MAINTAINER:-$(git log --reverse --format='%an <%ae>' | sed -n 1p)}
arch=$(dpkg --print-architecture)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
chmod 0755 "$stage" # it becomes the package's "/"
PREFIX=/usr DESTDIR=$stage BIN=$BIN scripts/install.sh >/dev/null
cmp -s "$stage/usr/lib/udev/rules.d/70-handsetd.rules" udev/70-handsetd.rules ||
  die "udev/70-handsetd.rules differs from 'handsetd udev-rules': run go test ./udev -run TestRulesFileMatchesDatabase -update"

# Depends: the package that owns each shared library the binary needs (a
# small dpkg-shlibdeps without versions). A static binary needs none.
deps=()
while read -r soname; do
  path=$(ldconfig -p | awk -v so="$soname" '$1 == so && !p { p = $NF } END { print p }')
  [[ -n $path ]] || die "no path for $soname"
  pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null || dpkg -S "$path" 2>/dev/null) || die "no package owns $path"
  deps+=("${pkg%%:*}")
done < <(readelf -d "$BIN" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
depends=$(printf '%s\n' "${deps[@]}" | sed '/^$/d' | sort -u | paste -sd, - | sed 's/,/, /g')

install -d -m 0755 "$stage/DEBIAN"
{
  echo "Package: handsetd"
  echo "Version: $VERSION"
  echo "Architecture: $arch"
  echo "Maintainer: $MAINTAINER"
  echo "Installed-Size: $(du -sk --exclude=DEBIAN "$stage" | cut -f1)"
  [[ -z $depends ]] || echo "Depends: $depends"
  echo "Recommends: udev, systemd"
  echo "Section: utils"
  echo "Priority: optional"
  echo "Description: userspace driver for USB telephone handsets"
  echo " handsetd turns the hook switch, keypad and mute button of USB handsets"
  echo " and headsets into phone-API commands for a softphone over D-Bus, and"
  echo " drives their ring, off-hook, hold and mute indicators from the call."
  echo " It supports HID Telephony devices, C-Media CM109 phones and the"
  echo " Yealink USB-P1K."
  echo " ."
  echo " The package installs udev rules that give the logged-in user access to"
  echo " handsets only, and a systemd user unit that udev starts when one is"
  echo " plugged in."
} >"$stage/DEBIAN/control"

# Maintainer scripts: udev/reload.sh's functions, then the action.
script() { # name, body
  {
    echo "#!/bin/sh"
    echo "set -e"
    cat udev/reload.sh
    echo
    printf '%s\n' "$2"
    echo "exit 0"
  } >"$stage/DEBIAN/$1"
  chmod 0755 "$stage/DEBIAN/$1"
}
script postinst 'case "$1" in
configure)
	handsetd_reload trigger
	# An upgrade: the running daemons still run the old binary.
	[ -z "$2" ] || handsetd_restart
	;;
esac'
script prerm 'case "$1" in
remove|deconfigure) handsetd_stop ;;
esac'
script postrm 'case "$1" in
remove|purge) handsetd_reload ;;
esac'

(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) >"$stage/DEBIAN/md5sums"

mkdir -p dist
out=dist/handsetd_${VERSION}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$out" >/dev/null
echo "$out"

#!/usr/bin/env bash
# Removes what scripts/install.sh installed under $DESTDIR$PREFIX (same
# PREFIX, DESTDIR, UDEVRULESDIR and USERUNITDIR). With no DESTDIR it first
# stops the user services, and afterwards reloads udev and the user
# managers. ACLs already given to a plugged handset last until it is
# unplugged.
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX=${PREFIX:-/usr/local}
DESTDIR=${DESTDIR:-}

die() { echo "uninstall: $*" >&2; exit 1; }
[[ $PREFIX == /* ]] || die "PREFIX must be absolute: $PREFIX"

case $PREFIX in
  /usr|/usr/local)
    UDEVRULESDIR=${UDEVRULESDIR:-$PREFIX/lib/udev/rules.d}
    USERUNITDIR=${USERUNITDIR:-$PREFIX/lib/systemd/user} ;;
  *)
    UDEVRULESDIR=${UDEVRULESDIR:-/etc/udev/rules.d}
    USERUNITDIR=${USERUNITDIR:-/etc/systemd/user} ;;
esac

. udev/reload.sh
[[ -n $DESTDIR ]] || handsetd_stop

for f in \
  "$PREFIX/bin/handsetd" \
  "$UDEVRULESDIR/70-handsetd.rules" \
  "$USERUNITDIR/handsetd.service" \
  "$PREFIX/share/man/man8/handsetd.8.gz" \
  "$PREFIX/share/doc/handsetd/udev.md"; do
  if [[ -e $DESTDIR$f || -L $DESTDIR$f ]]; then
    rm -f "$DESTDIR$f"
    echo "uninstall: removed $DESTDIR$f"
  fi
done
# Directories install.sh may have created, when empty; never under /usr,
# where dpkg owns them.
rmdir "$DESTDIR$PREFIX/share/doc/handsetd" 2>/dev/null || true
if [[ $PREFIX != /usr ]]; then
  for d in "$UDEVRULESDIR" "${UDEVRULESDIR%/*}" "$USERUNITDIR" "${USERUNITDIR%/*}"; do
    rmdir "$DESTDIR$d" 2>/dev/null || true
  done
fi

[[ -n $DESTDIR ]] || handsetd_reload

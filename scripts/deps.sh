#!/usr/bin/env bash
# Installs what building and testing handsetd needs: Debian packages (as
# root, or through sudo) and the Go tools. On other distributions it prints
# the packages to install and stops.
set -euo pipefail

# Build: cgo bindings to hidapi's hidraw backend (libudev), libusb (gousb),
# PortAudio. Tests: dbus-daemon, umockdev, jackd's dummy backend; the
# packaging test: udevadm, systemd-analyze, man; the baresip tier: baresip;
# the real-kernel tier: qemu, busybox, cpio, kmod.
packages=(
  gcc pkg-config git ca-certificates
  libudev-dev libusb-1.0-0-dev portaudio19-dev libportaudio2
  dbus umockdev libumockdev-dev gir1.2-umockdev-1.0
  jackd2 libasound2-plugins alsa-utils
  udev systemd man-db groff-base
  baresip-core
  qemu-system-x86 busybox-static cpio kmod
)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ "$st" == "install ok installed" ]] || missing+=("$p")
  done
else
  echo "deps: not a Debian system; install the equivalents of: ${packages[*]}" >&2
  exit 1
fi

sudo=()
if [[ $(id -u) != 0 ]]; then sudo=(sudo); fi
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}" >&2
  if ((${#sudo[@]})) && ! command -v sudo >/dev/null; then
    echo "deps: need root or sudo to install: ${missing[*]}" >&2; exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # jackd2 asks whether to enable realtime scheduling; answer no.
  echo "jackd2 jackd/tweak_rt_limits boolean false" | "${sudo[@]}" debconf-set-selections 2>/dev/null || true
  "${sudo[@]}" apt-get update -qq
  # --no-install-recommends: jackd2's recommends pull in Qt and GTK.
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Go 1.26: Debian's own golang is too old. The Go module proxy serves the
# official toolchain as a zip (golang.org/toolchain), which needs no Go to
# fetch; it goes to /usr/local/go when that is free, else ~/.local/go.
go_ok() { command -v go >/dev/null 2>&1 && [[ $(go env GOVERSION 2>/dev/null) =~ ^go1\.(2[6-9]|[3-9][0-9]) ]]; }
[[ -x /usr/local/go/bin/go ]] && export PATH=/usr/local/go/bin:$PATH
if ! go_ok; then
  version=${GO_TOOLCHAIN:-1.26.8}
  arch=$(dpkg --print-architecture)
  dest=/usr/local/go
  if [[ -e $dest || ! -w /usr/local ]]; then dest=$HOME/.local/go; fi
  echo "deps: installing Go $version into $dest" >&2
  for p in curl unzip; do command -v $p >/dev/null || { "${sudo[@]}" apt-get install -y -qq --no-install-recommends $p >/dev/null; }; done
  tmp=$(mktemp -d)
  curl -fsSL -o "$tmp/go.zip" "https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-go$version.linux-$arch.zip"
  unzip -q "$tmp/go.zip" -d "$tmp"
  mkdir -p "$(dirname "$dest")"
  mv "$tmp/golang.org/toolchain@v0.0.1-go$version.linux-$arch" "$dest"
  chmod +x "$dest"/bin/* "$dest"/pkg/tool/*/* 2>/dev/null || true
  rm -rf "$tmp"
  export PATH=$dest/bin:$PATH
  go_ok || { echo "deps: Go install failed" >&2; exit 1; }
  echo "deps: add $dest/bin to your PATH" >&2
fi

gobin=$(go env GOPATH)/bin
if [[ ! -x $gobin/staticcheck ]]; then
  echo "deps: installing staticcheck" >&2
  go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi

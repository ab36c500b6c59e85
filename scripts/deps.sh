#!/usr/bin/env bash
# Installs what building and testing handsetd needs: Debian packages (as
# root, or through sudo) and the Go tools. On other distributions it prints
# the packages to install and stops.
set -euo pipefail

# Build: cgo bindings to hidapi's hidraw backend (libudev), libusb (gousb),
# PortAudio. Tests: dbus-daemon, umockdev, jackd's dummy backend.
packages=(
  gcc pkg-config git ca-certificates
  libudev-dev libusb-1.0-0-dev portaudio19-dev libportaudio2
  dbus umockdev libumockdev-dev gir1.2-umockdev-1.0
  jackd2 libasound2-plugins alsa-utils
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

if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}" >&2
  sudo=()
  if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null || { echo "deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  # jackd2 asks whether to enable realtime scheduling; answer no.
  echo "jackd2 jackd/tweak_rt_limits boolean false" | "${sudo[@]}" debconf-set-selections 2>/dev/null || true
  "${sudo[@]}" apt-get update -qq
  # --no-install-recommends: jackd2's recommends pull in Qt and GTK.
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v go >/dev/null 2>&1; then
  if [[ -x /usr/local/go/bin/go ]]; then export PATH=$PATH:/usr/local/go/bin; else
    echo "deps: Go 1.26 or newer is required (https://go.dev/dl/)" >&2; exit 1; fi
fi

gobin=$(go env GOPATH)/bin
if [[ ! -x $gobin/staticcheck ]]; then
  echo "deps: installing staticcheck" >&2
  go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi

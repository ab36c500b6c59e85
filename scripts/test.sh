#!/usr/bin/env bash
# Runs every test tier. A tier that cannot run fails the run: nothing is
# skipped silently.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$HOME/.local/go/bin:$PATH
export PATH=$PATH:$(go env GOPATH)/bin
FUZZTIME=${FUZZTIME:-20s}

step() { printf '\n=== %s\n' "$*"; }

# Packages holding test files behind a build tag.
tagged_pkgs() {
  grep -rl --include='*.go' "^//go:build.*\b$1\b" . | xargs -r -n1 dirname | sort -u | sed 's|^\./|handsetd/|;s|^\.$|handsetd|'
}

step "gofmt"
bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [[ -n $bad ]]; then echo "not gofmt-ed:"; echo "$bad"; exit 1; fi

step "go vet"
go vet ./...
go vet -tags 'umockdev jack' ./...

step "staticcheck"
staticcheck ./...
staticcheck -tags 'umockdev jack' ./...

step "unit tests (-race)"
go test -race -count=1 ./...

step "umockdev tier"
mapfile -t upkgs < <(tagged_pkgs umockdev)
((${#upkgs[@]})) || { echo "no umockdev tests found"; exit 1; }
command -v umockdev-wrapper >/dev/null || { echo "umockdev-wrapper missing"; exit 1; }
go test -count=1 -tags umockdev -exec umockdev-wrapper "${upkgs[@]}"

step "PortAudio on jackd (dummy backend)"
mapfile -t jpkgs < <(tagged_pkgs jack)
if ((${#jpkgs[@]})); then
  scripts/with-jack.sh go test -p 1 -count=1 -tags jack "${jpkgs[@]}"
else
  echo "no jack-tagged tests yet"; [[ ${CI:-} == true ]] && [[ -d audio/bridge ]] && exit 1
fi

step "real kernel in QEMU: dummy_hcd gadgets, the real binary"
scripts/test-qemu.sh

step "baresip: two real baresip instances, one driven by handsetd"
scripts/test-baresip.sh

step "packaging: .deb built, installed, verified, removed"
if [[ $(id -u) == 0 ]]; then scripts/test-packaging.sh; else sudo scripts/test-packaging.sh; fi

# fuzz_once runs one fuzz target. A real failure writes the failing input
# to testdata/fuzz and fails the run. The Go toolchain can also end a run
# with "context deadline exceeded" and no failing input when -fuzztime runs
# out while a worker is busy; only that is retried, once.
fuzz_once() {
  local out rc=0
  out=$(go test -run='^$' -fuzz="^${2}\$" -fuzztime="$FUZZTIME" "$1" 2>&1) || rc=$?
  printf '%s\n' "$out" | tail -n 5
  ((rc == 0)) && return 0
  if [[ -z ${3:-} ]] && grep -q 'context deadline exceeded' <<<"$out" && ! grep -q 'Failing input written' <<<"$out"; then
    echo "fuzz: $2 stopped at its deadline without a failing input; running it once more"
    return 1
  fi
  printf '%s\n' "$out"
  exit 1
}

step "fuzz (${FUZZTIME} each)"
while IFS=: read -r file fn; do
  pkg=./$(dirname "$file")
  name=$(sed -E 's/^func (Fuzz[A-Za-z0-9_]*).*/\1/' <<<"$fn")
  echo "--- $pkg $name"
  fuzz_once "$pkg" "$name" || fuzz_once "$pkg" "$name" retry
done < <(git grep -n --no-color '^func Fuzz' -- '*_test.go' | sed -E 's/^([^:]+):[0-9]+:/\1:/')

step "all tiers passed"

#!/usr/bin/env bash
# Prints handsetd's performance report (make bench): the machine, then every
# measurement docs/performance.md records, each under the command that
# produced it. Nothing here passes or fails on a number: a step fails only
# when it cannot run.
#
#   EVENTS=10000       events per latency distribution
#   IDLE_SECONDS=10    idle window for CPU and wake-ups
#   STARTS=20          daemon starts timed
#   QUICK=1            skip the slow figures of other packages (10-minute
#                      drift simulation, JACK callback gaps)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$HOME/.local/go/bin:$PATH
EVENTS=${EVENTS:-10000}
IDLE_SECONDS=${IDLE_SECONDS:-10}
STARTS=${STARTS:-20}
QUICK=${QUICK:-}

section() { printf '\n## %s\n' "$*"; }
# run shows the command, runs it, and keeps only what a reader wants from
# its standard output: the benchmark lines and the benchmarks' own log
# lines, not the daemon's JSON log or go test's bookkeeping. Standard error
# (ALSA's complaints about missing cards, say) is shown only on failure.
run() {
  printf '\n$ %s\n' "$*"
  local out rc=0 err
  err=$(mktemp)
  out=$("$@" 2>"$err") || rc=$?
  grep -vE '^\s*$|^\s*\{"time"|^(goos|goarch|pkg|cpu):|^PASS$|^ok\s|^--- BENCH' <<<"$out" | sed -E 's/^\s+([a-z_]+_test\.go:[0-9]+: )/    /' || true
  if ((rc != 0)); then
    echo "FAILED (exit $rc):"
    tail -40 <<<"$out"
    tail -40 "$err"
    rm -f "$err"
    exit "$rc"
  fi
  rm -f "$err"
}

section "Machine"
echo "date:     $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "cpu:      $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') ($(nproc) cores)"
echo "memory:   $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
echo "kernel:   $(uname -sr)"
echo "go:       $(go version | cut -d' ' -f3-)"
echo "commit:   $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "umockdev: $(dpkg-query -W -f='${Version}' umockdev 2>/dev/null || echo unknown)"

command -v umockdev-wrapper >/dev/null || { echo "umockdev-wrapper missing (apt-get install umockdev)"; exit 1; }
command -v dbus-daemon >/dev/null || { echo "dbus-daemon missing (apt-get install dbus)"; exit 1; }

# One binary for every run of the real daemon below.
bindir=$(mktemp -d)
trap 'rm -rf "$bindir"' EXIT
go build -o "$bindir/handsetd" ./cmd/handsetd
export HANDSETD_BIN=$bindir/handsetd
umock=(go test -count=1 -tags umockdev -exec umockdev-wrapper -run '^$')

section "The real daemon: input report -> phone-API command at the host"
# USB full-speed HID reports arrive every bInterval (1-10 ms); this is what
# the daemon adds after the kernel hands the report to /dev/hidrawN.
run "${umock[@]}" -bench 'InputToCommand' -benchtime "${EVENTS}x" ./test/perf
if grep -qs '^func BenchmarkLatency' test/e2e/*_test.go; then
  run "${umock[@]}" -bench 'Latency' -benchtime "${EVENTS}x" ./test/e2e
fi

section "The real daemon: notification -> output report"
run "${umock[@]}" -bench 'NotifyToOutput' -benchtime "${EVENTS}x" ./test/perf

section "The real daemon: footprint with 0 and 4 handsets"
run "${umock[@]}" -bench 'Footprint' -benchtime 1x ./test/perf

section "The real daemon: idle CPU and wake-ups (4 handsets, ${IDLE_SECONDS} s)"
HANDSETD_IDLE_SECONDS=$IDLE_SECONDS run "${umock[@]}" -bench 'Idle' -benchtime 1x ./test/perf

section "The real daemon: start -> READY=1 (${STARTS} starts, 4 handsets)"
run "${umock[@]}" -bench 'Startup' -benchtime "${STARTS}x" ./test/perf

section "Parsers and drivers"
run go test -count=1 -run '^$' -bench Decode -benchmem ./hid
run go test -count=1 -run '^$' -bench . -benchmem ./devices/telephony
run go test -count=1 -run '^$' -bench . -benchmem -benchtime 2000x ./phoneapi ./phoneapi/calls

section "D-Bus: a burst of 10 000 notifications"
run go test -count=1 -v -run Burst ./phoneapi/session

section "Audio"
run go test -count=1 -run '^$' -bench Duplex -benchtime 3s ./audio/drift
run go test -count=1 -v -run Quality ./audio/resample
if [[ -z $QUICK ]]; then
  run go test -count=1 -run '^$' -bench Simulation10Min -benchtime 1x ./audio/drift
  if grep -qs '^func BenchmarkCallbackGap' audio/pa/*_test.go; then
    run scripts/with-jack.sh go test -count=1 -tags jack -run '^$' -bench CallbackGap -benchtime 2000x ./audio/pa
  fi
fi

section "Physical floor, for comparison"
cat <<'EOF'
USB full-speed HID interrupt-IN endpoints are polled every bInterval: 1-10 ms
for handsets (1 ms at best at full speed; 10 ms is common). A report waits up
to one interval before it leaves the device, so the USB side alone adds 0-10
ms, against which the daemon's own latency above is to be read. The kernel's
path from the URB completion to /dev/hidrawN (usbhid -> hid-core ->
hidraw_report_event -> wake_up of the reader) takes microseconds.
EOF

#!/usr/bin/env bash
# Runs a command with a private jackd on the dummy backend (48 kHz, 256-frame
# period: 5.33 ms), as docs/performance.md assumes. Fails if jackd cannot start.
set -euo pipefail
export JACK_NO_AUDIO_RESERVATION=1
export JACK_DEFAULT_SERVER=${JACK_DEFAULT_SERVER:-handsetd-test-$$}
RATE=${JACK_RATE:-48000}
PERIOD=${JACK_PERIOD:-256}
jackd --no-realtime -n "$JACK_DEFAULT_SERVER" -d dummy -r "$RATE" -p "$PERIOD" -C 2 -P 2 >"${TMPDIR:-/tmp}/jackd-$$.log" 2>&1 &
jpid=$!
trap 'kill $jpid 2>/dev/null; wait $jpid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  if jack_lsp -s "$JACK_DEFAULT_SERVER" >/dev/null 2>&1; then break; fi
  kill -0 $jpid 2>/dev/null || { echo "jackd exited:"; cat "${TMPDIR:-/tmp}/jackd-$$.log"; exit 1; }
  sleep 0.1
done
jack_lsp -s "$JACK_DEFAULT_SERVER" >/dev/null 2>&1 || { echo "jackd did not come up"; cat "${TMPDIR:-/tmp}/jackd-$$.log"; exit 1; }
"$@"

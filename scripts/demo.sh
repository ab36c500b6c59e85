#!/usr/bin/env bash
# The main job with no hardware: a private D-Bus, the built-in test host (a
# softphone stand-in), and handsetd on a simulated handset. An incoming call
# rings the handset; the user lifts it (the host answers), dials 1 2 3,
# mutes and unmutes, and hangs up. The host prints each command it receives
# ("-> ") and each notification it sends ("<- "); lines from the simulated
# handset start with "handset:".
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${HANDSETD:-bin/handsetd}
model=${1:-}
step=${DEMO_STEP:-1.5}

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

dbus-daemon --session --nofork --address="unix:path=$work/bus" --print-address=3 3>"$work/addr" 2>/dev/null &
pids+=($!)
for _ in $(seq 50); do [[ -s $work/addr ]] && break; sleep 0.1; done
bus=$(head -n1 "$work/addr")
[[ -n $bus ]] || { echo "demo: dbus-daemon did not start" >&2; exit 1; }

mkfifo "$work/host.in" "$work/user.in"
"$bin" host --bus="$bus" <"$work/host.in" &
pids+=($!)
exec 3>"$work/host.in"
"$bin" run --bus="$bus" --simulate${model:+=$model} --log-level=warn <"$work/user.in" &
daemon=$!
pids+=($daemon)
exec 4>"$work/user.in"

say() { printf '\n--- %s\n' "$*"; }
sleep "$step"
say "the softphone gets an incoming call: the handset rings"
echo "ring +4930123456 Ada" >&3; sleep "$step"
say "the user lifts the handset: HOOK OFF, the softphone answers, ringing stops"
echo "h" >&4; sleep "$step"
say "the user presses 1 2 3: BTN_PRESSED / BTN_RELEASED"
echo "123" >&4; sleep "$step"
say "the user presses mute twice: MUTE ON, MUTE OFF, the softphone confirms"
echo "m" >&4; sleep "$step"
echo "m" >&4; sleep "$step"
say "the user hangs up: HOOK ON, the softphone ends the call"
echo "h" >&4; sleep "$step"
say "an outgoing call from the softphone does not ring the handset"
echo "outgoing +4930999" >&3; sleep "$step"
echo "hangup" >&3; sleep "$step"
say "done: stopping handsetd (SIGTERM)"
kill -TERM "$daemon"
wait "$daemon"
echo "handsetd exited with status $?"

#!/usr/bin/env bash
# End-to-end latency of the real handsetd binary under umockdev: input
# report injected -> command at the test host, and host notification ->
# output report on the simulated device. Reports p50/p99/max in
# microseconds. ROUNDS key presses (two commands each) and ROUNDS
# notifications; default 2000.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:$(go env GOPATH)/bin:/usr/local/go/bin
command -v umockdev-wrapper >/dev/null || { echo "umockdev-wrapper missing (apt-get install umockdev)" >&2; exit 1; }
rounds=${ROUNDS:-2000}
exec go test -tags umockdev -exec umockdev-wrapper -run '^$' -bench Latency \
  -benchtime="${rounds}x" -count="${COUNT:-1}" ./test/e2e

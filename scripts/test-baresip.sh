#!/usr/bin/env bash
# End-to-end tests of handsetd with baresip as its host (test/baresip):
# two real baresip processes on 127.0.0.1, one driven by an in-process
# daemon with a simulated handset. Fails, never skips, when baresip or one
# of the modules the tests load is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:$(go env GOPATH)/bin:/usr/local/go/bin

command -v baresip >/dev/null || {
  echo "baresip is not installed: apt-get install --no-install-recommends baresip-core"; exit 1; }
echo "using $(baresip -h 2>&1 | head -1)"

gofmt_bad=$(gofmt -l host/baresip test/baresip)
[[ -z $gofmt_bad ]] || { echo "not gofmt-ed: $gofmt_bad"; exit 1; }
go vet -tags baresip ./host/baresip/ ./test/baresip/
staticcheck -tags baresip ./host/baresip/ ./test/baresip/
go test -race -count=1 -tags baresip ./test/baresip/

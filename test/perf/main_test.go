//go:build umockdev

package perf

import (
	"os"
	"testing"

	"handsetd/test/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }

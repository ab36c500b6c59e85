//go:build umockdev

package faults

import (
	"os"
	"testing"

	"handsetd/test/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }

//go:build umockdev

package main

import (
	"testing"

	"handsetd/hid/umockdev"
)

// TestListUmockdev runs list against the real hidapi and libudev code on
// two simulated handsets.
func TestListUmockdev(t *testing.T) {
	tb, err := umockdev.New()
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	for _, f := range []string{"0b0e-0307", "047f-c053"} {
		spec, err := umockdev.SpecFromFile("../../testdata/hid/" + f + ".rdesc")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tb.AddHandset(spec); err != nil {
			t.Fatal(err)
		}
	}
	out, errOut, code := runCmd(t, "list")
	want := "" +
		"PATH          ID         INTERFACE  USAGE      TELEPHONY  PRODUCT            MANUFACTURER  SERIAL\n" +
		"/dev/hidraw0  0b0e:0307  3          000b:0005  yes        Handset 0b0e:0307  Simulated     SIM0B0E0307\n" +
		"/dev/hidraw1  047f:c053  3          000b:0005  yes        Handset 047f:c053  Simulated     SIM047FC053\n"
	if code != 0 || out != want || errOut != "" {
		t.Errorf("list = %d, stdout:\n%s\nstderr: %q\nwant:\n%s", code, out, errOut, want)
	}
}

package hidraw

import (
	"errors"
	"syscall"
	"testing"

	"handsetd/hid"
)

func TestIsTelephony(t *testing.T) {
	for _, tc := range []struct {
		page uint16
		want bool
	}{{0x0b, true}, {0x0c, false}, {0xff30, false}, {0, false}} {
		if got := (DeviceInfo{UsagePage: tc.page}).IsTelephony(); got != tc.want {
			t.Errorf("IsTelephony(page %#x) = %v, want %v", tc.page, got, tc.want)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		want error // nil: passed through unchanged
	}{
		{"Interrupted system call", syscall.EINTR},
		{"hid_read_timeout: unexpected poll error (device disconnected)", hid.ErrDisconnected},
		{"Input/output error", hid.ErrDisconnected},
		{"No such device", hid.ErrDisconnected},
		{"ioctl (GFEATURE): No such device", hid.ErrDisconnected},
		{"Broken pipe", nil},
		{"Zero buffer/length", nil},
	} {
		in := errors.New(tc.msg)
		got := classify(in)
		if tc.want == nil {
			if got != in {
				t.Errorf("classify(%q) = %v, want it unchanged", tc.msg, got)
			}
			continue
		}
		if !errors.Is(got, tc.want) {
			t.Errorf("classify(%q) = %v, want it to wrap %v", tc.msg, got, tc.want)
		}
	}
}

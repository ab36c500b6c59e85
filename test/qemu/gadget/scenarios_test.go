package main

import (
	"errors"
	"fmt"
	"testing"

	"github.com/godbus/dbus/v5"
)

func TestOnlyUndeliverable(t *testing.T) {
	gone := dbus.Error{Name: "org.freedesktop.DBus.Error.NameHasNoOwner", Body: []any{`Name ":1.1" does not exist`}}
	unknown := &dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown"}
	refused := dbus.Error{Name: "com.Skype.API.Client.Error.Refused"}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("phoneapitest: broadcast: %w", errors.Join(gone, gone)), true},
		{fmt.Errorf("phoneapitest: broadcast: %w", errors.Join(gone, unknown)), true},
		{fmt.Errorf("phoneapitest: broadcast: %w", errors.Join(gone, refused)), false},
		{errors.New("phoneapitest: broadcast: context deadline exceeded"), false},
		{fmt.Errorf("wrapped: %w", errors.New("plain")), false},
	} {
		if got := onlyUndeliverable(tc.err); got != tc.want {
			t.Errorf("onlyUndeliverable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

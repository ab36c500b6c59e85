package discover

import (
	"maps"
	"testing"
)

func TestBusAddress(t *testing.T) {
	for _, tc := range []struct {
		node      string
		bus, addr int
		ok        bool
	}{
		{"/dev/bus/usb/001/007", 1, 7, true},
		{"/dev/bus/usb/003/120", 3, 120, true},
		{"/dev/hidraw0", 0, 0, false},
		{"/dev/bus/usb/001", 0, 0, false},
		{"/dev/bus/usb/000/001", 0, 0, false},
		{"/dev/bus/usb/x/1", 0, 0, false},
	} {
		bus, addr, ok := busAddress(tc.node)
		if bus != tc.bus || addr != tc.addr || ok != tc.ok {
			t.Errorf("busAddress(%q) = %d, %d, %v; want %d, %d, %v", tc.node, bus, addr, ok, tc.bus, tc.addr, tc.ok)
		}
	}
}

func TestUserKeyMapOverridesModel(t *testing.T) {
	s := NewDevices(Options{KeyMap: func(id string) map[string]string {
		if id == "cm109" {
			return map[string]string{"0x88": "SKYPE", "flash": "R"}
		}
		return nil
	}})
	model := map[string]string{"0x88": "YES", "0x48": "NO"}
	got := s.keyMap(model, "cm109")
	if want := map[string]string{"0x88": "SKYPE", "0x48": "NO"}; !maps.Equal(got, want) {
		t.Fatalf("keyMap = %v, want %v", got, want)
	}
	if model["0x88"] != "YES" {
		t.Fatal("the model's own key map was modified")
	}
	if got := s.keyMap(model, "other"); !maps.Equal(got, model) {
		t.Fatalf("keyMap without user entries = %v, want the model's", got)
	}
}

package devices

import "testing"

func TestButtonForKey(t *testing.T) {
	for name, want := range map[string]Button{
		"YES": ButtonAnswer, "NO": ButtonDrop, "R": ButtonFlash, "+": ButtonRedial,
		"SKYPE": ButtonProgrammable, "0": ButtonKey, "9": ButtonKey, "*": ButtonKey, "#": ButtonKey,
		"A": ButtonOther, "C": ButtonOther, "UP": ButtonOther, "DOWN": ButtonOther, "": ButtonOther,
		"10": ButtonOther, "yes": ButtonOther,
	} {
		if got := ButtonForKey(name); got != want {
			t.Errorf("ButtonForKey(%q) = %v, want %v", name, got, want)
		}
	}
}

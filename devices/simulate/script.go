package simulate

import (
	"fmt"
	"strings"

	"handsetd/hid"
)

// Help lists the actions Do understands.
const Help = `actions: h (lift/replace), lift, replace, 0-9 * # (keys), m (mute), f (flash), r (redial), x (drop), help`

// Do performs the actions of one line of text and returns what it did, for
// the user to see. An unknown word stops the line with an error; actions
// before it have happened.
func (s *Handset) Do(line string) ([]string, error) {
	var did []string
	for _, word := range strings.Fields(line) {
		w := strings.ToLower(word)
		var err error
		var what string
		switch w {
		case "h", "hook":
			if s.OffHook() {
				err, what = s.Replace(), "handset replaced (on hook)"
			} else {
				err, what = s.Lift(), "handset lifted (off hook)"
			}
		case "lift", "off", "answer":
			err, what = s.Lift(), "handset lifted (off hook)"
		case "replace", "on", "hangup":
			err, what = s.Replace(), "handset replaced (on hook)"
		case "m", "mute":
			err, what = s.Mute(), "mute pressed"
		case "f", "flash":
			err, what = s.Button(hid.UsageFlash), "flash pressed"
		case "r", "redial":
			err, what = s.Button(hid.UsageRedial), "redial pressed"
		case "x", "drop":
			err, what = s.Button(hid.UsageDrop), "drop pressed"
		case "help", "?":
			did = append(did, Help)
			continue
		default:
			if !isKeys(w) {
				return did, fmt.Errorf("simulate: unknown action %q (%s)", word, Help)
			}
			for i := 0; i < len(w) && err == nil; i++ {
				err = s.Press(w[i])
			}
			what = "keys " + w + " pressed"
		}
		if err != nil {
			return did, err
		}
		did = append(did, what)
	}
	return did, nil
}

func isKeys(w string) bool {
	for i := 0; i < len(w); i++ {
		if _, ok := keyUsage(w[i]); !ok {
			return false
		}
	}
	return w != ""
}

package tone

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Tone is a sum of sines at Freqs, each at LevelDBm0, switched on and off
// by Cadence: on, off, on, off... repeating; an empty cadence is
// continuous.
type Tone struct {
	Freqs     []float64
	LevelDBm0 float64
	Cadence   []time.Duration
}

// MaxFreqs is the largest number of components a tone may have.
const MaxFreqs = 4

// ErrInvalidTone is returned (wrapped) for a tone the generator cannot play.
var ErrInvalidTone = errors.New("tone: invalid tone")

// Validate reports whether the tone can be played at rate samples per
// second.
func (t Tone) Validate(rate int) error {
	if len(t.Freqs) > MaxFreqs {
		return fmt.Errorf("%w: %d frequencies, at most %d", ErrInvalidTone, len(t.Freqs), MaxFreqs)
	}
	for _, f := range t.Freqs {
		if !(f > 0 && f < float64(rate)/2) {
			return fmt.Errorf("%w: frequency %g Hz outside (0, %d)", ErrInvalidTone, f, rate/2)
		}
	}
	if t.LevelDBm0 > 3.17 || math.IsNaN(t.LevelDBm0) {
		return fmt.Errorf("%w: level %g dBm0 above full scale", ErrInvalidTone, t.LevelDBm0)
	}
	for _, d := range t.Cadence {
		if d <= 0 {
			return fmt.Errorf("%w: cadence step %v not positive", ErrInvalidTone, d)
		}
	}
	return nil
}

// Amplitude converts a level in dBm0 to a peak amplitude relative to full
// scale (G.711: a full-scale sine is +3.17 dBm0).
func Amplitude(levelDBm0 float64) float64 {
	return math.Pow(10, (levelDBm0-3.17)/20)
}

// Plan is a national set of call-progress tones. Ring is played through the
// handset's own speaker or earpiece when it has no ringer.
type Plan struct {
	Name       string
	Dial       Tone
	Ringback   Tone
	Busy       Tone
	Congestion Tone
	Ring       Tone
}

func cad(ms ...int) []time.Duration {
	d := make([]time.Duration, len(ms))
	for i, m := range ms {
		d[i] = time.Duration(m) * time.Millisecond
	}
	return d
}

// The built-in plans. Treat them as read-only.
var (
	NorthAmerica = Plan{
		Name:       "north-america",
		Dial:       Tone{Freqs: []float64{350, 440}, LevelDBm0: -13},
		Ringback:   Tone{Freqs: []float64{440, 480}, LevelDBm0: -19, Cadence: cad(2000, 4000)},
		Busy:       Tone{Freqs: []float64{480, 620}, LevelDBm0: -24, Cadence: cad(500, 500)},
		Congestion: Tone{Freqs: []float64{480, 620}, LevelDBm0: -24, Cadence: cad(250, 250)},
		Ring:       Tone{Freqs: []float64{440, 480}, LevelDBm0: -7, Cadence: cad(2000, 4000)},
	}
	Europe = Plan{
		Name:       "europe",
		Dial:       Tone{Freqs: []float64{425}, LevelDBm0: -13},
		Ringback:   Tone{Freqs: []float64{425}, LevelDBm0: -19, Cadence: cad(1000, 4000)},
		Busy:       Tone{Freqs: []float64{425}, LevelDBm0: -19, Cadence: cad(480, 480)},
		Congestion: Tone{Freqs: []float64{425}, LevelDBm0: -19, Cadence: cad(240, 240)},
		Ring:       Tone{Freqs: []float64{425}, LevelDBm0: -7, Cadence: cad(1000, 4000)},
	}
	UnitedKingdom = Plan{
		Name:       "united-kingdom",
		Dial:       Tone{Freqs: []float64{350, 450}, LevelDBm0: -13},
		Ringback:   Tone{Freqs: []float64{400, 450}, LevelDBm0: -19, Cadence: cad(400, 200, 400, 2000)},
		Busy:       Tone{Freqs: []float64{400}, LevelDBm0: -19, Cadence: cad(375, 375)},
		Congestion: Tone{Freqs: []float64{400}, LevelDBm0: -19, Cadence: cad(400, 350, 225, 525)},
		Ring:       Tone{Freqs: []float64{400, 450}, LevelDBm0: -7, Cadence: cad(400, 200, 400, 2000)},
	}
)

// Plans returns the built-in plans.
func Plans() []Plan { return []Plan{NorthAmerica, Europe, UnitedKingdom} }

// ErrUnknownPlan is returned (wrapped) by PlanByName.
var ErrUnknownPlan = errors.New("tone: unknown tone plan")

// aliases maps the names a configuration file may use to plans.
var aliases = map[string]*Plan{
	"north-america": &NorthAmerica, "na": &NorthAmerica, "us": &NorthAmerica, "ca": &NorthAmerica,
	"europe": &Europe, "eu": &Europe, "cept": &Europe, "de": &Europe,
	"united-kingdom": &UnitedKingdom, "uk": &UnitedKingdom, "gb": &UnitedKingdom,
}

// PlanByName returns a built-in plan by name or alias, case-insensitively:
// "north-america" (na, us, ca), "europe" (eu, cept, de), "united-kingdom"
// (uk, gb).
func PlanByName(name string) (Plan, error) {
	if p, ok := aliases[strings.ToLower(strings.TrimSpace(name))]; ok {
		return *p, nil
	}
	return Plan{}, fmt.Errorf("%w: %q", ErrUnknownPlan, name)
}

// DTMF levels: the high group 2 dB above the low one (Q.23 allows 0-4 dB
// of such "twist"), loud enough to be heard as feedback.
const (
	DTMFLowDBm0  = -10.0
	DTMFHighDBm0 = -8.0
)

// DTMF returns the ITU-T Q.23 frequency pair of a keypad key: '0'-'9',
// '*', '#' and 'A'-'D' (either case).
func DTMF(key byte) (lo, hi float64, ok bool) {
	rows := [4]float64{697, 770, 852, 941}
	cols := [4]float64{1209, 1336, 1477, 1633}
	var r, c int
	switch key {
	case '1', '2', '3', 'A', 'a':
		r = 0
	case '4', '5', '6', 'B', 'b':
		r = 1
	case '7', '8', '9', 'C', 'c':
		r = 2
	case '*', '0', '#', 'D', 'd':
		r = 3
	default:
		return 0, 0, false
	}
	switch key {
	case '1', '4', '7', '*':
		c = 0
	case '2', '5', '8', '0':
		c = 1
	case '3', '6', '9', '#':
		c = 2
	default: // A-D
		c = 3
	}
	return rows[r], cols[c], true
}

package drift

import "math"

// timeDLL smooths the entry times of one side's callbacks into the
// timeline of its sample clock: a second-order delay-locked loop as in
// JACK (F. Adriaensen, "Using a DLL to filter time", LAC 2005). A callback
// that the scheduler delivers late keeps the time its clock says, so the
// fill measured against it does not jump.
type timeDLL struct {
	bw    float64 // bandwidth in Hz once settled
	reset float64 // an error beyond this many seconds restarts the loop
	rate  float64 // nominal frames per second

	t     float64 // smoothed time of the current callback, s
	per   float64 // estimated seconds per frame
	pred  float64 // predicted time of the next callback
	prevN int     // frames in the previous callback
	ok    bool
	gen   uint64  // restarts so far
	age   float64 // seconds since the last restart

	// dev tracks the typical size of the timing error. An error beyond
	// outlierK times it is a callback the scheduler held up, not a
	// change of the clock: it enters the loop clamped, or the loop would
	// take seconds to forget it. Only a run of outlierRun such errors in
	// a row is believed, by restarting the loop.
	dev     float64
	outlier int
}

// After a restart the loop starts wide, so that it learns the clock's
// true rate (up to +-0.1 % off nominal) in a second or two, and narrows
// geometrically to bw over narrowTime.
const (
	startBW    = 2.0
	narrowTime = 5.0
)

const (
	outlierK   = 4
	outlierRun = 16
	// devFloor keeps the clamp from closing on a jitter-free clock.
	devFloor = 20e-6
)

// update takes the raw entry time of a callback passing frames frames and
// returns its smoothed time; restarted reports that the loop restarted (a
// discontinuity in the callback timeline).
func (d *timeDLL) update(now float64, frames int) (t float64, restarted bool) {
	if frames <= 0 {
		frames = 1
	}
	e := now - d.pred
	if !d.ok || math.Abs(e) > d.reset || math.IsNaN(e) || d.outlier >= outlierRun {
		d.t = now
		d.per = 1 / d.rate
		d.pred = now + float64(frames)*d.per
		d.prevN = frames
		d.ok = true
		d.gen++
		d.dev = 0.25 * float64(frames) / d.rate
		d.outlier = 0
		d.age = 0
		return d.t, true
	}
	lim := outlierK * max(d.dev, devFloor)
	if math.Abs(e) > lim {
		d.outlier++
		e = math.Copysign(lim, e)
	} else {
		d.outlier = 0
	}
	d.dev += 0.01 * (math.Abs(e) - d.dev)
	bw := d.bw
	if d.age < narrowTime && startBW > bw {
		bw = startBW * math.Pow(bw/startBW, d.age/narrowTime)
	}
	d.age += float64(d.prevN) * d.per
	omega := 2 * math.Pi * bw * float64(d.prevN) * d.per
	d.t = d.pred + math.Sqrt2*omega*e
	d.per += omega * omega * e / float64(d.prevN)
	d.pred = d.t + float64(frames)*d.per
	d.prevN = frames
	return d.t, false
}

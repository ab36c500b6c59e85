// Package resample is a variable-ratio resampler for interleaved float32
// frames, meant for the small corrections that keep two audio clocks in
// step (ratios within about +-1 % of 1), written in pure Go so that it can
// run in an audio callback without cgo.
//
// Output sample j of a call lies at input position pos+j*ratio; the value
// there is interpolated from the neighbouring input frames. The ratio may
// change on every call, so a control loop can steer it block by block; the
// fractional position carries over between calls, so a ratio change never
// makes the output jump. Interpolators:
//
//   - Cubic: 4-point third-order Hermite (Catmull-Rom). Cheapest; good for
//     voice, poorer on high frequencies.
//   - Sinc16, Sinc32: Kaiser-windowed sinc with 16 or 32 taps, evaluated
//     from a table of 512 phases with linear interpolation between phases
//     (the polyphase scheme of Julius O. Smith's "Digital Audio Resampling
//     Home Page", https://ccrma.stanford.edu/~jos/resample/). The filter
//     passes the full band (no anti-aliasing cutoff): with ratios this close
//     to 1 nothing folds over that was not already there, and at ratio 1
//     the output equals the input exactly.
//
// Measured quality: signal to noise and distortion on -1 dBFS sines at
// ratio 1.0005, 48 kHz (TestQuality; go test -v -run Quality):
//
//	quality  1 kHz     4 kHz     8 kHz     15 kHz
//	cubic     91.6 dB   54.0 dB   33.4 dB   14.7 dB
//	sinc16   119.0 dB  115.2 dB  109.2 dB   54.0 dB
//	sinc32   134.1 dB  132.5 dB  125.1 dB  115.9 dB
//
// Sinc16, the default, is transparent for voice (wideband speech stops at
// 7 kHz); its cost is in BenchmarkProcess256 and docs/performance.md.
//
// Process allocates nothing, takes no locks and makes no system calls.
package resample

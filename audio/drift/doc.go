// Package drift is the fixed-latency adapter between two audio callbacks
// running on different clocks: a producer (say, the handset's microphone
// stream at the handset's 48 kHz) writing into a lock-free FIFO, and a
// consumer (the host's stream at the host's 48 kHz) reading from it through
// a variable-ratio resampler whose ratio a control loop steers, so that the
// FIFO's fill - the latency across the clock boundary - stays at a
// configured target however far the two crystals disagree.
//
// It follows the design of zita-ajbridge and PipeWire's adaptive
// resampling (https://kokkinizita.linuxaudio.org/papers/adapt-resamp.pdf):
//
//  1. The fill is measured at one defined instant, the consumer's callback
//     entry, in frames: frames the producer has delivered by that instant
//     (extrapolated from its last callback along its timeline) minus
//     frames the consumer has taken, plus the frames the resampler still
//     holds. Callback times are smoothed by one delay-locked loop per side
//     (as JACK does), so a late callback does not look like a fill error.
//  2. A second-order loop (proportional-integral, damping 1/sqrt 2) turns
//     the fill error into a ratio correction: bandwidth about 1 Hz for the
//     first seconds so it locks fast, then narrowing to 0.05 Hz so the
//     ratio is stable within a few ppm. The correction is clamped (2000 ppm
//     by default).
//  3. At start, and only on a gross error later (fill off by more than
//     half the target, an underrun, a producer stall), the fill jumps to
//     the target in one step, by discarding frames or inserting silence;
//     the loop never slews there.
//
// Measured in virtual time (sim_test.go: two simulated clocks, 256-frame
// periods, 0.3 ms of jitter, one callback in 500 held up two periods and
// followed by two back to back; target 1200 frames): at 0, +-100, +-500
// and +-1000 ppm the loop locks in 7.0 s, then holds the true fill within
// 3.2 frames (rms 0.4) of the target for 10 minutes with no underrun,
// overrun or jump, and its drift estimate ends within 3.3 ppm of the
// truth. The unit tests simulate 60 s; go test -long, or
//
//	go test -run '^$' -bench Simulation10Min -benchtime 1x ./audio/drift
//
// simulates 10 minutes per drift. BenchmarkDuplex48kMono measures the
// cost of a call's audio (two adapters, tone mixing): about 0.12-0.2 % of
// one core per second of 48 kHz mono duplex audio.
//
// Read and Write allocate nothing, take no locks, log nothing and make no
// system calls. Stats may be read from any goroutine.
package drift

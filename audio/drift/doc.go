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
// Read and Write allocate nothing, take no locks, log nothing and make no
// system calls. Stats may be read from any goroutine.
package drift

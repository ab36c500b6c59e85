// Package audio is the root of the handset's audio path. It holds no code;
// this file describes how the packages below it fit together.
//
// # Data flow
//
// A USB handset is its own sound card with its own crystal; the host side
// (softphone loopback, JACK, PipeWire) runs on another clock. Every path
// between the two therefore crosses a clock domain:
//
//	handset mic   -> pa -> drift.Adapter                   -> pa -> host capture
//	host playback -> pa -> drift.Adapter + tone.Generator  -> pa -> handset earpiece
//
// Package fifo is a lock-free single-producer/single-consumer ring between
// the two callbacks. Package resample is a variable-ratio interpolator that
// lets the consumer take input slightly faster or slower than its own rate.
// Package drift is the fixed-latency adapter built from both: it measures
// the FIFO fill at the consumer's callback entry (in frames, with both
// callback timelines smoothed by delay-locked loops), runs a second-order
// loop filter that steers the resampling ratio, and jumps to the target
// fill in one step at start and after gross errors only. Package tone
// generates telephone tones (dial, ringback, busy, congestion, a ring tone
// for handsets without a ringer, DTMF feedback per ITU-T Q.23) mixed into
// the earpiece signal; tone plans are data. Packages pa, card and bridge
// hold the PortAudio streams, sound-card discovery and the wiring.
//
// # Real-time rules
//
// Code that runs in an audio callback (fifo.Ring.Read/Write,
// resample.Resampler.Process, drift.Adapter.Read/Write,
// tone.Generator.Mix) allocates nothing, takes no locks, logs nothing and
// makes no system calls: the Go runtime must find a free P for the
// callback thread, and anything that can block or trigger the scheduler
// shows up as a late callback. Control goroutines hand state to the audio
// thread through atomics only, and read counters (underruns, overruns,
// ratio, fill) through atomics too.
//
// The facts behind these choices are in docs/audio.md of the project
// notes: zita-ajbridge and PipeWire's adaptive resampling for the loop,
// ITU-T Q.23 for DTMF, the North American Precise Tone Plan, CEPT/ETSI
// TR 101 041 and BT SIN 350 for the supervisory tones.
package audio

// Package pa opens audio devices through PortAudio
// (https://www.portaudio.com/docs/v19-doxydocs/, via
// github.com/gordonklaus/portaudio): it lists devices, picks the PortAudio
// devices of a handset's ALSA card, and runs callback streams whose
// callback does nothing but time itself and call a lock-free Processor.
//
// # Real-time rules
//
// PortAudio calls the Processor from its audio thread once per host period
// (5.33 ms for 256 frames at 48 kHz). Before any Go code runs that thread
// must get a scheduler slot (a P) from the Go runtime, so the callback path
// allocates nothing, takes no lock, logs nothing and makes no system call,
// and no goroutine of the daemon may spin. Every Stream keeps statistics
// readable at any time without stopping it: callback count, the gap
// between successive callbacks (p50, p99, max, from an atomic histogram)
// and the xrun flags PortAudio reports. Ask for FramesPerBuffer equal to
// the host's period (or 0, unspecified): a smaller buffer on JACK produces
// bursts of callbacks followed by a long wait.
//
// # Go callback or C callback
//
// Params.CCallback chooses where the audio callback runs. With the Go
// callback PortAudio's thread calls into Go, and before any Go code runs it
// must get a P from the scheduler. With the C callback (cstream.c) the
// audio thread runs only C code that moves frames between the device and
// two C-allocated rings; a goroutine calls the Processor a period at a time
// and a cushion of queued output (four periods by default) absorbs its
// delays. Over- and underruns of the rings are compensated frame for frame,
// so a duplex loop's latency stays exactly the device latency plus the
// cushion (the jack tier checks 512, 1536 and 812 frames).
//
// BenchmarkCallbackGap (jack tier) measures both under load; on the
// two-core build machines, shared with other builds, jackd's own
// non-realtime thread is delayed as much as the Go callback is, so the
// measurement there did not separate the two: see the package's entry in
// docs/performance.md. The Go callback is the default; the C callback is
// one flag away for machines where the Go side is the bottleneck.
package pa

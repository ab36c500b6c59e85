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
// A Go callback was kept after measuring it on JACK's dummy backend
// (48 kHz, 256-frame period), GOMAXPROCS=2, with the garbage collector
// kept busy and other goroutines working; see BenchmarkCallbackGap in the
// jack test tier and the numbers in the package's PERFORMANCE section of
// docs/performance.md.
package pa

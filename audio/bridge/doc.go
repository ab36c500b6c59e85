// Package bridge routes a handset's audio in one of two ways.
//
// Direct (the default): the host opens the handset's own sound card; the
// bridge reports the handset's PortAudio devices for AUDIO_IN and
// AUDIO_OUT and opens the handset's output only while it plays a tone (dial
// tone, ringback, busy, congestion, a ring for handsets without a ringer,
// DTMF feedback) and no call audio is running.
//
// Bridge: handsetd opens the handset's devices and a host-facing pair (a
// JACK or PipeWire port, an ALSA loopback, a named PCM), reports the
// host-facing names, and moves audio both ways in real time:
//
//	handset mic  -> downmix -> mute -> rate conversion -> drift.Adapter -> upmix -> host
//	host         -> downmix -> rate conversion -> drift.Adapter -> tones -> upmix -> handset earpiece
//
// Each direction crosses from one clock domain (the device it reads) to
// another (the device it writes) through a drift.Adapter at the writing
// side's rate, which holds the latency fixed however far the crystals
// disagree (see package drift). Sample rates (8, 16, 44.1, 48 kHz and any
// other ratio below 8) are converted at the reading side with a fixed-ratio
// resampler, low-pass filtered first when going down so that nothing above
// the new Nyquist frequency folds back into the voice band; channel counts
// are converted by averaging to mono and copying mono to every channel.
//
// Everything a callback touches is allocated when the bridge starts: the
// callbacks take no locks, log nothing and make no system calls. Mute is an
// atomic flag; tones reach the callback through tone.Generator's atomic
// hand-over.
//
// The phone API's AUDIO_IN/AUDIO_OUT commands are described in the
// project's phone-api notes; the clock-domain design in its audio notes.
package bridge

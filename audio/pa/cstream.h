// C half of the C-callback stream: PortAudio's audio thread runs only this
// code, which touches only C memory (two SPSC rings and counters), so the
// Go scheduler and garbage collector can never delay a callback.
#ifndef HANDSETD_PA_CSTREAM_H
#define HANDSETD_PA_CSTREAM_H

#include <portaudio.h>
#include <stdint.h>

typedef struct hs_stream hs_stream;

// Counters, in the order hs_stats writes them.
enum {
	HS_CALLBACKS, HS_FRAMES, HS_IN_UNDER, HS_IN_OVER, HS_OUT_UNDER, HS_OUT_OVER,
	HS_PRIMING, HS_RING_UNDER, HS_RING_OVER, HS_GAP_MAX, HS_GAPS_LOST, HS_NSTATS
};

hs_stream *hs_new(int in_ch, int out_ch, uint64_t cap_frames);
void hs_free(hs_stream *s);
PaError hs_open(hs_stream *s, PaDeviceIndex in_dev, PaDeviceIndex out_dev, double in_lat, double out_lat, double rate, unsigned long fpb);
PaStream *hs_pa(hs_stream *s);
int hs_channels(hs_stream *s, int input);
uint64_t hs_fill(hs_stream *s, int input);
uint64_t hs_cap(hs_stream *s);
// Go's side of the rings: it reads the input ring and writes the output ring.
uint64_t hs_read_in(hs_stream *s, float *p, uint64_t frames);
uint64_t hs_write_out(hs_stream *s, const float *p, uint64_t frames);
uint64_t hs_pad_out(hs_stream *s, uint64_t frames);
void hs_stats(hs_stream *s, uint64_t *out);
// hs_gaps_drain copies up to n gaps (ns) recorded by the callback into p.
int hs_gaps_drain(hs_stream *s, uint64_t *p, int n);

#endif

#include "cstream.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// One SPSC ring of interleaved float frames; cap is a power of two and the
// counters run free, as in package fifo.
typedef struct {
	float *buf;
	uint64_t cap;
	int ch;
	_Atomic uint64_t w, r;
} hs_ring;

#define HS_GAPS 4096

struct hs_stream {
	PaStream *pa;
	hs_ring in, out;
	int duplex;
	// Callback thread only: frames to insert (>0) or skip (<0) on the
	// output side so that output frame k stays input frame k plus a
	// constant after a ring over- or underrun.
	int64_t adjust;
	uint64_t last_ns;
	_Atomic uint64_t callbacks, frames;
	_Atomic uint64_t in_under, in_over, out_under, out_over, priming;
	_Atomic uint64_t ring_under, ring_over; // frames short / frames dropped
	_Atomic uint64_t gap_max, gaps_lost;
	uint64_t gaps[HS_GAPS];
	_Atomic uint64_t gap_w, gap_r;
};

static uint64_t pow2(uint64_t n) {
	uint64_t c = 1;
	while (c < n) c <<= 1;
	return c;
}

static int ring_init(hs_ring *r, int ch, uint64_t cap) {
	r->ch = ch;
	if (ch == 0) return 0;
	r->cap = pow2(cap);
	r->buf = calloc(r->cap * (uint64_t)ch, sizeof(float));
	return r->buf ? 0 : -1;
}

hs_stream *hs_new(int in_ch, int out_ch, uint64_t cap_frames) {
	hs_stream *s = calloc(1, sizeof *s);
	if (!s) return NULL;
	if (ring_init(&s->in, in_ch, cap_frames) || ring_init(&s->out, out_ch, cap_frames)) {
		hs_free(s);
		return NULL;
	}
	s->duplex = in_ch > 0 && out_ch > 0;
	return s;
}

void hs_free(hs_stream *s) {
	if (!s) return;
	free(s->in.buf);
	free(s->out.buf);
	free(s);
}

static uint64_t hs_ring_fill(hs_ring *r) { return atomic_load(&r->w) - atomic_load(&r->r); }

static uint64_t hs_ring_write(hs_ring *r, const float *p, uint64_t frames) {
	uint64_t w = atomic_load_explicit(&r->w, memory_order_relaxed);
	uint64_t free_ = r->cap - (w - atomic_load(&r->r));
	if (frames > free_) frames = free_;
	uint64_t i = w & (r->cap - 1), first = r->cap - i;
	if (first > frames) first = frames;
	memcpy(r->buf + i * r->ch, p, first * r->ch * sizeof(float));
	memcpy(r->buf, p + first * r->ch, (frames - first) * r->ch * sizeof(float));
	atomic_store(&r->w, w + frames);
	return frames;
}

static uint64_t hs_ring_pad(hs_ring *r, uint64_t frames) {
	uint64_t w = atomic_load_explicit(&r->w, memory_order_relaxed);
	uint64_t free_ = r->cap - (w - atomic_load(&r->r));
	if (frames > free_) frames = free_;
	for (uint64_t k = 0; k < frames; k++)
		memset(r->buf + ((w + k) & (r->cap - 1)) * r->ch, 0, r->ch * sizeof(float));
	atomic_store(&r->w, w + frames);
	return frames;
}

// ring_take reads (p != NULL) or discards (p == NULL) up to frames frames.
static uint64_t ring_take(hs_ring *r, float *p, uint64_t frames) {
	uint64_t rd = atomic_load_explicit(&r->r, memory_order_relaxed);
	uint64_t fill = atomic_load(&r->w) - rd;
	if (frames > fill) frames = fill;
	if (p) {
		uint64_t i = rd & (r->cap - 1), first = r->cap - i;
		if (first > frames) first = frames;
		memcpy(p, r->buf + i * r->ch, first * r->ch * sizeof(float));
		memcpy(p + first * r->ch, r->buf, (frames - first) * r->ch * sizeof(float));
	}
	atomic_store(&r->r, rd + frames);
	return frames;
}

PaStream *hs_pa(hs_stream *s) { return s->pa; }
int hs_channels(hs_stream *s, int input) { return input ? s->in.ch : s->out.ch; }
uint64_t hs_fill(hs_stream *s, int input) { return hs_ring_fill(input ? &s->in : &s->out); }
uint64_t hs_cap(hs_stream *s) { return s->out.ch ? s->out.cap : s->in.cap; }
uint64_t hs_read_in(hs_stream *s, float *p, uint64_t frames) { return ring_take(&s->in, p, frames); }
uint64_t hs_write_out(hs_stream *s, const float *p, uint64_t frames) { return hs_ring_write(&s->out, p, frames); }
uint64_t hs_pad_out(hs_stream *s, uint64_t frames) { return hs_ring_pad(&s->out, frames); }

void hs_stats(hs_stream *s, uint64_t *out) {
	out[HS_CALLBACKS] = atomic_load(&s->callbacks);
	out[HS_FRAMES] = atomic_load(&s->frames);
	out[HS_IN_UNDER] = atomic_load(&s->in_under);
	out[HS_IN_OVER] = atomic_load(&s->in_over);
	out[HS_OUT_UNDER] = atomic_load(&s->out_under);
	out[HS_OUT_OVER] = atomic_load(&s->out_over);
	out[HS_PRIMING] = atomic_load(&s->priming);
	out[HS_RING_UNDER] = atomic_load(&s->ring_under);
	out[HS_RING_OVER] = atomic_load(&s->ring_over);
	out[HS_GAP_MAX] = atomic_load(&s->gap_max);
	out[HS_GAPS_LOST] = atomic_load(&s->gaps_lost);
}

int hs_gaps_drain(hs_stream *s, uint64_t *p, int n) {
	uint64_t r = atomic_load_explicit(&s->gap_r, memory_order_relaxed);
	uint64_t w = atomic_load(&s->gap_w);
	int k = 0;
	for (; r != w && k < n; r++, k++) p[k] = s->gaps[r % HS_GAPS];
	atomic_store(&s->gap_r, r);
	return k;
}

static uint64_t now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts); // vDSO: no system call
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void record_gap(hs_stream *s, uint64_t gap) {
	if (gap > atomic_load_explicit(&s->gap_max, memory_order_relaxed)) atomic_store(&s->gap_max, gap);
	uint64_t w = atomic_load_explicit(&s->gap_w, memory_order_relaxed);
	if (w - atomic_load(&s->gap_r) >= HS_GAPS) {
		atomic_fetch_add(&s->gaps_lost, 1);
		return;
	}
	s->gaps[w % HS_GAPS] = gap;
	atomic_store(&s->gap_w, w + 1);
}

static int hs_callback(const void *input, void *output, unsigned long frames,
                       const PaStreamCallbackTimeInfo *ti, PaStreamCallbackFlags flags, void *user) {
	(void)ti;
	hs_stream *s = user;
	uint64_t now = now_ns();
	if (s->last_ns) record_gap(s, now - s->last_ns);
	s->last_ns = now;
	atomic_fetch_add(&s->callbacks, 1);
	atomic_fetch_add(&s->frames, frames);
	if (flags & paInputUnderflow) atomic_fetch_add(&s->in_under, 1);
	if (flags & paInputOverflow) atomic_fetch_add(&s->in_over, 1);
	if (flags & paOutputUnderflow) atomic_fetch_add(&s->out_under, 1);
	if (flags & paOutputOverflow) atomic_fetch_add(&s->out_over, 1);
	if (flags & paPrimingOutput) atomic_fetch_add(&s->priming, 1);

	if (input && s->in.ch) {
		uint64_t n = hs_ring_write(&s->in, input, frames);
		if (n < frames) {
			atomic_fetch_add(&s->ring_over, frames - n);
			// Go will make that many fewer output frames: insert
			// silence for them so the output stays aligned.
			if (s->duplex) s->adjust += (int64_t)(frames - n);
		}
	}
	if (output && s->out.ch) {
		float *out = output;
		unsigned long done = 0;
		if (s->duplex && s->adjust < 0) {
			s->adjust += (int64_t)ring_take(&s->out, NULL, (uint64_t)(-s->adjust));
		}
		if (s->duplex && s->adjust > 0) {
			uint64_t z = (uint64_t)s->adjust < frames ? (uint64_t)s->adjust : frames;
			memset(out, 0, z * s->out.ch * sizeof(float));
			done = z;
			s->adjust -= (int64_t)z;
		}
		done += ring_take(&s->out, out + done * s->out.ch, frames - done);
		if (done < frames) {
			uint64_t miss = frames - done;
			memset(out + done * s->out.ch, 0, miss * s->out.ch * sizeof(float));
			atomic_fetch_add(&s->ring_under, miss);
			// Those frames arrive late: skip them when they do.
			if (s->duplex) s->adjust -= (int64_t)miss;
		}
	}
	return paContinue;
}

PaError hs_open(hs_stream *s, PaDeviceIndex in_dev, PaDeviceIndex out_dev, double in_lat, double out_lat, double rate, unsigned long fpb) {
	PaStreamParameters in = {0}, out = {0};
	PaStreamParameters *pin = NULL, *pout = NULL;
	if (s->in.ch) {
		in.device = in_dev;
		in.channelCount = s->in.ch;
		in.sampleFormat = paFloat32;
		in.suggestedLatency = in_lat;
		pin = &in;
	}
	if (s->out.ch) {
		out.device = out_dev;
		out.channelCount = s->out.ch;
		out.sampleFormat = paFloat32;
		out.suggestedLatency = out_lat;
		pout = &out;
	}
	return Pa_OpenStream(&s->pa, pin, pout, rate, fpb, paNoFlag, hs_callback, s);
}

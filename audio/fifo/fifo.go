package fifo

import (
	"fmt"
	"sync/atomic"
)

// cacheLine separates the two counters so the producer and the consumer do
// not bounce one cache line between cores on every callback.
const cacheLine = 64

// Ring is a single-producer/single-consumer FIFO of interleaved float32
// frames. The zero value is not usable; call New.
type Ring struct {
	buf      []float32
	mask     uint64 // capacity in frames - 1
	channels int

	_ [cacheLine]byte
	w atomic.Uint64 // frames ever written; stored by the producer only
	_ [cacheLine - 8]byte
	r atomic.Uint64 // frames ever read; stored by the consumer only
	_ [cacheLine - 8]byte
}

// New returns a ring holding at least capacityFrames frames of channels
// samples each; the capacity is rounded up to a power of two so that
// indices are masks of the free-running counters. It panics if either
// argument is below 1 or the capacity exceeds 1<<30 frames: both are
// programming errors, like a negative length given to make.
func New(capacityFrames, channels int) *Ring {
	if channels < 1 {
		panic(fmt.Sprintf("fifo: channels %d < 1", channels))
	}
	if capacityFrames < 1 || capacityFrames > 1<<30 {
		panic(fmt.Sprintf("fifo: capacity %d frames out of range [1, 1<<30]", capacityFrames))
	}
	c := 1
	for c < capacityFrames {
		c <<= 1
	}
	return &Ring{
		buf:      make([]float32, c*channels),
		mask:     uint64(c - 1),
		channels: channels,
	}
}

// Cap returns the capacity in frames (a power of two).
func (r *Ring) Cap() int { return int(r.mask + 1) }

// Channels returns the number of samples per frame.
func (r *Ring) Channels() int { return r.channels }

// Fill returns the number of frames available to read. The other side may
// move on while it returns: the consumer can rely on at least Fill frames
// to read, the producer on at least Cap-Fill free frames.
func (r *Ring) Fill() int {
	rd := r.r.Load()
	n := r.w.Load() - rd
	// A third goroutine may see both counters move between the two
	// loads; never report more than the ring can hold.
	if n > r.mask+1 {
		n = r.mask + 1
	}
	return int(n)
}

// Free returns the number of frames that can be written.
func (r *Ring) Free() int { return r.Cap() - r.Fill() }

// Write copies whole frames from p (len(p) is rounded down to a multiple of
// Channels) into the ring and returns the number of frames written, which is
// less than offered when the ring is full. Producer only.
func (r *Ring) Write(p []float32) int {
	w := r.w.Load()
	free := r.mask + 1 - (w - r.r.Load())
	n := uint64(len(p) / r.channels)
	if n > free {
		n = free
	}
	if n == 0 {
		return 0
	}
	ch := uint64(r.channels)
	start := (w & r.mask) * ch
	first := copy(r.buf[start:], p[:n*ch])
	copy(r.buf, p[first:n*ch])
	r.w.Store(w + n)
	return int(n)
}

// PadSilence writes up to frames frames of zeros and returns how many were
// written. Producer only.
func (r *Ring) PadSilence(frames int) int {
	if frames <= 0 {
		return 0
	}
	w := r.w.Load()
	free := r.mask + 1 - (w - r.r.Load())
	n := uint64(frames)
	if n > free {
		n = free
	}
	if n == 0 {
		return 0
	}
	ch := uint64(r.channels)
	start := (w & r.mask) * ch
	end := start + n*ch
	if end <= uint64(len(r.buf)) {
		clear(r.buf[start:end])
	} else {
		clear(r.buf[start:])
		clear(r.buf[:end-uint64(len(r.buf))])
	}
	r.w.Store(w + n)
	return int(n)
}

// Read copies whole frames from the ring into p (len(p) is rounded down to
// a multiple of Channels) and returns the number of frames read, which is
// less than asked when the ring holds fewer. Consumer only.
func (r *Ring) Read(p []float32) int {
	rd := r.r.Load()
	avail := r.w.Load() - rd
	n := uint64(len(p) / r.channels)
	if n > avail {
		n = avail
	}
	if n == 0 {
		return 0
	}
	ch := uint64(r.channels)
	start := (rd & r.mask) * ch
	first := copy(p[:n*ch], r.buf[start:])
	copy(p[first:n*ch], r.buf)
	r.r.Store(rd + n)
	return int(n)
}

// Discard drops up to frames frames from the read side and returns how many
// were dropped. Consumer only.
func (r *Ring) Discard(frames int) int {
	if frames <= 0 {
		return 0
	}
	rd := r.r.Load()
	avail := r.w.Load() - rd
	n := uint64(frames)
	if n > avail {
		n = avail
	}
	r.r.Store(rd + n)
	return int(n)
}

// Written returns the number of frames ever written: a free-running
// counter that lets the consumer relate the ring to a timeline.
func (r *Ring) Written() uint64 { return r.w.Load() }

// ReadCount returns the number of frames ever read or discarded.
func (r *Ring) ReadCount() uint64 { return r.r.Load() }

// Package fifo is a lock-free single-producer/single-consumer ring of
// interleaved float32 audio frames: the hand-over point between two audio
// callbacks running on different clocks.
//
// The ring has a power-of-two capacity and two free-running 64-bit frame
// counters, one written only by the producer and one only by the consumer.
// Fill is their difference; the index into the buffer is the counter masked
// by the capacity. Go's atomics are sequentially consistent, so storing the
// counter after copying the samples publishes them: no locks and no memory
// barriers beyond the atomics are needed. Nothing allocates after New.
//
// Exactly one goroutine (or callback thread) may call the producer methods
// (Write, PadSilence) and exactly one the consumer methods (Read, Discard)
// at any time; Fill, Free, Cap and Channels are safe from anywhere.
//
// The design is the one every serious audio bridge uses (JACK's ringbuffer,
// zita-ajbridge, PipeWire's spa_ringbuffer); see
// https://github.com/jackaudio/jack2/blob/develop/common/ringbuffer.c.
package fifo

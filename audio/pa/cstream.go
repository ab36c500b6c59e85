package pa

/*
#cgo pkg-config: portaudio-2.0
#include "cstream.h"
*/
import "C"

import (
	"context"
	"fmt"
	"sync"
	"time"
	"unsafe"

	"github.com/gordonklaus/portaudio"
)

// cstream is the C-callback implementation of Stream: PortAudio's audio
// thread runs C code that only moves frames between the device and two
// C-allocated rings, and a Go goroutine (the pump) calls the Processor to
// empty the input ring and refill the output ring. Go's scheduler and
// garbage collector then delay only the pump, which the Cushion absorbs,
// never the audio thread.
type cstream struct {
	c       *C.hs_stream
	fpb     int
	cushion int
	in, out []float32 // one period each, the pump's own
	gapBuf  []C.uint64_t

	mu      sync.Mutex // serializes Start/Stop/Close, never taken by the pump
	running bool
	cancel  context.CancelFunc
	done    chan struct{}
	closed  bool
}

// cushionPeriods sets the output buffered ahead of the C callback when
// Params.Cushion is 0: four periods (21 ms at 256 frames, 48 kHz) ride out
// the garbage collector pauses measured on a busy two-core machine.
const cushionPeriods = 4

func openC(s *Stream, p Params) error {
	if p.FramesPerBuffer <= 0 {
		return fmt.Errorf("%w: the C callback needs FramesPerBuffer (the host period)", ErrParams)
	}
	cs := &cstream{fpb: p.FramesPerBuffer, cushion: p.Cushion}
	if cs.cushion <= 0 {
		cs.cushion = cushionPeriods * p.FramesPerBuffer
	}
	ringFrames := max(4*(cs.cushion+p.FramesPerBuffer), int(p.Rate/4))
	inCh, outCh := 0, 0
	var inDev, outDev C.PaDeviceIndex = -1, -1 // paNoDevice
	var inLat, outLat time.Duration
	if p.In != nil {
		inCh, inDev, inLat = p.InChannels, C.PaDeviceIndex(p.In.Index), p.Latency
		if inLat == 0 {
			inLat = p.In.DefaultLowInputLatency
		}
	}
	if p.Out != nil {
		outCh, outDev, outLat = p.OutChannels, C.PaDeviceIndex(p.Out.Index), p.Latency
		if outLat == 0 {
			outLat = p.Out.DefaultLowOutputLatency
		}
	}
	cs.c = C.hs_new(C.int(inCh), C.int(outCh), C.uint64_t(ringFrames))
	if cs.c == nil {
		return fmt.Errorf("pa: open stream: %w", portaudio.InsufficientMemory)
	}
	if e := C.hs_open(cs.c, inDev, outDev, C.double(inLat.Seconds()), C.double(outLat.Seconds()), C.double(p.Rate), C.ulong(p.FramesPerBuffer)); e != C.paNoError {
		C.hs_free(cs.c)
		return fmt.Errorf("pa: open stream: %w", portaudio.Error(e))
	}
	cs.in = make([]float32, p.FramesPerBuffer*max(inCh, 1))
	cs.out = make([]float32, p.FramesPerBuffer*max(outCh, 1))
	cs.gapBuf = make([]C.uint64_t, 512)
	s.cs = cs
	return nil
}

func (cs *cstream) start(s *Stream) error {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.running {
		return nil
	}
	// The output starts Cushion frames ahead of the input: the loop's
	// latency grows by exactly that, and the pump has that long to answer.
	if C.hs_channels(cs.c, 0) > 0 {
		C.hs_pad_out(cs.c, C.uint64_t(cs.cushion))
	}
	if e := C.Pa_StartStream(C.hs_pa(cs.c)); e != C.paNoError {
		return fmt.Errorf("pa: start stream: %w", portaudio.Error(e))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cs.cancel, cs.done, cs.running = cancel, make(chan struct{}), true
	go cs.pump(ctx, s)
	return nil
}

func (cs *cstream) stop() error {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.stopLocked()
}

func (cs *cstream) stopLocked() error {
	if !cs.running {
		return nil
	}
	err := C.Pa_StopStream(C.hs_pa(cs.c))
	cs.cancel()
	<-cs.done
	cs.running = false
	if err != C.paNoError {
		return fmt.Errorf("pa: stop stream: %w", portaudio.Error(err))
	}
	return nil
}

func (cs *cstream) close() error {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.closed {
		return nil
	}
	serr := cs.stopLocked()
	cs.closed = true
	e := C.Pa_CloseStream(C.hs_pa(cs.c))
	C.hs_free(cs.c)
	cs.c = nil
	if e != C.paNoError {
		return fmt.Errorf("pa: close stream: %w", portaudio.Error(e))
	}
	return serr
}

// pump runs the Processor a period at a time whenever the rings allow it,
// waking twice per period.
func (cs *cstream) pump(ctx context.Context, s *Stream) {
	defer close(cs.done)
	period := time.Duration(float64(cs.fpb) / s.params.Rate * float64(time.Second))
	t := time.NewTicker(period / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			cs.drainGaps(s)
			return
		case <-t.C:
		}
		cs.drainGaps(s)
		cs.process(s)
	}
}

func (cs *cstream) process(s *Stream) {
	c := cs.c
	fpb := C.uint64_t(cs.fpb)
	inCh, outCh := C.hs_channels(c, 1), C.hs_channels(c, 0)
	in := (*C.float)(unsafe.Pointer(&cs.in[0]))
	out := (*C.float)(unsafe.Pointer(&cs.out[0]))
	switch {
	case inCh > 0 && outCh > 0:
		for C.hs_fill(c, 1) >= fpb && C.hs_cap(c)-C.hs_fill(c, 0) >= fpb {
			C.hs_read_in(c, in, fpb)
			s.proc.Process(cs.in, cs.out)
			C.hs_write_out(c, out, fpb)
		}
	case inCh > 0:
		for C.hs_fill(c, 1) >= fpb {
			C.hs_read_in(c, in, fpb)
			s.proc.Process(cs.in, nil)
		}
	default:
		for C.hs_fill(c, 0) < C.uint64_t(cs.cushion) {
			s.proc.Process(nil, cs.out)
			C.hs_write_out(c, out, fpb)
		}
	}
}

func (cs *cstream) drainGaps(s *Stream) {
	for {
		n := int(C.hs_gaps_drain(cs.c, &cs.gapBuf[0], C.int(len(cs.gapBuf))))
		for _, g := range cs.gapBuf[:n] {
			s.gaps.Record(time.Duration(g))
		}
		if n < len(cs.gapBuf) {
			return
		}
	}
}

func (cs *cstream) stats(st *Stats) {
	if cs.c == nil {
		return
	}
	var v [C.HS_NSTATS]C.uint64_t
	C.hs_stats(cs.c, &v[0])
	st.Callbacks = uint64(v[C.HS_CALLBACKS])
	st.Frames = uint64(v[C.HS_FRAMES])
	st.InputUnderflows = uint64(v[C.HS_IN_UNDER])
	st.InputOverflows = uint64(v[C.HS_IN_OVER])
	st.OutputUnderflows = uint64(v[C.HS_OUT_UNDER])
	st.OutputOverflows = uint64(v[C.HS_OUT_OVER])
	st.PrimingOutputs = uint64(v[C.HS_PRIMING])
	st.RingUnderrunFrames = uint64(v[C.HS_RING_UNDER])
	st.RingOverrunFrames = uint64(v[C.HS_RING_OVER])
	st.GapsLost = uint64(v[C.HS_GAPS_LOST])
	st.GapMax = time.Duration(v[C.HS_GAP_MAX])
}

func (cs *cstream) latency() (in, out time.Duration, rate float64) {
	if cs.c == nil {
		return 0, 0, 0
	}
	i := C.Pa_GetStreamInfo(C.hs_pa(cs.c))
	if i == nil {
		return 0, 0, 0
	}
	sec := func(x C.PaTime) time.Duration { return time.Duration(float64(x) * float64(time.Second)) }
	return sec(i.inputLatency), sec(i.outputLatency), float64(i.sampleRate)
}

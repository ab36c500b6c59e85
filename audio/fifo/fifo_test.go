package fifo

import (
	"context"
	"sync"
	"testing"
)

func TestCapacityRoundsUp(t *testing.T) {
	for _, c := range []struct{ ask, want int }{{1, 1}, {2, 2}, {3, 4}, {1000, 1024}, {1024, 1024}, {1025, 2048}} {
		r := New(c.ask, 2)
		if r.Cap() != c.want {
			t.Errorf("New(%d).Cap() = %d, want %d", c.ask, r.Cap(), c.want)
		}
		if r.Free() != c.want || r.Fill() != 0 {
			t.Errorf("New(%d): Free %d Fill %d, want %d 0", c.ask, r.Free(), r.Fill(), c.want)
		}
	}
}

func TestNewPanicsOnProgrammingErrors(t *testing.T) {
	for _, c := range []struct{ frames, ch int }{{0, 1}, {4, 0}, {-1, 1}, {1<<30 + 1, 1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New(%d, %d) did not panic", c.frames, c.ch)
				}
			}()
			New(c.frames, c.ch)
		}()
	}
}

func TestWriteReadWrapsAround(t *testing.T) {
	r := New(8, 2)
	next, want := float32(0), float32(0)
	buf := make([]float32, 2*5)
	// Blocks of 5 frames against a capacity of 8 cross the end of the
	// buffer at every offset.
	for round := 0; round < 50; round++ {
		for i := range buf {
			buf[i] = next
			next++
		}
		if n := r.Write(buf); n != 5 {
			t.Fatalf("round %d: Write = %d, want 5", round, n)
		}
		if r.Fill() != 5 {
			t.Fatalf("round %d: Fill = %d, want 5", round, r.Fill())
		}
		got := make([]float32, 2*5)
		if n := r.Read(got); n != 5 {
			t.Fatalf("round %d: Read = %d, want 5", round, n)
		}
		for i, v := range got {
			if v != want {
				t.Fatalf("round %d sample %d = %g, want %g", round, i, v, want)
			}
			want++
		}
	}
	if r.Written() != 250 || r.ReadCount() != 250 {
		t.Errorf("counters %d %d, want 250 250", r.Written(), r.ReadCount())
	}
}

func TestFullAndEmpty(t *testing.T) {
	r := New(4, 1)
	if n := r.Write([]float32{1, 2, 3, 4, 5, 6}); n != 4 {
		t.Fatalf("Write into empty ring of 4 = %d, want 4", n)
	}
	if n := r.Write([]float32{7}); n != 0 {
		t.Fatalf("Write into full ring = %d, want 0", n)
	}
	if n := r.PadSilence(3); n != 0 {
		t.Fatalf("PadSilence into full ring = %d, want 0", n)
	}
	got := make([]float32, 6)
	if n := r.Read(got); n != 4 {
		t.Fatalf("Read = %d, want 4", n)
	}
	if want := []float32{1, 2, 3, 4, 0, 0}; !equal(got, want) {
		t.Fatalf("Read got %v, want %v", got, want)
	}
	if n := r.Read(got); n != 0 {
		t.Fatalf("Read from empty = %d, want 0", n)
	}
}

func TestPartialFramesIgnored(t *testing.T) {
	r := New(4, 2)
	if n := r.Write([]float32{1, 2, 3}); n != 1 {
		t.Fatalf("Write of 1.5 frames = %d, want 1", n)
	}
	got := []float32{9, 9, 9}
	if n := r.Read(got); n != 1 || !equal(got, []float32{1, 2, 9}) {
		t.Fatalf("Read = %d %v, want 1 [1 2 9]", n, got)
	}
}

func TestDiscardAndPadSilence(t *testing.T) {
	r := New(8, 1)
	r.Write([]float32{1, 2, 3, 4, 5, 6})
	if n := r.Discard(4); n != 4 {
		t.Fatalf("Discard(4) = %d", n)
	}
	// Stale samples sit where PadSilence writes: they must be zeroed,
	// across the wrap.
	r.Write([]float32{7, 8, 9, 10})
	if n := r.PadSilence(5); n != 2 {
		t.Fatalf("PadSilence(5) with 2 free = %d, want 2", n)
	}
	got := make([]float32, 8)
	if n := r.Read(got); n != 8 {
		t.Fatalf("Read = %d, want 8", n)
	}
	if want := []float32{5, 6, 7, 8, 9, 10, 0, 0}; !equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	r.Write([]float32{1, 2})
	if n := r.Discard(5); n != 2 {
		t.Fatalf("Discard(5) with 2 held = %d, want 2", n)
	}
	if r.Discard(-1) != 0 || r.PadSilence(0) != 0 {
		t.Fatal("non-positive Discard/PadSilence moved the ring")
	}
	// PadSilence across the end of the buffer.
	r.Write([]float32{1, 2, 3, 4, 5})
	r.Discard(5)
	for i := range got {
		got[i] = 7
	}
	r.Write(got[:5]) // leaves stale 7s behind
	r.Discard(5)
	if n := r.PadSilence(6); n != 6 {
		t.Fatalf("PadSilence(6) = %d", n)
	}
	out := make([]float32, 6)
	r.Read(out)
	if !equal(out, make([]float32, 6)) {
		t.Fatalf("padded silence read back as %v", out)
	}
}

func equal(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestConcurrentOrder runs a producer and a consumer goroutine against a
// small ring; under -race this also checks that the atomics publish the
// samples.
func TestConcurrentOrder(t *testing.T) {
	const total = 200000
	r := New(64, 2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]float32, 2*37)
		next := 0
		for next < total {
			if ctx.Err() != nil {
				return
			}
			n := min(37, total-next)
			for i := 0; i < n; i++ {
				buf[2*i] = float32(next + i)
				buf[2*i+1] = -float32(next + i)
			}
			next += r.Write(buf[:2*n])
		}
	}()
	buf := make([]float32, 2*29)
	want := 0
	for want < total {
		n := r.Read(buf)
		for i := 0; i < n; i++ {
			if buf[2*i] != float32(want) || buf[2*i+1] != -float32(want) {
				cancel()
				wg.Wait()
				t.Fatalf("frame %d = (%g, %g)", want, buf[2*i], buf[2*i+1])
			}
			want++
		}
	}
	wg.Wait()
}

func TestNoAllocations(t *testing.T) {
	r := New(1024, 2)
	buf := make([]float32, 512)
	allocs := testing.AllocsPerRun(100, func() {
		r.Write(buf)
		r.PadSilence(10)
		r.Read(buf)
		r.Discard(10)
		_ = r.Fill()
	})
	if allocs != 0 {
		t.Fatalf("%g allocations per run, want 0", allocs)
	}
}

// FuzzRing checks the ring against a plain slice queue for any sequence
// of operations.
func FuzzRing(f *testing.F) {
	f.Add([]byte{0x13, 0x85, 0x27, 0xc4, 0x49, 0xff})
	f.Add([]byte{0xff, 0xff, 0x00, 0x80, 0x40, 0xc0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		r := New(16, 1)
		var model []float32
		next := float32(1)
		buf := make([]float32, 32)
		for _, op := range ops {
			n := int(op & 0x1f)
			switch op >> 6 {
			case 0: // write
				for i := range n {
					buf[i] = next + float32(i)
				}
				w := r.Write(buf[:n])
				if want := min(n, 16-len(model)); w != want {
					t.Fatalf("Write(%d) = %d, want %d", n, w, want)
				}
				for i := range w {
					model = append(model, next+float32(i))
				}
				next += float32(n)
			case 1: // read
				got := r.Read(buf[:n])
				want := min(n, len(model))
				if got != want {
					t.Fatalf("Read(%d) = %d, want %d", n, got, want)
				}
				if !equal(buf[:got], model[:got]) {
					t.Fatalf("Read %v, want %v", buf[:got], model[:got])
				}
				model = model[got:]
			case 2: // discard
				d := r.Discard(n)
				if want := min(n, len(model)); d != want {
					t.Fatalf("Discard(%d) = %d, want %d", n, d, want)
				}
				model = model[d:]
			case 3: // silence
				p := r.PadSilence(n)
				if want := min(n, 16-len(model)); p != want {
					t.Fatalf("PadSilence(%d) = %d, want %d", n, p, want)
				}
				model = append(model, make([]float32, p)...)
			}
			if r.Fill() != len(model) || r.Free() != 16-len(model) {
				t.Fatalf("Fill %d Free %d, model holds %d", r.Fill(), r.Free(), len(model))
			}
		}
	})
}

func BenchmarkWriteRead256(b *testing.B) {
	r := New(4096, 1)
	buf := make([]float32, 256)
	b.SetBytes(256 * 4)
	for b.Loop() {
		r.Write(buf)
		r.Read(buf)
	}
}

package fdwait

import (
	"os"
	"testing"
	"time"
)

func TestWaitReadyWokenHangup(t *testing.T) {
	w, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	// Woken: from another goroutine while blocked.
	go func() {
		time.Sleep(10 * time.Millisecond)
		w.Wake()
	}()
	if got, err := w.Wait(int(r.Fd())); got != Woken || err != nil {
		t.Fatalf("Wait after Wake = %v, %v; want Woken", got, err)
	}
	// A Wake with nobody waiting is kept for the next Wait.
	if err := w.Wake(); err != nil {
		t.Fatal(err)
	}
	if got, _ := w.Wait(int(r.Fd())); got != Woken {
		t.Fatalf("Wait after an early Wake = %v, want Woken", got)
	}
	// Ready: data on the descriptor.
	wr.Write([]byte{1})
	if got, err := w.Wait(int(r.Fd())); got != Ready || err != nil {
		t.Fatalf("Wait with data = %v, %v; want Ready", got, err)
	}
	r.Read(make([]byte, 1))
	// Hangup: the other end closed.
	wr.Close()
	if got, err := w.Wait(int(r.Fd())); got != Hangup || err != nil {
		t.Fatalf("Wait after the writer closed = %v, %v; want Hangup", got, err)
	}
}

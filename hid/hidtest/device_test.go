package hidtest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"handsetd/hid"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestReadInOrderThenDisconnect(t *testing.T) {
	d := New([]byte{0x05, 0x0b})
	d.Push([]byte{2, 1})
	d.Push([]byte{2, 0, 7})
	d.Unplug()
	ctx := ctxT(t)
	buf := make([]byte, 2)
	n, err := d.ReadReport(ctx, buf)
	if err != nil || n != 2 || buf[0] != 2 || buf[1] != 1 {
		t.Fatalf("first read = %d % x, %v; want 2 [02 01]", n, buf[:n], err)
	}
	n, err = d.ReadReport(ctx, buf) // truncated like hidraw
	if err != nil || n != 2 || buf[0] != 2 || buf[1] != 0 {
		t.Fatalf("second read = %d % x, %v; want 2 [02 00]", n, buf[:n], err)
	}
	if _, err := d.ReadReport(ctx, buf); !errors.Is(err, hid.ErrDisconnected) {
		t.Fatalf("read after unplug: %v, want ErrDisconnected", err)
	}
	if err := d.WriteOutput([]byte{2, 1}); !errors.Is(err, hid.ErrDisconnected) {
		t.Fatalf("write after unplug: %v, want ErrDisconnected", err)
	}
	if got := d.Reads(); got != 2 {
		t.Fatalf("Reads = %d, want 2", got)
	}
}

func TestReadBlocksUntilPushOrCancel(t *testing.T) {
	d := New(nil)
	ctx, cancel := context.WithCancel(ctxT(t))
	got := make(chan error, 1)
	go func() {
		buf := make([]byte, 4)
		n, err := d.ReadReport(ctx, buf)
		if err == nil && (n != 1 || buf[0] != 9) {
			err = fmt.Errorf("read %d % x, want 1 [09]", n, buf[:n])
		}
		got <- err
	}()
	if err := d.WaitIdle(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	d.Push([]byte{9})
	if err := <-got; err != nil {
		t.Fatal(err)
	}

	go func() {
		_, err := d.ReadReport(ctx, make([]byte, 4))
		got <- err
	}()
	if err := d.WaitIdle(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-got; !errors.Is(err, context.Canceled) {
		t.Fatalf("read after cancel: %v, want context.Canceled", err)
	}
}

func TestCloseWakesReader(t *testing.T) {
	d := New([]byte{1, 2, 3})
	got := make(chan error, 1)
	go func() {
		_, err := d.ReadReport(context.Background(), make([]byte, 4))
		got <- err
	}()
	if err := d.WaitIdle(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; !errors.Is(err, ErrClosed) {
		t.Fatalf("read after close: %v, want ErrClosed", err)
	}
	if _, err := d.ReportDescriptor(); !errors.Is(err, ErrClosed) {
		t.Fatalf("descriptor after close: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	if !d.Closed() {
		t.Fatal("Closed() = false")
	}
}

func TestRecordsWrites(t *testing.T) {
	desc := []byte{0x05, 0x0b, 0x09, 0x05}
	d := New(desc)
	desc[0] = 0 // the device keeps its own copy
	if got, _ := d.ReportDescriptor(); !reflect.DeepEqual(got, []byte{0x05, 0x0b, 0x09, 0x05}) {
		t.Fatalf("descriptor = % x", got)
	}
	p := []byte{2, 0x01}
	if err := d.WriteOutput(p); err != nil {
		t.Fatal(err)
	}
	p[1] = 0xff // the record is a copy
	if err := d.SetFeature([]byte{5, 6}); err != nil {
		t.Fatal(err)
	}
	if err := d.WriteOutput(nil); err == nil {
		t.Fatal("empty write accepted")
	}
	want := []Write{Out(2, 1), Feat(5, 6)}
	if got := d.Writes(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Writes = %v, want %v", got, want)
	}
	got, err := d.WaitWrites(ctxT(t), 2)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("WaitWrites = %v, %v", got, err)
	}
	d.ResetWrites()
	if got := d.Writes(); len(got) != 0 {
		t.Fatalf("after ResetWrites: %v", got)
	}
}

func TestWaitWritesFromAnotherGoroutine(t *testing.T) {
	d := New(nil)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 3 {
			_ = d.WriteOutput([]byte{0, byte(i)})
		}
	}()
	got, err := d.WaitWrites(ctxT(t), 3)
	wg.Wait()
	if err != nil || len(got) != 3 || got[2].Data[1] != 2 {
		t.Fatalf("WaitWrites = %v, %v", got, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.WaitWrites(ctx, 4); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitWrites on cancelled ctx: %v", err)
	}
}

func TestFailWrites(t *testing.T) {
	d := New(nil)
	boom := errors.New("boom")
	d.FailWrites(2, boom)
	for i := range 2 {
		if err := d.WriteOutput([]byte{1}); !errors.Is(err, boom) {
			t.Fatalf("write %d: %v, want boom", i, err)
		}
	}
	if err := d.WriteOutput([]byte{1}); err != nil {
		t.Fatalf("third write: %v", err)
	}
	d.FailWrites(-1, boom)
	for range 5 {
		if err := d.SetFeature([]byte{1}); !errors.Is(err, boom) {
			t.Fatalf("FailWrites(-1): %v", err)
		}
	}
	d.FailWrites(0, nil)
	if err := d.SetFeature([]byte{1}); err != nil {
		t.Fatal(err)
	}
	if got := len(d.Writes()); got != 2 {
		t.Fatalf("recorded %d writes, want 2 (failed ones are not recorded)", got)
	}
}

func TestFeatureReports(t *testing.T) {
	d := New(nil)
	d.SetFeatureReport([]byte{3, 0xaa, 0xbb})
	buf := []byte{3, 0, 0, 0}
	n, err := d.GetFeature(buf)
	if err != nil || n != 3 || buf[1] != 0xaa || buf[2] != 0xbb {
		t.Fatalf("GetFeature = %d % x, %v", n, buf, err)
	}
	if _, err := d.GetFeature([]byte{4, 0}); !errors.Is(err, ErrNoFeature) {
		t.Fatalf("unknown feature: %v", err)
	}
}

// recorder is a testing.TB that collects failures instead of failing.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, a ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, a...))
}

func TestStrict(t *testing.T) {
	rec := &recorder{TB: t}
	d := NewStrict(rec, nil)
	d.Expect(Out(2, 1), Feat(3, 0))
	if err := d.WriteOutput([]byte{2, 1}); err != nil {
		t.Fatalf("expected write refused: %v", err)
	}
	if err := d.WriteOutput([]byte{2, 2}); !errors.Is(err, ErrUnexpected) {
		t.Fatalf("unexpected write: %v, want ErrUnexpected", err)
	}
	d.Verify(rec)
	want := []string{
		"hidtest: unexpected write output 02 02, want feature 03 00",
		"hidtest: expected write never happened: feature 03 00",
	}
	if !reflect.DeepEqual(rec.errs, want) {
		t.Fatalf("strict mode reported\n%q\nwant\n%q", rec.errs, want)
	}

	rec.errs = nil
	if err := d.SetFeature([]byte{3, 0}); err != nil {
		t.Fatal(err)
	}
	d.Verify(rec)
	if err := d.SetFeature([]byte{3, 0}); !errors.Is(err, ErrUnexpected) {
		t.Fatalf("write past the script: %v", err)
	}
	if want := []string{"hidtest: unexpected write feature 03 00, want nothing"}; !reflect.DeepEqual(rec.errs, want) {
		t.Fatalf("got %q, want %q", rec.errs, want)
	}
}

// A driver loop reading in one goroutine while the test pushes from
// another: run with -race.
func TestConcurrentUse(t *testing.T) {
	d := New(nil)
	ctx, cancel := context.WithCancel(ctxT(t))
	var wg sync.WaitGroup
	var seen []byte
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 1)
		for {
			if _, err := d.ReadReport(ctx, buf); err != nil {
				return
			}
			seen = append(seen, buf[0])
			_ = d.WriteOutput([]byte{buf[0]})
		}
	}()
	for i := range 100 {
		d.Push([]byte{byte(i)})
	}
	if err := d.WaitIdle(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	cancel()
	wg.Wait()
	if len(seen) != 100 || seen[99] != 99 || len(d.Writes()) != 100 {
		t.Fatalf("read %d reports, %d writes", len(seen), len(d.Writes()))
	}
}

func ExampleDevice() {
	d := New([]byte{0x05, 0x0b, 0x09, 0x05}) // Usage Page (Telephony), Usage (Headset)
	d.Push([]byte{2, 0x01})                  // hook off
	buf := make([]byte, 64)
	n, _ := d.ReadReport(context.Background(), buf)
	fmt.Printf("read % x\n", buf[:n])
	_ = d.WriteOutput([]byte{2, 0x01}) // the driver sets LED Off-Hook
	fmt.Println(d.Writes())
	// Output:
	// read 02 01
	// [output 02 01]
}

package harness

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"
)

const threadStatus = `Name:	handsetd
Umask:	0022
State:	S (sleeping)
Tgid:	4242
Pid:	4242
VmHWM:	   13540 kB
VmRSS:	   13528 kB
Threads:	12
voluntary_ctxt_switches:	788
nonvoluntary_ctxt_switches:	178
`

func TestParseStatus(t *testing.T) {
	got, err := ParseStatus([]byte(threadStatus))
	if err != nil {
		t.Fatal(err)
	}
	want := Status{RSSKiB: 13528, HWMKiB: 13540, Threads: 12, Voluntary: 788, Involuntary: 178}
	if got != want {
		t.Fatalf("ParseStatus = %+v, want %+v", got, want)
	}
}

func TestParseStatusErrors(t *testing.T) {
	for name, in := range map[string]string{
		"no switches": "Name:\tx\nVmRSS:\t1 kB\n",
		"bad unit":    "VmRSS:\t1 MB\nvoluntary_ctxt_switches:\t1\n",
		"bad number":  "voluntary_ctxt_switches:\tmany\n",
		"negative":    "voluntary_ctxt_switches:\t-1\n",
	} {
		if _, err := ParseStatus([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

func TestParseSchedstat(t *testing.T) {
	run, wait, slices, err := ParseSchedstat([]byte("51207138 3211 966\n"))
	if err != nil || run != 51207138 || wait != 3211 || slices != 966 {
		t.Fatalf("ParseSchedstat = %v %v %d %v, want 51.207138ms 3.211µs 966 nil", run, wait, slices, err)
	}
	for _, in := range []string{"", "1 2", "1 2 3 4", "a 2 3", "99999999999999999999 1 1"} {
		if _, _, _, err := ParseSchedstat([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseSchedstat(%q): err = %v, want ErrMalformed", in, err)
		}
	}
}

func FuzzParseProc(f *testing.F) {
	f.Add([]byte(threadStatus))
	f.Add([]byte("51207138 3211 966\n"))
	f.Add([]byte("VmRSS:\t kB\nvoluntary_ctxt_switches:\t\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if s, err := ParseStatus(b); err != nil && s != (Status{}) {
			t.Fatalf("ParseStatus returned %+v with error %v", s, err)
		}
		if run, wait, n, err := ParseSchedstat(b); err != nil && (run != 0 || wait != 0 || n != 0) {
			t.Fatalf("ParseSchedstat returned values with error %v", err)
		}
	})
}

func TestReadProcSelf(t *testing.T) {
	s, err := ReadProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s.RSSKiB <= 0 || s.Threads < 1 || s.FDs < 3 || s.CPU <= 0 || s.Slices == 0 {
		t.Fatalf("ReadProc(self) = %+v: want RSS, threads, stdio fds, CPU and slices above zero", s)
	}
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s2, err := ReadProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s2.FDs != s.FDs+1 {
		t.Fatalf("FDs after opening one file = %d, want %d", s2.FDs, s.FDs+1)
	}
	d := s2.Sub(s)
	if d.CPU < 0 || d.FDs != s2.FDs {
		t.Fatalf("Sub = %+v: counters must not go back, gauges are the later ones", d)
	}
}

func TestSummarize(t *testing.T) {
	var s []time.Duration
	for i := 200; i >= 1; i-- { // 1..200 ms, given in reverse
		s = append(s, time.Duration(i)*time.Millisecond)
	}
	got := Summarize(s)
	want := Summary{N: 200, Min: time.Millisecond, P50: 100 * time.Millisecond, P99: 198 * time.Millisecond,
		Max: 200 * time.Millisecond, Mean: 100500 * time.Microsecond}
	if got != want {
		t.Fatalf("Summarize = %+v, want %+v", got, want)
	}
	if s[0] != 200*time.Millisecond {
		t.Fatal("Summarize sorted its argument")
	}
	if one := Summarize([]time.Duration{7}); one.P50 != 7 || one.P99 != 7 || one.Max != 7 {
		t.Fatalf("Summarize of one sample = %+v", one)
	}
	if (Summarize(nil) != Summary{}) {
		t.Fatal("Summarize(nil) is not zero")
	}
}

const dump = `SIGQUIT: quit
PC=0x47a5c1 m=0 sigcode=0

goroutine 0 gp=0x9f39c0 m=0 mp=0x9f49c0 [idle]:
runtime.futex(0x9f4b00, 0x80, 0x0)

goroutine 1 gp=0x179e401661e0 m=nil [select]:
main.runDaemon({0x777288, 0x179e402262c0})
	/work/main/cmd/handsetd/run.go:170 +0x8c5

goroutine 2 gp=0x179e40166d20 m=nil [force gc (idle)]:
runtime.gopark(0x0?)

goroutine 24 gp=0x179e40200d20 m=nil [select, 2 minutes]:
github.com/godbus/dbus/v5.(*Conn).inWorker(0x0)
handsetd/phoneapi/session.(*Session).serve(0x179e403020b0)
handsetd/daemon.(*phoneAPIHost).Run(0x179e40264c00)
`

func TestGoroutines(t *testing.T) {
	all, own := Goroutines(dump)
	if all != 4 || own != 2 {
		t.Fatalf("Goroutines = %d, %d; want 4, 2", all, own)
	}
}

func TestLeakCheck(t *testing.T) {
	before := TakeSnapshot()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { <-stop; close(done) }()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := ExpectNoLeak(ctx, before, Limits{HeapKiB: 1024}); err == nil {
		t.Fatal("a goroutine still running was not reported")
	}
	close(stop)
	<-done
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	if _, err := ExpectNoLeak(ctx2, before, Limits{HeapKiB: 1024}); err != nil {
		t.Fatal(err)
	}
}

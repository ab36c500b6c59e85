package pa

import (
	"errors"
	"testing"
	"time"

	"github.com/gordonklaus/portaudio"

	"handsetd/audio/card"
)

func TestGapHistogram(t *testing.T) {
	var h GapHistogram
	if h.Quantile(0.5) != 0 || h.Max() != 0 || h.Mean() != 0 {
		t.Fatal("empty histogram not zero")
	}
	// 98 gaps of 5.333 ms, one of 7.7 ms, one of 150 ms (beyond the last
	// bucket).
	for range 98 {
		h.Record(5333 * time.Microsecond)
	}
	h.Record(7700 * time.Microsecond)
	h.Record(150 * time.Millisecond)
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{
		{0.01, 5340 * time.Microsecond},
		{0.5, 5340 * time.Microsecond},
		{0.98, 5340 * time.Microsecond},
		{0.99, 7710 * time.Microsecond},
		{1, 150 * time.Millisecond},
	} {
		if got := h.Quantile(tc.q); got != tc.want {
			t.Errorf("Quantile(%v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if got, want := h.Max(), 150*time.Millisecond; got != want {
		t.Errorf("Max = %v, want %v", got, want)
	}
	if got, want := h.Count(), uint64(100); got != want {
		t.Errorf("Count = %d, want %d", got, want)
	}
	if got, want := h.Mean(), (98*5333*time.Microsecond+7700*time.Microsecond+150*time.Millisecond)/100; got != want {
		t.Errorf("Mean = %v, want %v", got, want)
	}
	h.Reset()
	if h.Count() != 0 || h.Quantile(0.99) != 0 {
		t.Error("Reset left data")
	}
}

func TestQuantileCappedAtMax(t *testing.T) {
	var h GapHistogram
	h.Record(5333 * time.Microsecond)
	if got, want := h.Quantile(0.5), 5333*time.Microsecond; got != want {
		t.Errorf("Quantile = %v, want %v (the exact max)", got, want)
	}
}

var testDevs = []Device{
	{Index: 0, Name: "HDA Intel PCH: ALC256 Analog (hw:0,0)", HostAPI: HostALSA, MaxInputChannels: 2, MaxOutputChannels: 2},
	{Index: 1, Name: "C-Media USB Headphone Set: USB Audio (hw:1,0)", HostAPI: HostALSA, MaxInputChannels: 1, MaxOutputChannels: 2},
	{Index: 2, Name: "Jabra EVOLVE LINK MS: USB Audio (hw:11,0)", HostAPI: HostALSA, MaxInputChannels: 1, MaxOutputChannels: 2},
	{Index: 3, Name: "Speaker Only: USB Audio (hw:3,1)", HostAPI: HostALSA, MaxOutputChannels: 2},
	{Index: 4, Name: "Speaker Only: Monitor (hw:3,0)", HostAPI: HostALSA, MaxInputChannels: 2},
	{Index: 5, Name: "system", HostAPI: HostJACK, MaxInputChannels: 2, MaxOutputChannels: 2},
	{Index: 6, Name: "system", HostAPI: "OSS", MaxOutputChannels: 2},
	{Index: 7, Name: "Yealink USB-P1K", HostAPI: "Other", MaxInputChannels: 1, MaxOutputChannels: 1},
	{Index: 8, Name: "default", HostAPI: HostALSA, MaxInputChannels: 32, MaxOutputChannels: 32},
}

func TestDevicesForCard(t *testing.T) {
	for _, tc := range []struct {
		name            string
		card            card.Card
		wantIn, wantOut int // device index, -1 for none
	}{
		{"hw:1 not hw:11", card.Card{Index: 1, Name: "C-Media USB Headphone Set"}, 1, 1},
		{"hw:11", card.Card{Index: 11, Name: "Jabra EVOLVE LINK MS"}, 2, 2},
		{"pcm 0 preferred, other pcm as fallback", card.Card{Index: 3, Name: "Speaker Only"}, 4, 3},
		{"by name in another host API", card.Card{Index: 5, Name: "Yealink USB-P1K"}, 7, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, out, err := DevicesForCard(testDevs, tc.card)
			if err != nil {
				t.Fatal(err)
			}
			if idx(in) != tc.wantIn || idx(out) != tc.wantOut {
				t.Errorf("got in %d out %d, want in %d out %d", idx(in), idx(out), tc.wantIn, tc.wantOut)
			}
		})
	}
	_, _, err := DevicesForCard(testDevs, card.Card{Index: 4, Name: "Gone"})
	if !errors.Is(err, ErrNoCardDevice) {
		t.Errorf("card 4: got %v, want %v", err, ErrNoCardDevice)
	}
}

func idx(d *Device) int {
	if d == nil {
		return -1
	}
	return d.Index
}

func TestFind(t *testing.T) {
	for _, tc := range []struct {
		name string
		dir  Direction
		want int
	}{
		{"system", Output, 5},
		{"OSS:system", Output, 6},
		{"JACK Audio Connection Kit:system", Input, 5},
		{"Speaker Only: USB Audio (hw:3,1)", Output, 3},
	} {
		d, err := Find(testDevs, tc.name, tc.dir)
		if err != nil || d.Index != tc.want {
			t.Errorf("Find(%q, %v) = %d, %v; want %d", tc.name, tc.dir, d.Index, err, tc.want)
		}
	}
	if _, err := Find(testDevs, "Speaker Only: USB Audio (hw:3,1)", Input); !errors.Is(err, ErrNoDevice) {
		t.Errorf("output-only device as input: %v, want %v", err, ErrNoDevice)
	}
	if _, err := Find(testDevs, "nope", Output); !errors.Is(err, ErrNoDevice) {
		t.Errorf("unknown name: %v, want %v", err, ErrNoDevice)
	}
}

func TestNotInitialized(t *testing.T) {
	if _, err := Devices(); !errors.Is(err, ErrNotInitialized) {
		t.Errorf("Devices: %v, want %v", err, ErrNotInitialized)
	}
	if _, err := Open(Params{}, ProcessFunc(func(in, out []float32) {})); !errors.Is(err, ErrNotInitialized) {
		t.Errorf("Open: %v, want %v", err, ErrNotInitialized)
	}
	if err := Terminate(); !errors.Is(err, ErrNotInitialized) {
		t.Errorf("Terminate: %v, want %v", err, ErrNotInitialized)
	}
}

// fakeStream is a Stream as Open builds it, without PortAudio, so the
// callback path can be driven directly.
func fakeStream(proc Processor, inCh, outCh int) *Stream {
	return &Stream{proc: proc, inCh: inCh, outCh: outCh, epoch: time.Now()}
}

func TestCallbackCounters(t *testing.T) {
	var calls, sawIn, sawOut int
	s := fakeStream(ProcessFunc(func(in, out []float32) {
		calls++
		sawIn, sawOut = len(in), len(out)
		for i := range out {
			out[i] = 0.5
		}
	}), 1, 2)
	in, out := make([]float32, 256), make([]float32, 512)
	ti := portaudio.StreamCallbackTimeInfo{}
	s.duplex(in, out, ti, 0)
	s.duplex(in, out, ti, portaudio.InputOverflow|portaudio.OutputUnderflow)
	s.duplex(in, out, ti, portaudio.OutputUnderflow|portaudio.PrimingOutput)
	st := s.Stats()
	if calls != 3 || sawIn != 256 || sawOut != 512 || out[511] != 0.5 {
		t.Errorf("processor: %d calls, in %d out %d out[511] %v", calls, sawIn, sawOut, out[511])
	}
	want := Stats{Callbacks: 3, Frames: 768, InputOverflows: 1, OutputUnderflows: 2, PrimingOutputs: 1}
	st.GapMean, st.GapP50, st.GapP99, st.GapMax = 0, 0, 0, 0
	if st != want {
		t.Errorf("stats %+v, want %+v", st, want)
	}
	if got := st.Xruns(); got != 3 {
		t.Errorf("Xruns = %d, want 3", got)
	}
	if got := s.gaps.Count(); got != 2 {
		t.Errorf("%d gaps recorded over 3 callbacks, want 2", got)
	}
}

// TestCallbackAllocs holds the rule that the audio callback allocates
// nothing: the wrapper around the Processor included.
func TestCallbackAllocs(t *testing.T) {
	sum := float32(0)
	proc := ProcessFunc(func(in, out []float32) {
		for i := range in {
			sum += in[i]
		}
		for i := range out {
			out[i] = sum
		}
	})
	in, out := make([]float32, 256), make([]float32, 256)
	ti := portaudio.StreamCallbackTimeInfo{}
	s := fakeStream(proc, 1, 1)
	if n := testing.AllocsPerRun(1000, func() { s.duplex(in, out, ti, portaudio.OutputUnderflow) }); n != 0 {
		t.Errorf("duplex callback: %v allocations per call, want 0", n)
	}
	if n := testing.AllocsPerRun(1000, func() { s.input(in, ti, 0) }); n != 0 {
		t.Errorf("input callback: %v allocations per call, want 0", n)
	}
	if n := testing.AllocsPerRun(1000, func() { s.output(out, ti, 0) }); n != 0 {
		t.Errorf("output callback: %v allocations per call, want 0", n)
	}
}

package yealink

import (
	"context"
	"testing"

	"handsetd/devices"
	"handsetd/devices/usbio"
)

// echoTransport answers every KEYPRESS with key number 0 without any
// bookkeeping, so that the benchmark measures the driver's side of a poll.
type echoTransport struct{ reply []byte }

func (e *echoTransport) Control(_ context.Context, _, _ uint8, _, _ uint16, data []byte) (int, error) {
	if data[0] == CmdKeypress {
		b := KeypressPacket().Bytes()
		e.reply = b[:]
	}
	return len(data), nil
}

func (e *echoTransport) ReadInterrupt(_ context.Context, p []byte) (int, error) {
	return copy(p, e.reply), nil
}

func (e *echoTransport) Close() error { return nil }

var _ usbio.Transport = (*echoTransport)(nil)

// BenchmarkPoll is the CPU cost of one idle key poll in the driver,
// without the USB transfers.
func BenchmarkPoll(b *testing.B) {
	p, err := New(context.Background(), &echoTransport{}, Config{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	emit := func(devices.Event) {}
	b.ReportAllocs()
	for b.Loop() {
		if err := p.poll(ctx, emit); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParsePacket(b *testing.B) {
	pk := KeypressPacket().Bytes()
	for b.Loop() {
		if _, err := ParsePacket(pk[:]); err != nil {
			b.Fatal(err)
		}
	}
}

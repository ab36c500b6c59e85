package usbio

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

// controlRecorder records one control transfer and fails with err.
type controlRecorder struct {
	reqType, req uint8
	val, idx     uint16
	data         []byte
	err          error
}

func (c *controlRecorder) Control(_ context.Context, reqType, req uint8, val, idx uint16, data []byte) (int, error) {
	c.reqType, c.req, c.val, c.idx, c.data = reqType, req, val, idx, bytes.Clone(data)
	return len(data), c.err
}

func (c *controlRecorder) ReadInterrupt(context.Context, []byte) (int, error) { return 0, nil }
func (c *controlRecorder) Close() error                                       { return nil }

func TestSetReport(t *testing.T) {
	rec := &controlRecorder{}
	if err := SetReport(context.Background(), rec, 3, []byte{0x20, 0x0f, 0x0f, 0x00}); err != nil {
		t.Fatal(err)
	}
	if rec.reqType != 0x21 || rec.req != 0x09 || rec.val != 0x0200 || rec.idx != 3 || !bytes.Equal(rec.data, []byte{0x20, 0x0f, 0x0f, 0x00}) {
		t.Fatalf("sent %#02x/%#02x value %#04x index %d data % x; want 0x21/0x09 value 0x0200 index 3 data 20 0f 0f 00",
			rec.reqType, rec.req, rec.val, rec.idx, rec.data)
	}
	rec.err = ErrClosed
	if err := SetReport(context.Background(), rec, 3, []byte{0}); !errors.Is(err, ErrClosed) {
		t.Fatalf("SetReport = %v, want the transport's error", err)
	}
}

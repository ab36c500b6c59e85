//go:build umockdev

package umockdev

/*
#include <stdint.h>
*/
import "C"

import (
	"encoding/binary"
	"syscall"
	"unsafe"
)

// hidraw ioctl numbers (linux/hidraw.h): _IOC(dir, 'H', nr, size).
const (
	iocWrite = 1
	iocRead  = 2

	nrGetRDescSize = 0x01
	nrGetRDesc     = 0x02
	nrGetRawInfo   = 0x03
	nrGetRawName   = 0x04
	nrGetRawPhys   = 0x05
	nrSetFeature   = 0x06
	nrGetFeature   = 0x07
	nrGetRawUniq   = 0x08
	nrSetOutput    = 0x0B

	busUSB = 0x03
)

func ioc(dir, nr, size uint32) uint32 { return dir<<30 | size<<16 | 'H'<<8 | nr }

//export handsetIoctl
func handsetIoctl(id C.uintptr_t, req C.ulong, buf unsafe.Pointer, size C.int, errOut *C.int) C.long {
	v, ok := registry.Load(uintptr(id))
	if !ok {
		*errOut = C.int(syscall.ENODEV)
		return -1
	}
	var data []byte
	if size > 0 && buf != nil {
		data = unsafe.Slice((*byte)(buf), int(size))
	}
	r, e := v.(*Handset).ioctl(uint32(req), data)
	*errOut = C.int(e)
	return C.long(r)
}

//export handsetRead
func handsetRead(id C.uintptr_t, buf unsafe.Pointer, n C.int, errOut *C.int) C.long {
	v, ok := registry.Load(uintptr(id))
	if !ok {
		*errOut = C.int(syscall.EIO)
		return -1
	}
	var p []byte
	if n > 0 && buf != nil {
		p = unsafe.Slice((*byte)(buf), int(n))
	}
	r, e := v.(*Handset).serveRead(p)
	*errOut = C.int(e)
	return C.long(r)
}

//export handsetWrite
func handsetWrite(id C.uintptr_t, buf unsafe.Pointer, n C.int, errOut *C.int) C.long {
	v, ok := registry.Load(uintptr(id))
	if !ok {
		*errOut = C.int(syscall.ENODEV)
		return -1
	}
	h := v.(*Handset)
	if h.unplugged() {
		*errOut = C.int(syscall.ENODEV)
		return -1
	}
	if n <= 0 {
		*errOut = C.int(syscall.EINVAL)
		return -1
	}
	h.record(OutputWrite, C.GoBytes(buf, n))
	return C.long(n)
}

func (h *Handset) unplugged() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.gone
}

// ioctl answers one hidraw ioctl as the kernel's hidraw driver would;
// data is the client's argument, copied back when it returns.
func (h *Handset) ioctl(req uint32, data []byte) (int, syscall.Errno) {
	if h.unplugged() {
		return -1, syscall.ENODEV
	}
	if (req>>8)&0xff != 'H' {
		return -1, syscall.ENOTTY
	}
	size := int(req>>16) & 0x3fff
	dir := req >> 30
	putString := func(s string) (int, syscall.Errno) {
		// The kernel copies at most len bytes including the NUL and
		// returns the length copied.
		n := copy(data, s+"\x00")
		return n, 0
	}
	switch req & 0xff {
	case nrGetRDescSize:
		if req != ioc(iocRead, nrGetRDescSize, 4) {
			break
		}
		binary.NativeEndian.PutUint32(data, uint32(len(h.spec.Descriptor)))
		return 0, 0
	case nrGetRDesc:
		if req != ioc(iocRead, nrGetRDesc, 4100) {
			break
		}
		want := binary.NativeEndian.Uint32(data)
		if int(want) > 4096 || int(want) > len(h.spec.Descriptor) {
			return -1, syscall.EINVAL
		}
		copy(data[4:], h.spec.Descriptor[:want])
		return 0, 0
	case nrGetRawInfo:
		if req != ioc(iocRead, nrGetRawInfo, 8) {
			break
		}
		binary.NativeEndian.PutUint32(data[0:], busUSB)
		binary.NativeEndian.PutUint16(data[4:], h.spec.VendorID)
		binary.NativeEndian.PutUint16(data[6:], h.spec.ProductID)
		return 0, 0
	case nrGetRawName:
		if dir == iocRead {
			return putString(trimName(h.spec.Manufacturer + " " + h.spec.Product))
		}
	case nrGetRawPhys:
		if dir == iocRead {
			return putString(physOf(h))
		}
	case nrGetRawUniq:
		if dir == iocRead {
			return putString(h.spec.Serial)
		}
	case nrSetFeature:
		if dir != iocRead|iocWrite || size == 0 {
			break
		}
		r := append([]byte(nil), data...)
		h.SetFeature(r)
		h.record(FeatureSet, r)
		return size, 0
	case nrGetFeature:
		if dir != iocRead|iocWrite || size == 0 {
			break
		}
		r, ok := h.Feature(data[0])
		if !ok {
			return -1, syscall.EPIPE // the device stalls an unknown report
		}
		return copy(data, r), 0
	case nrSetOutput:
		if dir != iocRead|iocWrite || size == 0 {
			break
		}
		h.record(OutputIoctl, append([]byte(nil), data...))
		return size, 0
	}
	return -1, syscall.EINVAL
}

func trimName(s string) string {
	for len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	for len(s) > 0 && s[len(s)-1] == ' ' {
		s = s[:len(s)-1]
	}
	return s
}

func physOf(h *Handset) string {
	return "usb-0000:00:14.0-" + itoa(h.port) + "/input" + itoa(h.spec.Interface)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

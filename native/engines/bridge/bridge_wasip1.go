//go:build wasip1

package bridge

import "unsafe"

// The host writes a request into the buffer engine_alloc returns, calls engine_call with its length and
// reads engine_out_len() bytes at the returned address. Both buffers stay referenced until the next call.
var in, out []byte

//go:wasmexport engine_alloc
func engineAlloc(n int32) int32 {
	in = make([]byte, n+1)
	return int32(uintptr(unsafe.Pointer(unsafe.SliceData(in))))
}

//go:wasmexport engine_call
func engineCall(n int32) int32 {
	out = call(in[:n])
	in = nil
	if len(out) == 0 {
		return 0
	}
	return int32(uintptr(unsafe.Pointer(unsafe.SliceData(out))))
}

//go:wasmexport engine_out_len
func engineOutLen() int32 { return int32(len(out)) }

// Serve is nothing to do in a reactor: the host calls the exports.
func Serve() {}

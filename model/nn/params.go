package nn

import (
	"encoding/binary"
	"fmt"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/internal/half"
	"github.com/sdgo/sdgo/kernels"
	"github.com/sdgo/sdgo/model/safetensors"
	"github.com/sdgo/sdgo/model/weights"
)

// uploadChunk is how many elements are converted and written at a time, so loading
// holds at most a few MiB of any tensor on the host.
const uploadChunk = 1 << 20

// Param uploads the weight called name, checking its shape. Matrices and convolution
// kernels (rank ≥ 2) are stored as fp16 when the net is in fp16 mode; vectors (biases,
// norm gains) always as fp32.
func (n *Net) Param(w *weights.Weights, name string, shape ...int) Tensor {
	return n.param(w, name, ConvPlain, shape...)
}

// param is Param storing a [out, in, kh, kw] convolution kernel in the given layout.
func (n *Net) param(w *weights.Weights, name string, layout ConvLayout, shape ...int) Tensor {
	if n.err != nil {
		return Tensor{}
	}
	src, err := w.Tensor(name, shape...)
	if err != nil {
		n.Fail("load", err)
		return Tensor{}
	}
	t := Tensor{Shape: append([]int(nil), src.Shape...), F16: n.F16 && len(src.Shape) >= 2}
	if layout == ConvWinograd {
		cout, cin := t.Shape[0], t.Shape[1]
		t.Shape, t.F16 = []int{kernels.WinoPositions(kernels.WinoTile(cin, cout)), cout, cin}, false // fp32: see Net.Winograd
	}
	dst, err := n.d.Alloc(t.Bytes())
	if err != nil {
		n.Fail(fmt.Sprintf("load %s %s", w.Component, name), err)
		return Tensor{}
	}
	n.params = append(n.params, dst)
	merged, err := n.loraMerged(w, name, src)
	if err != nil {
		n.Fail("lora", err)
		return Tensor{}
	}
	if layout == ConvWinograd {
		read := src.ReadFloat32
		if merged != nil {
			read = readerOf(merged)
		}
		err = uploadWinograd(dst, src.Shape[0], src.Shape[1], read)
	} else {
		err = uploadRows(dst, t, src, merged, layout)
	}
	if err != nil {
		n.Fail("load", err)
		return Tensor{}
	}
	src.Evict() // the device has it now: keep the checkpoint's pages out of RSS
	t.ref = gpu.TensorRef(dst)
	return t
}

// loraMerged returns a float32 copy of src with the net's LoRA merged in, where the
// LoRA touches it; else nil.
func (n *Net) loraMerged(w *weights.Weights, name string, src *weights.Tensor) ([]float32, error) {
	if n.LoRA == nil || !n.LoRA.Touches(w.Component, name) {
		return nil, nil
	}
	merged, err := src.Float32()
	if err == nil {
		_, err = n.LoRA.Apply(w.Component, name, merged)
	}
	return merged, err
}

// readerOf reads v as a tensor's reader does: elements [start, start+len(d)) into d.
func readerOf(v []float32) func([]float32, int) error {
	return func(d []float32, start int) error { copy(d, v[start:]); return nil }
}

// uploadRows writes src (merged instead where not nil) into dst as t describes it, in
// the given layout, chunk by chunk.
func uploadRows(dst *gpu.Tensor, t Tensor, src *weights.Tensor, merged []float32, layout ConvLayout) error {
	readF32, readF16 := src.ReadFloat32, src.ReadFloat16
	if merged != nil {
		readF32 = readerOf(merged)
		readF16 = func(d []uint16, start int) error {
			for i := range d {
				d[i] = safetensors.FloatToHalf(merged[start+i])
			}
			return nil
		}
	}
	if layout == ConvTapMajor && len(t.Shape) == 4 && t.Shape[2]*t.Shape[3] > 1 {
		cin, khw := t.Shape[1], t.Shape[2]*t.Shape[3]
		readF32, readF16 = tapMajorRows(readF32, cin, khw), tapMajorRows(readF16, cin, khw)
	}
	if t.F16 {
		return uploadF16(dst, t, readF16)
	}
	return uploadF32(dst, t.Numel(), readF32)
}

// uploadWinograd writes the Winograd weights U = G·g·Gᵀ of the 3×3 kernel g
// [cout, cin, 3, 3] that read reads into dst, [positions, cout, cin] in fp32 (see
// Net.Winograd). U is computed a block of output channels at a time and each block's
// positions written where they belong, so the host holds a few MiB of it (all of U is
// up to 225 MiB: the UNet's 1280→1280 upsampler).
func uploadWinograd(dst *gpu.Tensor, cout, cin int, read func([]float32, int) error) error {
	m := kernels.WinoTile(cin, cout)
	pos, row := kernels.WinoPositions(m), cin*9
	block := max(1, uploadChunk/(pos*cin))
	g := make([]float32, min(block, cout)*row)
	for co := 0; co < cout; co += block {
		rows := min(block, cout-co)
		if err := read(g[:rows*row], co*row); err != nil {
			return err
		}
		u := kernels.WinoWeights(g[:rows*row], rows, cin, m) // [positions, rows, in]
		for p := range pos {
			if err := dst.WriteFloat32((p*cout+co)*cin, u[p*rows*cin:(p+1)*rows*cin]); err != nil {
				return err
			}
		}
	}
	return nil
}

// tapMajorRows wraps the reader of a [out, in, k, k] kernel so that it reads the
// [out, k, k, in] order (kernels.ConvTapMajor), a few whole rows at a time, through one
// reused buffer: chunks of whole rows (the uploads' own) are transposed straight into d.
func tapMajorRows[T any](read func([]T, int) error, cin, khw int) func([]T, int) error {
	k := cin * khw
	var rows []T
	return func(d []T, start int) error {
		r0, r1 := start/k, (start+len(d)+k-1)/k
		if n := (r1 - r0) * k; cap(rows) < n {
			rows = make([]T, n)
		}
		src := rows[:(r1-r0)*k]
		if err := read(src, r0*k); err != nil {
			return err
		}
		if start%k != 0 || len(d)%k != 0 {
			copy(d, kernels.ConvTapMajor(src, r1-r0, cin, khw)[start-r0*k:])
			return nil
		}
		kernels.ConvTapMajorInto(d, src, r1-r0, cin, khw)
		return nil
	}
}

// uploadF32 writes total values read chunk by chunk.
func uploadF32(dst *gpu.Tensor, total int, read func([]float32, int) error) error {
	vals := make([]float32, min(uploadChunk, total))
	for start := 0; start < total; start += len(vals) {
		m := min(len(vals), total-start)
		if err := read(vals[:m], start); err != nil {
			return err
		}
		if err := dst.WriteFloat32(start, vals[:m]); err != nil {
			return err
		}
	}
	return nil
}

// uploadF16 writes fp16 rows, each padded to a whole number of 32-bit words.
func uploadF16(dst *gpu.Tensor, t Tensor, read func([]uint16, int) error) error {
	rows, rowLen := t.rows()
	words := (rowLen + 1) / 2
	perChunk := max(1, uploadChunk/rowLen) // rows per write
	halves := make([]uint16, perChunk*words*2)
	// The device's words are little-endian pairs of halves: on a little-endian host,
	// the halves' own bytes.
	raw := half.Bytes(halves)
	for r0 := 0; r0 < rows; r0 += perChunk {
		nr := min(perChunk, rows-r0)
		if err := read(halves[:nr*rowLen], r0*rowLen); err != nil {
			return err
		}
		if rowLen%2 != 0 { // pad each row to whole words, last row first
			for r := nr - 1; r >= 0; r-- {
				copy(halves[r*words*2:r*words*2+rowLen], halves[r*rowLen:(r+1)*rowLen])
				halves[r*words*2+rowLen] = 0
			}
		}
		if !half.HostLittleEndian {
			for i, h := range halves[:nr*words*2] {
				binary.LittleEndian.PutUint16(raw[2*i:], h)
			}
		}
		if err := dst.Write(int64(r0*words*4), raw[:nr*words*4]); err != nil {
			return err
		}
	}
	return nil
}

package kernels

import (
	"math"

	"github.com/sdgo/sdgo/internal/half"
)

// fp16 weights are stored packed, two IEEE half floats per uint32 word (element 2i in the
// low 16 bits, element 2i+1 in the high 16 bits), in a storage buffer of uint that the
// kernels decode with HLSL's f16tof32. A weight matrix of R rows × C columns is packed
// row by row, each row padded to an even number of halves: row r starts at word
// r·F16RowWords(C). When C is even (every SD weight except the VAE encoder's
// 3-channel conv_in) this is exactly the flat packed array.

// f16tof32 decodes the half float in the low 16 bits of h. It is named like the HLSL
// intrinsic so that gosl passes calls to it through unchanged, while the CPU references
// run this Go version.
func f16tof32(h uint32) float32 { return half.ToFloat32(uint16(h)) }

// F16ToF32 decodes a half float.
func F16ToF32(h uint16) float32 { return half.ToFloat32(h) }

// F32ToF16 encodes v as a half float, rounding to nearest even; values beyond the half
// range become ±Inf, NaN stays NaN.
func F32ToF16(v float32) uint16 { return half.FromFloat32(v) }

// RoundF16 rounds v to the nearest half-precision value (what a weight becomes when
// stored as fp16).
func RoundF16(v float32) float32 { return F16ToF32(F32ToF16(v)) }

// F16RowWords is the number of uint32 words of one packed fp16 row of cols halves.
func F16RowWords(cols int) int { return (cols + 1) / 2 }

// PackF16Rows packs a rows×cols row-major matrix as fp16, each row padded to
// F16RowWords(cols) words (see the layout above).
func PackF16Rows(w []float32, rows, cols int) []uint32 {
	rw := F16RowWords(cols)
	out := make([]uint32, rows*rw)
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			h := uint32(F32ToF16(w[r*cols+c]))
			out[r*rw+c/2] |= h << (16 * uint(c&1))
		}
	}
	return out
}

// F32Words reinterprets fp32 weights as the uint32 words the kernels read.
func F32Words(w []float32) []uint32 {
	out := make([]uint32, len(w))
	for i, v := range w {
		out[i] = math.Float32bits(v)
	}
	return out
}

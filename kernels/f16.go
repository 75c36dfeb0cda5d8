package kernels

import "math"

// fp16 weights are stored packed, two IEEE half floats per uint32 word (element 2i in the
// low 16 bits, element 2i+1 in the high 16 bits), in a storage buffer of uint that the
// kernels decode with HLSL's f16tof32. A weight matrix of R rows × C columns is packed
// row by row, each row padded to an even number of halves: row r starts at word
// r·F16RowWords(C). When C is even (every SD weight except the VAE encoder's
// 3-channel conv_in) this is exactly the flat packed array.

// f16tof32 decodes the half float in the low 16 bits of h. It is named like the HLSL
// intrinsic so that gosl passes calls to it through unchanged, while the CPU references
// run this Go version.
func f16tof32(h uint32) float32 {
	h &= 0xffff
	sign := (h >> 15) << 31
	exp := (h >> 10) & 0x1f
	mant := h & 0x3ff
	switch {
	case exp == 0:
		// zero or subnormal: mant·2^-24
		v := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	case exp == 31:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	}
	return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
}

// F16ToF32 decodes a half float.
func F16ToF32(h uint16) float32 { return f16tof32(uint32(h)) }

// F32ToF16 encodes v as a half float, rounding to nearest even; values beyond the half
// range become ±Inf, NaN stays NaN.
func F32ToF16(v float32) uint16 {
	b := math.Float32bits(v)
	sign := uint16(b>>16) & 0x8000
	exp := int((b >> 23) & 0xff)
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	}
	e := exp - 127 + 15
	if e >= 31 {
		return sign | 0x7c00
	}
	if e <= 0 {
		// subnormal half (or zero): shift the full mantissa into place, round to even.
		if e < -10 {
			return sign
		}
		m := mant | 0x800000
		shift := uint(14 - e)
		h := m >> shift
		rem := m & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || (rem == half && h&1 == 1) {
			h++
		}
		return sign | uint16(h)
	}
	h := uint32(e)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && h&1 == 1) {
		h++ // may carry into the exponent, up to Inf: correct
	}
	return sign | uint16(h)
}

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

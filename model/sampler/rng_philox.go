package sampler

import "math"

// Philox is the "cuda" RNG of A1111 (modules/rng_philox.py) and stable-diffusion.cpp
// (rng_philox.hpp): a CPU imitation of torch.randn on a CUDA device.
//
// Draw number o (counting from 0) of a generator gives element i the Philox4x32-10 block
// of counter (o, 0, i, 0) under key (low 32 bits of seed, high 32 bits of seed); its first
// two words x, y become one normal value by Box–Muller:
//
//	u = x*2^-32 + 2^-33, v = (y*2^-32 + 2^-33)*2*pi, value = sqrt(-2 ln u) * sin v
//
// with the constants 2^-32 and 2^-32*2*pi rounded to float32 as in the references. The
// arithmetic is float64 (as numpy evaluates A1111's reference), rounded to float32 at the end.
type Philox struct {
	key    [2]uint32
	offset uint32
}

// NewPhilox returns the Philox stream for seed, at draw 0.
func NewPhilox(seed uint64) *Philox {
	return &Philox{key: [2]uint32{uint32(seed), uint32(seed >> 32)}}
}

// Randn returns the n values of the next draw.
func (g *Philox) Randn(n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		block := philox4x32x10([4]uint32{g.offset, 0, uint32(i), 0}, g.key)
		out[i] = philoxBoxMuller(block[0], block[1])
	}
	g.offset++
	return out
}

// Philox4x32 multipliers and Weyl key increments (Salmon et al., Random123).
const (
	philoxM0 = 0xD2511F53
	philoxM1 = 0xCD9E8D57
	philoxW0 = 0x9E3779B9
	philoxW1 = 0xBB67AE85
)

// philox4x32x10 is the Philox4x32 block function with 10 rounds.
func philox4x32x10(ctr [4]uint32, key [2]uint32) [4]uint32 {
	for round := 0; round < 10; round++ {
		if round > 0 {
			key[0] += philoxW0
			key[1] += philoxW1
		}
		p0 := uint64(ctr[0]) * philoxM0
		p1 := uint64(ctr[2]) * philoxM1
		ctr = [4]uint32{
			uint32(p1>>32) ^ ctr[1] ^ key[0], uint32(p1),
			uint32(p0>>32) ^ ctr[3] ^ key[1], uint32(p0),
		}
	}
	return ctr
}

// Box–Muller constants of the references: 2^-32 and 2^-32*2*pi as float32 values.
var (
	philoxInv32    = float64(float32(2.3283064e-10))
	philoxInv32Tau = float64(float32(philoxInv32Product(2.3283064e-10, 6.2831855)))
)

// philoxInv32Product is a*b in float64 arithmetic (the references multiply in double).
func philoxInv32Product(a, b float64) float64 { return a * b }

func philoxBoxMuller(x, y uint32) float32 {
	u := float64(x)*philoxInv32 + philoxInv32/2
	v := float64(y)*philoxInv32Tau + philoxInv32Tau/2
	return float32(math.Sqrt(-2*math.Log(u)) * math.Sin(v))
}

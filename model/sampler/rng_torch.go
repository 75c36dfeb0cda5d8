package sampler

import "math"

// TorchCPU reproduces torch.randn with torch.Generator('cpu').manual_seed(seed), bit for
// bit, including successive draws from the same generator:
//
//   - float32 draws of n >= 16 values follow torch's AVX2 normal_fill (what torch runs on
//     CPUs with AVX2; its other builds differ in the last bits): n 24-bit uniforms
//     in order, a Box–Muller transform of each block of 16 (u1 = 1-d[k], u2 = d[k+8],
//     k < 8) with the float32 Cephes polynomials torch uses (see cephesLog, cephesSincos),
//     and, when n is not a multiple of 16, 16 fresh uniforms for the last 16 positions,
//     transformed again.
//   - draws of n < 16 values use the scalar float64 Box–Muller of
//     at::normal_distribution<double>, which caches its second value in the generator
//     for the next scalar draw.
type TorchCPU struct {
	mt         mt19937
	nextNormal float64 // cached second Box–Muller value of the scalar path
	hasNext    bool
}

// NewTorchCPU returns the generator of torch.Generator('cpu').manual_seed(seed); only the
// low 32 bits of seed matter, as in torch.
func NewTorchCPU(seed uint64) *TorchCPU {
	return &TorchCPU{mt: newMT19937(seed)}
}

// torchBlock is the block size of torch's vectorised normal fill.
const torchBlock = 16

// Randn returns the next n float32 standard-normal values (torch.randn(n, dtype=float32)).
func (g *TorchCPU) Randn(n int) []float32 {
	out := make([]float32, n)
	if n < torchBlock {
		for i := range out {
			out[i] = float32(g.scalarNormal())
		}
		return out
	}
	for i := range out {
		out[i] = g.uniform24()
	}
	for i := 0; i+torchBlock <= n; i += torchBlock {
		boxMuller16Float32(out[i : i+torchBlock])
	}
	if n%torchBlock != 0 {
		tail := out[n-torchBlock:]
		for i := range tail {
			tail[i] = g.uniform24()
		}
		boxMuller16Float32(tail)
	}
	return out
}

// uniform24 is torch's float uniform in [0, 1): 24 random bits over 2^24.
func (g *TorchCPU) uniform24() float32 {
	return float32(g.mt.uint32()&(1<<24-1)) / (1 << 24)
}

// uniform53 is torch's double uniform in [0, 1): the low 53 bits of random64 over 2^53.
func (g *TorchCPU) uniform53() float64 {
	return float64(g.mt.uint64()&(1<<53-1)) / (1 << 53)
}

// scalarNormal is at::normal_distribution<double>: it returns the cached value when there
// is one, otherwise draws u1, u2 and returns r*cos(2*pi*u1), caching r*sin(2*pi*u1).
func (g *TorchCPU) scalarNormal() float64 {
	if g.hasNext {
		g.hasNext = false
		return g.nextNormal
	}
	u1 := g.uniform53()
	u2 := g.uniform53()
	r := math.Sqrt(-2 * math.Log1p(-u2))
	theta := 2 * math.Pi * u1
	g.nextNormal, g.hasNext = r*math.Sin(theta), true
	return r * math.Cos(theta)
}

// boxMuller16Float32 transforms 16 uniforms in place as torch's normal_fill_16_AVX2.
func boxMuller16Float32(d []float32) {
	const twoPi = float32(2 * math.Pi)
	for k := 0; k < torchBlock/2; k++ {
		radius := float32(math.Sqrt(float64(-2 * cephesLog(1-d[k]))))
		sin, cos := cephesSincos(float32(twoPi * d[k+8]))
		d[k] = float32(radius * cos)
		d[k+8] = float32(radius * sin)
	}
}

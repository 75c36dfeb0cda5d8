package sampler

import "fmt"

// RNG is a stream of standard-normal noise, as drawn by torch.randn from one generator.
type RNG interface {
	// Randn returns the next n samples of the stream: the values one torch.randn call
	// of n elements returns, leaving the generator where that call leaves it.
	Randn(n int) []float32
}

// RNG kinds accepted by NewRNG (the --rng values of stable-diffusion.cpp and A1111).
const (
	RNGCPU  = "cpu"  // torch CPU generator (mt19937), see TorchCPU
	RNGCUDA = "cuda" // torch CUDA-style Philox4x32-10 stream, see Philox
)

// NewRNG returns the generator of the given kind seeded with seed.
func NewRNG(kind string, seed uint64) (RNG, error) {
	switch kind {
	case RNGCPU:
		return NewTorchCPU(seed), nil
	case RNGCUDA:
		return NewPhilox(seed), nil
	}
	return nil, fmt.Errorf("sampler: unknown rng %q (want %q or %q)", kind, RNGCPU, RNGCUDA)
}

package sampler

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTorchCPUFixture replays every draw of rng_torch_cpu and requires identical bits.
func TestTorchCPUFixture(t *testing.T) {
	c := casesOfKind(t, "rng")[0]
	f := openGolden(t, c)
	var in struct {
		Draws []struct {
			Key   string `json:"key"`
			Seed  uint64 `json:"seed"`
			Shape []int  `json:"shape"`
			DType string `json:"dtype"`
			Index int    `json:"draw_index"`
		} `json:"draws"`
	}
	require.NoError(t, json.Unmarshal(c.Inputs, &in))
	var g *TorchCPU
	for _, d := range in.Draws {
		if d.Index == 0 {
			g = NewTorchCPU(d.Seed)
		}
		n := 1
		for _, s := range d.Shape {
			n *= s
		}
		switch d.DType {
		case "torch.float32":
			want := mustF32(t, f, d.Key)
			got := g.Randn(n)
			mismatches := 0
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					mismatches++
				}
			}
			assert.Zero(t, mismatches, "%s: %d of %d values differ", d.Key, mismatches, n)
		case "torch.float64":
			// float64 draws are outside this package's scope (SD noise is float32).
		default:
			t.Fatalf("%s: unexpected dtype %s", d.Key, d.DType)
		}
	}
}

// TestTorchCPUSeedLow32 checks that only the low 32 bits of the seed matter.
func TestTorchCPUSeedLow32(t *testing.T) {
	assert.Equal(t, NewTorchCPU(5).Randn(40), NewTorchCPU(1<<32+5).Randn(40))
}

// TestPhiloxKnownAnswers checks the block function against Random123's kat_vectors.
func TestPhiloxKnownAnswers(t *testing.T) {
	cases := []struct {
		ctr  [4]uint32
		key  [2]uint32
		want [4]uint32
	}{
		{[4]uint32{0, 0, 0, 0}, [2]uint32{0, 0}, [4]uint32{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
		{[4]uint32{^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0)}, [2]uint32{^uint32(0), ^uint32(0)},
			[4]uint32{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
		{[4]uint32{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, [2]uint32{0xa4093822, 0x299f31d0},
			[4]uint32{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, philox4x32x10(c.ctr, c.key))
	}
}

// TestPhiloxReference checks the values A1111's rng_philox.py documents for
// Generator(seed=0).randn((3, 4)): torch.randn((3, 4), device='cuda') after
// torch.manual_seed(0), printed to 8 digits. The CPU imitation agrees with the GPU's
// float32 arithmetic to within 2.7e-7.
func TestPhiloxReference(t *testing.T) {
	want := []float64{
		-0.92466259, -0.42534415, -2.6438457, 0.14518388,
		-0.12086647, -0.57972564, -0.62285122, -0.32838709,
		-1.07454231, -0.36314407, -1.67105067, 2.26550497,
	}
	got := NewPhilox(0).Randn(len(want))
	for i := range want {
		assert.InDelta(t, want[i], float64(got[i]), 3e-7*math.Max(1, math.Abs(want[i])), "element %d", i)
	}
}

// TestPhiloxStream checks determinism, the draw counter, both seed words and the moments.
func TestPhiloxStream(t *testing.T) {
	g := NewPhilox(42)
	first, second := g.Randn(1000), g.Randn(1000)
	assert.Equal(t, first, NewPhilox(42).Randn(1000), "same seed, same stream")
	assert.NotEqual(t, first[:10], second[:10], "each draw advances the counter")
	assert.Equal(t, first[:5], NewPhilox(42).Randn(5), "element i does not depend on n")
	assert.NotEqual(t, first[:10], NewPhilox(42+1<<32).Randn(10), "the high seed word is the second key word")

	const n = 200000
	v := NewPhilox(7).Randn(n)
	sum, sum2 := 0.0, 0.0
	for _, x := range v {
		sum += float64(x)
		sum2 += float64(x) * float64(x)
	}
	mean := sum / n
	assert.InDelta(t, 0, mean, 5/math.Sqrt(n))
	assert.InDelta(t, 1, sum2/n-mean*mean, 0.02)
}

func TestNewRNG(t *testing.T) {
	cpu, err := NewRNG(RNGCPU, 3)
	require.NoError(t, err)
	assert.Equal(t, NewTorchCPU(3).Randn(20), cpu.Randn(20))
	cuda, err := NewRNG(RNGCUDA, 3)
	require.NoError(t, err)
	assert.Equal(t, NewPhilox(3).Randn(20), cuda.Randn(20))
}

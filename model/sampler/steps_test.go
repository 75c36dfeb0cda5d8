package sampler

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeEps is the fixtures' stand-in model, in float32:
// eps = tanh(in)*0.8 + 0.1*cos(3*in + t/100).
func fakeEps(dst, in []float32, t float64) {
	tt := float32(t) / 100
	for i, x := range in {
		c := float32(math.Cos(float64(float32(3*x) + tt)))
		dst[i] = float32(float32(math.Tanh(float64(x)))*0.8) + float32(0.1*c)
	}
}

// errStats measures got against want: the largest absolute error and that error
// relative to the largest |want|.
func errStats(got, want []float32) (maxAbs, rel float64) {
	scale := 0.0
	for i := range want {
		maxAbs = max(maxAbs, math.Abs(float64(got[i])-float64(want[i])))
		scale = max(scale, math.Abs(float64(want[i])))
	}
	return maxAbs, maxAbs / scale
}

func TestSchedulerSteps(t *testing.T) {
	for _, c := range casesOfKind(t, "scheduler_steps") {
		t.Run(c.ID, func(t *testing.T) {
			var in struct {
				Scheduler string          `json:"scheduler"`
				Config    json.RawMessage `json:"config"`
				Steps     int             `json:"steps"`
				Seed      uint64          `json:"seed"`
			}
			require.NoError(t, json.Unmarshal(replaceNonFinite(c.Inputs), &in))
			f := openGolden(t, c)
			p, err := New(fixtureSampler[in.Scheduler], fixtureConfig(t, in.Config), in.Steps)
			require.NoError(t, err)
			require.Equal(t, mustF64(t, f, "timesteps"), p.Timesteps())

			noise := mustF32(t, f, "noise")
			n := len(noise)
			rng := NewTorchCPU(in.Seed)
			bufs := p.NewBuffers(n)
			copy(bufs[BufNoise], rng.Randn(n))
			require.Equal(t, noise, bufs[BufNoise])
			require.NoError(t, Execute(p.Init, bufs))
			require.Equal(t, mustF32(t, f, "x_init"), bufs[BufX])

			inputs, outputs, xs := mustF32(t, f, "model_input"), mustF32(t, f, "model_output"), mustF32(t, f, "x")
			worstIn, worstEps, worstX, worstAbs := 0.0, 0.0, 0.0, 0.0
			for k, call := range p.Calls {
				part := func(v []float32) []float32 { return v[k*n : (k+1)*n] }
				require.NoError(t, Execute(call.Input, bufs))
				_, r := errStats(bufs[BufModelIn], part(inputs))
				worstIn = max(worstIn, r)
				fakeEps(bufs[BufModelOut], bufs[BufModelIn], call.Timestep)
				_, r = errStats(bufs[BufModelOut], part(outputs))
				worstEps = max(worstEps, r)
				if call.Noise {
					copy(bufs[BufNoise], rng.Randn(n))
				}
				require.NoError(t, Execute(call.Update, bufs))
				a, r := errStats(bufs[BufX], part(xs))
				worstX, worstAbs = max(worstX, r), max(worstAbs, a)
			}
			t.Logf("max rel error: model_input %.2g, eps %.2g, x %.2g (abs %.2g)", worstIn, worstEps, worstX, worstAbs)
			assert.Less(t, worstIn, 2e-6, "model_input")
			assert.Less(t, worstEps, 1e-5, "model_output")
			assert.Less(t, worstX, 2e-6, "x")
		})
	}
}

package sampler

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// model writes a model output for the call from the model input.
type model func(out, in []float32, c Call)

// runPlan executes p from one RNG draw of n values (and image for img2img) with m as the
// UNet and returns the final latents.
func runPlan(t *testing.T, p *Plan, n int, m model, rng RNG, image []float32) []float32 {
	t.Helper()
	bufs := p.NewBuffers(n)
	copy(bufs[BufImage], image)
	copy(bufs[BufNoise], rng.Randn(n))
	require.NoError(t, Execute(p.Init, bufs))
	for _, c := range p.Calls {
		require.NoError(t, Execute(c.Input, bufs))
		m(bufs[BufModelOut], bufs[BufModelIn], c)
		if c.Noise {
			copy(bufs[BufNoise], rng.Randn(n))
		}
		require.NoError(t, Execute(c.Update, bufs))
	}
	return bufs[BufX]
}

// gaussianOracle is the exact model for data x0 ~ N(0, s^2) per element: at noise level
// sigma the denoised value of variance-exploding latents x is x*s^2/(s^2+sigma^2). The
// model input is x/sqrt(sigma^2+1) for every sampler; the output is eps, v or x0.
func gaussianOracle(pred string, s float64) model {
	return func(out, in []float32, c Call) {
		sigma := c.Sigma
		alpha := 1 / math.Sqrt(sigma*sigma+1)
		for i, v := range in {
			x := float64(v) / alpha
			d := x * s * s / (s*s + sigma*sigma)
			eps := (x - d) / sigma
			switch pred {
			case PredictEpsilon:
				out[i] = float32(eps)
			case PredictV:
				out[i] = float32(alpha*eps - sigma*alpha*d)
			case PredictSample:
				out[i] = float32(d)
			}
		}
	}
}

// allSamplers lists the canonical sampler names.
func allSamplers() []string {
	var names []string
	for _, n := range SamplerNames() {
		if _, alias := samplerAliases[n]; !alias {
			names = append(names, n)
		}
	}
	return names
}

// TestPlanStructure checks every sampler, schedule, prediction type, step count and
// img2img strength: the plan builds, ops stay within MaxTerms and NumBufs, inputs and
// outputs go where the Call contract says, and a run stays finite.
func TestPlanStructure(t *testing.T) {
	readOnly := map[Buf]bool{BufNoise: true, BufUncond: true, BufCond: true, BufImage: true, BufModelOut: true}
	for _, name := range allSamplers() {
		for _, sched := range []string{ScheduleDiscrete, ScheduleKarras, ScheduleExponential, ScheduleSGMUniform} {
			if sched != ScheduleDiscrete && !samplers[name].schedules {
				continue
			}
			for _, pred := range []string{PredictEpsilon, PredictV, PredictSample} {
				for _, steps := range []int{1, 2, 7, 30} {
					for _, strength := range []float64{1, 0.5} {
						cfg := DefaultConfig()
						cfg.Schedule, cfg.Prediction = sched, pred
						label := fmt.Sprintf("%s/%s/%s/%d/%v", name, sched, pred, steps, strength)
						var p *Plan
						var err error
						if strength == 1 {
							p, err = New(name, cfg, steps)
						} else {
							p, err = NewImg2Img(name, cfg, steps, strength)
						}
						if name == "lcm" && steps > 50 || int(float64(steps)*strength) < 1 || name == "pndm" && pred == PredictSample {
							require.Error(t, err, label)
							continue
						}
						require.NoError(t, err, label)
						require.NotEmpty(t, p.Calls, label)
						check := func(ops []Op, what string) {
							for _, op := range ops {
								assert.LessOrEqual(t, len(op.Terms), MaxTerms, "%s %s: %v", label, what, op)
								assert.NotEmpty(t, op.Terms, "%s %s: %v", label, what, op)
								assert.False(t, readOnly[op.Dst], "%s %s writes %v", label, what, op.Dst)
								assert.Less(t, int(op.Dst), p.NumBufs, label)
								for _, term := range op.Terms {
									assert.Less(t, int(term.Src), p.NumBufs, label)
								}
							}
						}
						check(p.Init, "init")
						for _, c := range p.Calls {
							require.Len(t, c.Input, 1, label)
							assert.Equal(t, BufModelIn, c.Input[0].Dst, label)
							check(c.Input, "input")
							check(c.Update, "update")
						}
						image := make([]float32, 64)
						x := runPlan(t, p, 64, gaussianOracle(pred, 0.5), NewTorchCPU(1), image)
						for _, v := range x {
							require.False(t, math.IsNaN(float64(v)) || math.IsInf(float64(v), 0), "%s: non-finite result", label)
						}
					}
				}
			}
		}
	}
}

// TestPredictionEquivalence runs every sampler with an eps, a v and an x0 model that
// agree on the denoised sample: the three runs must agree up to float32 rounding. PNDM is
// left out: diffusers combines its past v predictions before converting them to noise,
// which is not equivalent.
func TestPredictionEquivalence(t *testing.T) {
	const n = 256
	for _, name := range allSamplers() {
		if name == "pndm" {
			continue
		}
		var ref []float32
		for _, pred := range []string{PredictEpsilon, PredictV, PredictSample} {
			cfg := DefaultConfig()
			cfg.Prediction = pred
			cfg.Eta = 0.5 // DDIM: exercise the noisy variant
			p, err := New(name, cfg, 12)
			require.NoError(t, err)
			x := runPlan(t, p, n, gaussianOracle(pred, 0.5), NewTorchCPU(3), nil)
			if ref == nil {
				ref = append([]float32(nil), x...)
				continue
			}
			_, rel := errStats(x, ref)
			assert.Less(t, rel, 2e-5, "%s: %s against eps", name, pred)
		}
	}
}

// gaussianFlowError runs a deterministic sampler with the exact model for Gaussian data
// N(0, s^2) and returns its relative error against the probability-flow ODE's solution,
// which scales variance-exploding latents by sqrt((s^2+sigmaEnd^2)/(s^2+sigmaStart^2)).
func gaussianFlowError(t *testing.T, name string, cfg Config, steps int) float64 {
	const n, s = 64, 0.5
	p, err := New(name, cfg, steps)
	require.NoError(t, err)
	noise := NewTorchCPU(7).Randn(n)
	x := runPlan(t, p, n, gaussianOracle(PredictEpsilon, s), NewTorchCPU(7), nil)
	// The alpha-based samplers and DPM++ 2M keep variance-preserving latents
	// x/sqrt(sigma^2+1); DDIM and PNDM end at the final alpha, alphas_cumprod[0].
	vp := p.Sigmas == nil || name == "dpm++2m"
	sigmaStart, sigmaEnd := p.Calls[0].Sigma, newTrainSchedule(cfg).sigmas[0]
	if p.Sigmas != nil {
		sigmaEnd = p.Sigmas[len(p.Sigmas)-1]
	}
	scale := p.InitNoiseSigma * math.Sqrt((s*s+sigmaEnd*sigmaEnd)/(s*s+sigmaStart*sigmaStart))
	if vp {
		scale *= math.Sqrt((sigmaStart*sigmaStart + 1) / (sigmaEnd*sigmaEnd + 1))
	}
	want := make([]float32, n)
	for i, z := range noise {
		want[i] = float32(float64(z) * scale)
	}
	_, rel := errStats(x, want)
	return rel
}

// TestGaussianConvergence checks that the deterministic samplers converge to the
// probability-flow ODE's solution: a few percent after 25 steps (the final step to
// sigma 0 of some methods returns the denoised mean, a first-order error), at least 3
// times less after 100.
func TestGaussianConvergence(t *testing.T) {
	for _, tc := range []struct{ name, schedule string }{
		{"euler", ScheduleDiscrete}, {"euler", ScheduleKarras}, {"heun", ScheduleDiscrete},
		{"heun", ScheduleExponential}, {"dpm2", ScheduleDiscrete}, {"dpm2", ScheduleSGMUniform},
		{"lms", ScheduleDiscrete}, {"dpm++2m", ScheduleDiscrete}, {"dpm++2m", ScheduleKarras},
		{"ddim", ScheduleDiscrete}, {"pndm", ScheduleDiscrete},
	} {
		cfg := DefaultConfig()
		cfg.Schedule = tc.schedule
		coarse, fine := gaussianFlowError(t, tc.name, cfg, 25), gaussianFlowError(t, tc.name, cfg, 100)
		t.Logf("%s/%s: relative error %.2g after 25 steps, %.2g after 100", tc.name, tc.schedule, coarse, fine)
		assert.Less(t, coarse, 0.12, "%s/%s", tc.name, tc.schedule)
		assert.Less(t, fine, coarse/3, "%s/%s", tc.name, tc.schedule)
	}
}

// gaussianStdError runs a stochastic sampler with the exact model for Gaussian data
// N(0, s^2) and returns the relative error of the samples' standard deviation.
func gaussianStdError(t *testing.T, name string, cfg Config, steps int) float64 {
	const n, s = 1 << 12, 0.5
	p, err := New(name, cfg, steps)
	require.NoError(t, err)
	x := runPlan(t, p, n, gaussianOracle(PredictEpsilon, s), NewTorchCPU(11), nil)
	sum2 := 0.0
	for _, v := range x {
		sum2 += float64(v) * float64(v)
	}
	return math.Abs(math.Sqrt(sum2/n)-s) / s
}

// TestAncestralStatistics checks that the stochastic samplers, given the exact model for
// Gaussian data, end with samples of the data's standard deviation, approached as the
// step count grows.
func TestAncestralStatistics(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Eta = 1
	for _, name := range []string{"euler_a", "dpm++2s_a", "ddim", "ddpm"} {
		coarse, fine := gaussianStdError(t, name, cfg, 25), gaussianStdError(t, name, cfg, 200)
		t.Logf("%s: std error %.2g after 25 steps, %.2g after 200", name, coarse, fine)
		assert.Less(t, fine, 0.05, name)
		assert.Less(t, fine, max(coarse/2, 0.02), name)
	}
}

// TestKDiffusionReference compares DPM2 and DPM++ 2S ancestral with float64
// transcriptions of k-diffusion's sample_dpm_2 and sample_dpmpp_2s_ancestral on the same
// sigmas, model and noise.
func TestKDiffusionReference(t *testing.T) {
	const n, s = 64, 0.5
	for _, name := range []string{"dpm2", "dpm++2s_a"} {
		p, err := New(name, DefaultConfig(), 10)
		require.NoError(t, err)
		got := runPlan(t, p, n, gaussianOracle(PredictEpsilon, s), NewTorchCPU(5), nil)

		rng := NewTorchCPU(5)
		x := make([]float64, n)
		for i, z := range rng.Randn(n) {
			x[i] = float64(z) * p.InitNoiseSigma
		}
		denoise := func(x []float64, sigma float64) []float64 {
			d := make([]float64, n)
			for i, v := range x {
				d[i] = v * s * s / (s*s + sigma*sigma)
			}
			return d
		}
		sig := p.Sigmas
		for i := 0; i+1 < len(sig); i++ {
			d := denoise(x, sig[i])
			switch {
			case name == "dpm2" && sig[i+1] == 0, name == "dpm++2s_a" && sig[i+1] == 0:
				copy(x, d)
			case name == "dpm2":
				mid := math.Exp((math.Log(sig[i]) + math.Log(sig[i+1])) / 2)
				x2 := make([]float64, n)
				for k := range x {
					x2[k] = x[k] + (x[k]-d[k])/sig[i]*(mid-sig[i])
				}
				d2 := denoise(x2, mid)
				for k := range x {
					x[k] += (x2[k] - d2[k]) / mid * (sig[i+1] - sig[i])
				}
			default:
				down, up := ancestralStep(sig[i], sig[i+1])
				tt, tNext := -math.Log(sig[i]), -math.Log(down)
				h := tNext - tt
				sMid := math.Exp(-(tt + h/2))
				x2 := make([]float64, n)
				for k := range x {
					x2[k] = sMid/sig[i]*x[k] - math.Expm1(-h/2)*d[k]
				}
				d2 := denoise(x2, sMid)
				noise := rng.Randn(n)
				for k := range x {
					x[k] = down/sig[i]*x[k] - math.Expm1(-h)*d2[k] + up*float64(noise[k])
				}
			}
		}
		want := make([]float32, n)
		for i, v := range x {
			want[i] = float32(v)
		}
		_, rel := errStats(got, want)
		t.Logf("%s: relative difference %.2g", name, rel)
		assert.Less(t, rel, 1e-5, name)
	}
}

// TestDenoisedOp checks the denoised latents of every call against the exact model's.
func TestDenoisedOp(t *testing.T) {
	const n, s = 64, 0.5
	for _, name := range allSamplers() {
		for _, pred := range []string{PredictEpsilon, PredictV} {
			cfg := DefaultConfig()
			cfg.Prediction = pred
			p, err := New(name, cfg, 8)
			require.NoError(t, err)
			oracle := gaussianOracle(pred, s)
			bufs := append(p.NewBuffers(n), make([]float32, n))
			preview := Buf(p.NumBufs)
			copy(bufs[BufNoise], NewTorchCPU(2).Randn(n))
			require.NoError(t, Execute(p.Init, bufs))
			for k, c := range p.Calls {
				require.NoError(t, Execute(c.Input, bufs))
				oracle(bufs[BufModelOut], bufs[BufModelIn], c)
				require.NoError(t, Execute([]Op{p.DenoisedOp(k, preview)}, bufs))
				want := make([]float32, n)
				for i, v := range bufs[BufModelIn] {
					x := float64(v) * math.Sqrt(c.Sigma*c.Sigma+1) // variance-exploding latents
					want[i] = float32(x * s * s / (s*s + c.Sigma*c.Sigma))
				}
				// At high noise x0 is x/(1+sigma^2/s^2): rounding of x weighs that much more.
				_, rel := errStats(bufs[preview], want)
				assert.Less(t, rel, 1e-6+2e-7*(1+c.Sigma*c.Sigma/(s*s)), "%s/%s call %d", name, pred, k)
				require.NoError(t, Execute(c.Update, bufs))
			}
		}
	}
}

// TestImg2ImgStart checks the start step and add_noise coefficients of img2img plans.
func TestImg2ImgStart(t *testing.T) {
	cfg := DefaultConfig()
	p, err := NewImg2Img("euler", cfg, 10, 0.6)
	require.NoError(t, err)
	assert.Equal(t, 4, p.StartStep)
	assert.Len(t, p.Calls, 6)
	assert.Equal(t, []Op{{Dst: BufX, Terms: []Term{{1, BufImage}, {float32(p.Sigmas[4]), BufNoise}}}}, p.Init)

	p, err = NewImg2Img("heun", cfg, 10, 0.6)
	require.NoError(t, err)
	assert.Len(t, p.Calls, 11, "two calls per step but the last")

	p, err = NewImg2Img("ddim", cfg, 10, 0.6)
	require.NoError(t, err)
	a := float32(newTrainSchedule(cfg).alphasCumprod[501])
	assert.Equal(t, 501.0, p.Calls[0].Timestep)
	assert.Equal(t, []Term{{sqrt32(a), BufImage}, {sqrt32(1 - a), BufNoise}}, p.Init[0].Terms)
}

// TestTrailingSpacing checks trailing timesteps, including numpy's round-half-to-even.
func TestTrailingSpacing(t *testing.T) {
	cfg := DefaultConfig()
	cfg.TimestepSpacing = SpacingTrailing
	p, err := New("ddim", cfg, 16)
	require.NoError(t, err)
	assert.Equal(t, []float64{999, 937, 874, 811, 749, 687, 624, 561, 499, 437, 374, 311, 249, 187, 124, 61}, p.Timesteps())
	p, err = New("euler", cfg, 10)
	require.NoError(t, err)
	assert.Equal(t, []float64{999, 899, 799, 699, 599, 499, 399, 299, 199, 99}, p.Timesteps())
}

// TestUnusualSchedules covers trailing spacing where numpy's arange has an extra point
// (61 steps) and DPM++ 2M with lambda_min_clipped.
func TestUnusualSchedules(t *testing.T) {
	cfg := DefaultConfig()
	cfg.TimestepSpacing = SpacingTrailing
	for _, name := range allSamplers() {
		if name == "lcm" {
			continue
		}
		p, err := New(name, cfg, 61)
		require.NoError(t, err, name)
		ts := p.Timesteps()
		assert.Equal(t, 999.0, ts[0], name)
		assert.Less(t, 0.0, ts[len(ts)-1], name)
	}
	cfg.LambdaMinClipped = -2 // clips the highest timesteps
	p, err := New("dpm++2m", cfg, 20)
	require.NoError(t, err)
	assert.Equal(t, len(p.Calls), p.Steps)
	assert.Less(t, p.Steps, 20)
	assert.Less(t, p.Timesteps()[0], 999.0)
}

func TestErrors(t *testing.T) {
	cfg := DefaultConfig()
	_, err := New("euler_karras", cfg, 20)
	assert.ErrorContains(t, err, `unknown sampler "euler_karras"`)
	for _, steps := range []int{0, -3, 1001} {
		_, err = New("euler", cfg, steps)
		assert.ErrorContains(t, err, "steps", "steps %d", steps)
	}
	for _, strength := range []float64{0, -0.5, 1.5, math.NaN()} {
		_, err = NewImg2Img("euler", cfg, 20, strength)
		assert.ErrorContains(t, err, "strength", "strength %v", strength)
	}
	_, err = NewImg2Img("euler", cfg, 10, 0.05)
	assert.ErrorContains(t, err, "runs no step")

	bad := cfg
	bad.Schedule = "polyexponential"
	_, err = New("euler", bad, 20)
	assert.ErrorContains(t, err, `unknown schedule "polyexponential"`)
	bad.Schedule = ScheduleKarras
	_, err = New("ddim", bad, 20)
	assert.ErrorContains(t, err, "only the discrete schedule")

	for field, mutate := range map[string]func(*Config){
		"beta_schedule":   func(c *Config) { c.BetaSchedule = "sigmoid" },
		"prediction_type": func(c *Config) { c.Prediction = "flow" },
		"spacing":         func(c *Config) { c.TimestepSpacing = "uniform" },
		"eta":             func(c *Config) { c.Eta = -1 },
		"variance_type":   func(c *Config) { c.VarianceType = "learned" },
		"trained_betas":   func(c *Config) { c.TrainedBetas = []float64{0.1} },
		"beta_start":      func(c *Config) { c.BetaStart = -0.001 },
		"beta_end":        func(c *Config) { c.BetaSchedule, c.BetaEnd = BetaLinear, 1 },
	} {
		c := DefaultConfig()
		mutate(&c)
		_, err = New("ddpm", c, 20)
		assert.Error(t, err, field)
	}
	offset := DefaultConfig()
	offset.StepsOffset = 5
	_, err = New("ddim", offset, 500)
	assert.ErrorContains(t, err, "outside [0, 999]")

	_, err = New("lcm", cfg, 51)
	assert.ErrorContains(t, err, "at most")

	_, err = NewRNG("mps", 1)
	assert.ErrorContains(t, err, `unknown rng "mps"`)

	err = Execute([]Op{{Dst: BufX, Terms: []Term{{1, Buf(9)}}}}, make([][]float32, 3))
	assert.ErrorContains(t, err, "missing")
}

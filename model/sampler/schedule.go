package sampler

import "math"

// trainSchedule is the training noise schedule as diffusers holds it: the float32
// cumulative alpha products of the betas (widened to float64 here) and the float32 sigma
// table sqrt((1-alphas_cumprod)/alphas_cumprod) with its log.
type trainSchedule struct {
	alphasCumprod []float64
	sigmas        []float64 // sigmas[t] for train timestep t, increasing
	logSigmas     []float64
}

func newTrainSchedule(c Config) *trainSchedule {
	betas := trainBetas(c)
	s := &trainSchedule{
		alphasCumprod: make([]float64, len(betas)),
		sigmas:        make([]float64, len(betas)),
		logSigmas:     make([]float64, len(betas)),
	}
	// torch.cumprod on CPU accumulates float32 values in double, rounding each output.
	prod := 1.0
	for t, b := range betas {
		prod *= float64(1 - b)
		ac := float32(prod)
		s.alphasCumprod[t] = float64(ac)
		s.sigmas[t] = float64(sigmaFromAlphaCumprod(ac))
		s.logSigmas[t] = math.Log(s.sigmas[t])
	}
	return s
}

// sigmaFromAlphaCumprod is ((1-ac)/ac)**0.5 in float32, as diffusers computes its tables.
func sigmaFromAlphaCumprod(ac float32) float32 {
	return float32(math.Sqrt(float64((1 - ac) / ac)))
}

// trainBetas returns the float32 betas of the config's beta schedule.
func trainBetas(c Config) []float32 {
	n := c.NumTrainTimesteps
	out := make([]float32, n)
	switch {
	case c.TrainedBetas != nil:
		for i, b := range c.TrainedBetas {
			out[i] = float32(b)
		}
	case c.BetaSchedule == BetaLinear:
		out = torchLinspace32(c.BetaStart, c.BetaEnd, n)
	case c.BetaSchedule == BetaScaledLinear:
		out = torchLinspace32(math.Sqrt(c.BetaStart), math.Sqrt(c.BetaEnd), n)
		for i, b := range out {
			out[i] = b * b
		}
	case c.BetaSchedule == BetaCosine:
		// betas_for_alpha_bar with the cosine alpha_bar, max_beta 0.999, in float64.
		alphaBar := func(t float64) float64 {
			v := math.Cos((t + 0.008) / 1.008 * math.Pi / 2)
			return v * v
		}
		for i := range out {
			t1, t2 := float64(i)/float64(n), float64(i+1)/float64(n)
			out[i] = float32(math.Min(1-alphaBar(t2)/alphaBar(t1), 0.999))
		}
	}
	return out
}

// torchLinspace32 is torch.linspace(start, end, n, dtype=float32) as PyTorch 1.13's AVX2
// CPU kernel computes it: float32 step = (end-start)/(n-1); element i is
// start + step*i in the first half and end - step*(n-1-i) in the second, except that
// runs of 16 are filled as two 8-lane vectors whose lane k is base + k*step, the base
// being that formula at the vector's first element. The multiply-adds are fused, as the
// compiler built them.
func torchLinspace32(start, end float64, n int) []float32 {
	out := make([]float32, n)
	if n == 1 {
		out[0] = float32(start)
		return out
	}
	s, e := float32(start), float32(end)
	step := (e - s) / float32(n-1)
	half := n / 2
	at := func(i int) float32 {
		if i < half {
			return fma32(step, float32(i), s)
		}
		return fma32(-step, float32(n-1-i), e)
	}
	const lanes = 8
	i := 0
	for ; i+2*lanes <= n; i += 2 * lanes {
		for b := i; b < i+2*lanes; b += lanes {
			base := at(b)
			for k := 0; k < lanes; k++ {
				out[b+k] = fma32(float32(k), step, base)
			}
		}
	}
	for ; i < n; i++ {
		out[i] = at(i)
	}
	return out
}

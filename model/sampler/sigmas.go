package sampler

import "math"

// interpSigma is np.interp(t, arange(T), sigmas): linear interpolation in sigma.
func (s *trainSchedule) interpSigma(t float64) float64 {
	last := len(s.sigmas) - 1
	switch {
	case t <= 0:
		return s.sigmas[0]
	case t >= float64(last):
		return s.sigmas[last]
	}
	lo := int(math.Floor(t))
	w := t - float64(lo)
	return s.sigmas[lo] + w*(s.sigmas[lo+1]-s.sigmas[lo])
}

// logInterpSigma is k-diffusion's t_to_sigma: linear interpolation in log sigma.
func (s *trainSchedule) logInterpSigma(t float64) float64 {
	lo := int(math.Floor(t))
	hi := int(math.Ceil(t))
	w := t - float64(lo)
	return math.Exp((1-w)*s.logSigmas[lo] + w*s.logSigmas[hi])
}

// sigmaToT is diffusers' _sigma_to_t: the fractional train timestep whose log sigma
// interpolates log(sigma) between its two neighbours, clipped to [0, T-1].
func (s *trainSchedule) sigmaToT(sigma float64) float64 {
	logSigma := math.Log(math.Max(sigma, 1e-10))
	lo := 0
	for i, ls := range s.logSigmas {
		if ls <= logSigma {
			lo = i
		}
	}
	lo = min(lo, len(s.logSigmas)-2)
	low, high := s.logSigmas[lo], s.logSigmas[lo+1]
	w := math.Min(math.Max((low-logSigma)/(low-high), 0), 1)
	return (1-w)*float64(lo) + w*float64(lo+1)
}

// karrasSigmas is the schedule of Karras et al. (2022) with rho = 7: n sigmas from
// sigmaMax down to sigmaMin, uniform in sigma^(1/rho).
func karrasSigmas(sigmaMin, sigmaMax float64, n int) []float64 {
	const rho = 7.0
	minInv, maxInv := math.Pow(sigmaMin, 1/rho), math.Pow(sigmaMax, 1/rho)
	out := numpyLinspace(0, 1, n)
	for i, r := range out {
		out[i] = math.Pow(maxInv+r*(minInv-maxInv), rho)
	}
	return out
}

// exponentialSigmas is n sigmas from sigmaMax down to sigmaMin, uniform in log sigma.
func exponentialSigmas(sigmaMin, sigmaMax float64, n int) []float64 {
	out := numpyLinspace(math.Log(sigmaMax), math.Log(sigmaMin), n)
	for i, l := range out {
		out[i] = math.Exp(l)
	}
	return out
}

// sgmUniform is A1111's and ComfyUI's "SGM uniform" schedule: n timesteps evenly from
// T-1 down to (but excluding) 0, with log-interpolated sigmas.
func (s *trainSchedule) sgmUniform(n int) (timesteps, sigmas []float64) {
	timesteps = numpyLinspace(float64(len(s.sigmas)-1), 0, n+1)[:n]
	sigmas = make([]float64, n)
	for i, t := range timesteps {
		timesteps[i] = float64(float32(t))
		sigmas[i] = s.logInterpSigma(timesteps[i])
	}
	return timesteps, sigmas
}

// finalSigma is the sigma appended after the last step: 0, or the training schedule's
// smallest sigma for final_sigmas_type "sigma_min".
func (s *trainSchedule) finalSigma(c Config) float64 {
	if c.FinalSigmaMin {
		return s.sigmas[0]
	}
	return 0
}

// sigmaSteps is the per-step schedule of a sigma-based sampler: the UNet timestep of each
// of the n steps and the n+1 noise levels (the last one the final sigma), float32-rounded
// as diffusers stores them.
type sigmaSteps struct {
	timesteps []float64
	sigmas    []float64
}

// kSigmaSteps builds the schedule of diffusers' Euler-family schedulers (Euler, Euler
// ancestral, Heun, KDPM2, LMS): float timesteps of the spacing, their linearly
// interpolated sigmas, or the named sigma schedule between the spaced sigmas' extremes
// with timesteps from sigmaToT (rounded when roundTimesteps, as KDPM2 does).
func (s *trainSchedule) kSigmaSteps(c Config, n int, roundTimesteps bool) sigmaSteps {
	ts := spacedTimesteps(c.TimestepSpacing, c.NumTrainTimesteps, n, c.StepsOffset, true)
	sig := make([]float64, n)
	for i, t := range ts {
		sig[i] = s.interpSigma(t)
	}
	return s.finishSigmaSteps(c, ts, sig, sig[n-1], sig[0], roundTimesteps)
}

// finishSigmaSteps applies the sigma schedule to spaced (timesteps, sigmas), appends the
// final sigma and rounds to float32.
func (s *trainSchedule) finishSigmaSteps(c Config, ts, sig []float64, sigmaMin, sigmaMax float64, roundTimesteps bool) sigmaSteps {
	n := len(ts)
	switch c.Schedule {
	case ScheduleKarras:
		sig = karrasSigmas(sigmaMin, sigmaMax, n)
	case ScheduleExponential:
		sig = exponentialSigmas(sigmaMin, sigmaMax, n)
	case ScheduleSGMUniform:
		ts, sig = s.sgmUniform(n)
	}
	if c.Schedule == ScheduleKarras || c.Schedule == ScheduleExponential {
		ts = make([]float64, n)
		for i, sg := range sig {
			ts[i] = s.sigmaToT(sg)
		}
	}
	out := sigmaSteps{timesteps: make([]float64, n), sigmas: make([]float64, n+1)}
	for i := range ts {
		t := ts[i]
		if roundTimesteps {
			t = math.RoundToEven(t)
		}
		out.timesteps[i] = float64(float32(t))
		out.sigmas[i] = float64(float32(sig[i]))
	}
	out.sigmas[n] = s.finalSigma(c)
	return out
}

// dpmSigmaSteps builds DPMSolverMultistepScheduler's schedule: integer timesteps and the
// train sigmas at them, or the named sigma schedule between the train table's extremes
// with rounded timesteps.
func (s *trainSchedule) dpmSigmaSteps(c Config, n int) sigmaSteps {
	T := c.NumTrainTimesteps
	ts := dpmTimesteps(c.TimestepSpacing, T, T-s.clippedTimesteps(c.LambdaMinClipped), n, c.StepsOffset)
	sig := make([]float64, len(ts))
	for i, t := range ts {
		sig[i] = s.interpSigma(t)
	}
	return s.finishSigmaSteps(c, ts, sig, s.sigmas[0], s.sigmas[T-1], true)
}

// clippedTimesteps is how many of the highest train timesteps have
// lambda = log(alpha_t/sigma_t) below lambdaMin (DPM-Solver's lambda_min_clipped).
func (s *trainSchedule) clippedTimesteps(lambdaMin float64) int {
	n := 0
	for _, ac := range s.alphasCumprod {
		if 0.5*math.Log(ac/(1-ac)) < lambdaMin {
			n++
		}
	}
	return n
}

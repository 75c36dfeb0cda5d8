package sampler

import "math"

// This file holds the Euler-family samplers (Euler, Euler ancestral, Heun, DPM2) and what
// all variance-exploding samplers share (with LMS and DPM++ 2S a): their schedule,
// starting noise and ancestral step.

// sigmaRun computes the schedule of diffusers' Euler-family schedulers, records it in the
// plan and sets Init (noise times init_noise_sigma, or image + sigma*noise for img2img).
func (r *run) sigmaRun(roundTimesteps bool) sigmaSteps {
	st := r.train.kSigmaSteps(r.cfg, r.plan.Steps, roundTimesteps)
	r.plan.Sigmas, r.plan.exploding = st.sigmas, true
	r.initFrom(initNoiseSigma(r.cfg.TimestepSpacing, st.sigmas), 1, st.sigmas[r.plan.StartStep])
	return st
}

// initNoiseSigma is diffusers' init_noise_sigma of the Euler family: the largest sigma for
// linspace and trailing spacing, sqrt(max^2 + 1) (float32) otherwise.
func initNoiseSigma(spacing string, sigmas []float64) float64 {
	m := float32(0)
	for _, s := range sigmas {
		m = max(m, float32(s))
	}
	if spacing == SpacingLinspace || spacing == SpacingTrailing {
		return float64(m)
	}
	return float64(float32(math.Sqrt(float64(m*m + 1))))
}

// ancestralStep splits a step from sigma to next into a deterministic part down to
// sigmaDown and fresh noise of standard deviation sigmaUp (k-diffusion's
// get_ancestral_step with eta 1): sigmaUp^2 = next^2 (sigma^2 - next^2)/sigma^2,
// sigmaDown^2 = next^2 - sigmaUp^2.
func ancestralStep(sigma, next float64) (sigmaDown, sigmaUp float64) {
	sigmaUp = math.Sqrt(next * next * (sigma*sigma - next*next) / (sigma * sigma))
	return math.Sqrt(next*next - sigmaUp*sigmaUp), sigmaUp
}

// buildEuler plans Euler (x += (next - sigma) * d) or, when ancestral, Euler ancestral
// (x += (sigmaDown - sigma) * d + sigmaUp * noise), with d the derivative (x - denoised)/sigma.
// Euler ancestral draws noise at every step, the last (sigmaUp 0) included, as diffusers.
// diffusers' Euler also draws a noise tensor each step that it ignores without s_churn;
// the plan skips that draw, which changes nothing since the pipelines draw nothing after it.
func buildEuler(r *run, ancestral bool) error {
	st := r.sigmaRun(false)
	for i := r.plan.StartStep; i < r.plan.Steps; i++ {
		sigma, next := st.sigmas[i], st.sigmas[i+1]
		d := sigmaDerivative(r.cfg.Prediction, sigma)
		c := Call{Timestep: st.timesteps[i], Sigma: sigma, Input: []Op{scaleInput(sigma)}}
		if ancestral {
			down, up := ancestralStep(sigma, next)
			c.Noise = true
			c.Update = []Op{identityX.plus(d.scale(down-sigma)).op(BufX, term(up, BufNoise))}
		} else {
			c.Update = []Op{identityX.plus(d.scale(next - sigma)).op(BufX)}
		}
		r.add(c)
	}
	return nil
}

// buildTwoStage plans Heun's method or, when midpoint, DPM2 (diffusers'
// HeunDiscreteScheduler and KDPM2DiscreteScheduler, k-diffusion's sample_heun and
// sample_dpm_2). Each step from sigma to next takes a first-order step to a probe point
// (next for Heun, the geometric mean sqrt(sigma*next) for DPM2), evaluates the model
// there and restarts from the saved x with the averaged (Heun) or probe (DPM2)
// derivative. A step to sigma 0 is a plain Euler step.
func buildTwoStage(r *run, midpoint bool) error {
	st := r.sigmaRun(midpoint) // KDPM2 rounds the timesteps of Karras-style schedules
	saved := r.history()
	var firstDeriv Buf // Heun's first derivative
	if !midpoint {
		firstDeriv = r.history()
	}
	pred := r.cfg.Prediction
	for i := r.plan.StartStep; i < r.plan.Steps; i++ {
		sigma, next := st.sigmas[i], st.sigmas[i+1]
		d := sigmaDerivative(pred, sigma)
		first := Call{Timestep: st.timesteps[i], Sigma: sigma, Input: []Op{scaleInput(sigma)}}
		if next == 0 {
			first.Update = []Op{identityX.plus(d.scale(next - sigma)).op(BufX)}
			r.add(first)
			continue
		}
		probe, probeT := next, st.timesteps[i+1]
		if midpoint {
			probe = logMidpoint(sigma, next)
			probeT = float64(float32(r.train.sigmaToT(probe)))
		}
		first.Update = []Op{copyOp(saved, BufX)}
		if !midpoint {
			first.Update = append(first.Update, d.op(firstDeriv))
		}
		first.Update = append(first.Update, identityX.plus(d.scale(probe-sigma)).op(BufX))
		r.add(first)
		d2 := sigmaDerivative(pred, probe)
		dt := next - sigma
		update := d2.scale(dt).op(BufX, term(1, saved))
		if !midpoint {
			update = d2.scale(dt/2).op(BufX, term(1, saved), term(dt/2, firstDeriv))
		}
		r.add(Call{Timestep: probeT, Sigma: probe, Input: []Op{scaleInput(probe)}, Update: []Op{update}})
	}
	return nil
}

// logMidpoint is KDPM2's interpolated sigma exp(lerp(log sigma, log next, 0.5)), in
// float32 as diffusers computes it.
func logMidpoint(sigma, next float64) float64 {
	ls := float32(math.Log(sigma))
	ln := float32(math.Log(next))
	return float64(float32(math.Exp(float64(ls - (ls-ln)*0.5))))
}

package sampler

import (
	"fmt"
	"math"
)

// This file holds DDIM and DDPM and what the variance-preserving, integer-timestep
// samplers share (with PNDM and LCM): alpha_cumprod look-ups, timesteps, the model-input
// copy and the starting noise.

// alphaAt is alphas_cumprod[t], or final for t < 0 (the "previous" alpha of the last step).
func (r *run) alphaAt(t int, final float64) float64 {
	if t < 0 {
		return final
	}
	return r.train.alphasCumprod[t]
}

// intTimesteps returns the run's integer timesteps (DDIM, DDPM and PNDM spacing),
// checked to lie in the train schedule: a large steps_offset can push "leading"
// timesteps past T-1, where diffusers fails too.
func (r *run) intTimesteps() ([]float64, error) {
	T := r.cfg.NumTrainTimesteps
	ts := spacedTimesteps(r.cfg.TimestepSpacing, T, r.plan.Steps, r.cfg.StepsOffset, false)
	for _, t := range ts {
		if t < 0 || t >= float64(T) {
			return nil, fmt.Errorf("sampler: timestep %v of %d %s steps (steps_offset %d) is outside [0, %d]",
				t, r.plan.Steps, r.cfg.TimestepSpacing, r.cfg.StepsOffset, T-1)
		}
	}
	return ts, nil
}

// alphaCall starts the call at integer timestep t: the model sees x itself.
func (r *run) alphaCall(t float64) Call {
	return Call{Timestep: t, Sigma: r.train.sigmas[int(t)], Input: []Op{passInput()}}
}

// finalAlpha is DDIM's, PNDM's and LCM's final_alpha_cumprod: 1 with set_alpha_to_one,
// alphas_cumprod[0] otherwise.
func (r *run) finalAlpha() float64 {
	if r.cfg.SetAlphaToOne {
		return 1
	}
	return r.train.alphasCumprod[0]
}

// alphaInit sets Init for a run whose first call is at timestep first: noise (init_noise_sigma
// 1), or add_noise's sqrt(a)*image + sqrt(1-a)*noise, the roots taken in float32 as diffusers.
func (r *run) alphaInit(first int) {
	a := float32(r.train.alphasCumprod[first])
	r.initFrom(1, float64(sqrt32(a)), float64(sqrt32(1-a)))
}

// ddimStep returns the coefficients of one DDIM step from alpha_cumprod a to aPrev with
// noise level eta: x = sqrt(aPrev) x0 + sqrt(1 - aPrev - std^2) eps + std*noise, where
// std = eta*sqrt((1-aPrev)/(1-a) (1 - a/aPrev)); x0 and eps follow the prediction type.
func ddimStep(pred string, a, aPrev, eta float64) (update affine, std float64) {
	std = eta * math.Sqrt((1-aPrev)/(1-a)*(1-a/aPrev))
	update = alphaDenoiser(pred, a).scale(math.Sqrt(aPrev)).plus(alphaEps(pred, a).scale(math.Sqrt(1 - aPrev - std*std)))
	return update, std
}

// buildDDIM plans DDIM (diffusers' DDIMScheduler): the previous timestep is
// t - T/steps, before t = 0 the final alpha; eta > 0 adds noise each step.
func buildDDIM(r *run) error {
	ts, err := r.intTimesteps()
	if err != nil {
		return err
	}
	ratio := r.cfg.NumTrainTimesteps / r.plan.Steps
	r.alphaInit(int(ts[r.plan.StartStep]))
	for _, t := range ts[r.plan.StartStep:] {
		update, std := ddimStep(r.cfg.Prediction, r.alphaAt(int(t), 0), r.alphaAt(int(t)-ratio, r.finalAlpha()), r.cfg.Eta)
		c := r.alphaCall(t)
		c.Noise = r.cfg.Eta > 0
		c.Update = []Op{update.op(BufX, term(std, BufNoise))}
		r.add(c)
	}
	return nil
}

// buildDDPM plans ancestral DDPM sampling (diffusers' DDPMScheduler):
// x = sqrt(aPrev) beta_t/(1-a) x0 + sqrt(alpha_t) (1-aPrev)/(1-a) x + std*noise with
// alpha_t = a/aPrev, beta_t = 1 - alpha_t and std^2 the fixed_small posterior variance
// (clamped at 1e-20) or, for fixed_large, beta_t; noise is drawn at every t > 0.
func buildDDPM(r *run) error {
	if r.cfg.VarianceType != "fixed_small" && r.cfg.VarianceType != "fixed_large" {
		return fmt.Errorf("sampler: ddpm variance_type %q: want fixed_small or fixed_large", r.cfg.VarianceType)
	}
	ts, err := r.intTimesteps()
	if err != nil {
		return err
	}
	ratio := r.cfg.NumTrainTimesteps / r.plan.Steps
	r.alphaInit(int(ts[r.plan.StartStep]))
	for _, t := range ts[r.plan.StartStep:] {
		a, aPrev := r.alphaAt(int(t), 0), r.alphaAt(int(t)-ratio, 1)
		alphaT := a / aPrev
		betaT := 1 - alphaT
		update := alphaDenoiser(r.cfg.Prediction, a).scale(math.Sqrt(aPrev) * betaT / (1 - a)).
			plus(identityX.scale(math.Sqrt(alphaT) * (1 - aPrev) / (1 - a)))
		variance := max((1-aPrev)/(1-a)*betaT, 1e-20)
		if r.cfg.VarianceType == "fixed_large" {
			variance = betaT
		}
		std := 0.0
		if t > 0 {
			std = math.Sqrt(variance)
		}
		c := r.alphaCall(t)
		c.Noise = t > 0
		c.Update = []Op{update.op(BufX, term(std, BufNoise))}
		r.add(c)
	}
	return nil
}

// sqrt32 is a float32 square root (correctly rounded).
func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }

package sampler

import (
	"fmt"
	"math"
)

// vpAlphaSigma is DPM-Solver's (alpha_t, sigma_t) of a noise level sigma:
// alpha_t = 1/sqrt(sigma^2+1), sigma_t = sigma*alpha_t, and lambda = log(alpha_t/sigma_t).
func vpAlphaSigma(sigma float64) (alpha, sigmaT, lambda float64) {
	alpha = 1 / math.Sqrt(sigma*sigma+1)
	sigmaT = sigma * alpha
	return alpha, sigmaT, math.Log(alpha) - math.Log(sigmaT)
}

// buildDPMPP2M plans DPM-Solver++(2M) as diffusers' DPMSolverMultistepScheduler with
// algorithm_type dpmsolver++, solver_order 2, solver_type midpoint: variance-preserving
// latents (no input scaling, init_noise_sigma 1), each step converting the model output to
// x0 (kept in a ring of two) and taking
//
//	x = (sigma_t/sigma_s) x - alpha_t expm1(-h) (D0 + (D0 - D1)/(2 r))
//
// with h the step in lambda and r the previous step's ratio to it; the first step run and
// the final step (final sigma 0, or lower_order_final with fewer than 15 steps) are first order.
func buildDPMPP2M(r *run) error {
	st := r.train.dpmSigmaSteps(r.cfg, r.plan.Steps)
	// Trailing spacing below a lambda_min_clipped cut can yield fewer timesteps; diffusers
	// then runs that many steps.
	r.plan.Steps, r.plan.Sigmas = len(st.timesteps), st.sigmas
	start, n := r.plan.StartStep, r.plan.Steps
	if start >= n {
		return fmt.Errorf("sampler: dpm++2m: img2img start step %d of only %d timesteps", start, n)
	}
	a0, s0, _ := vpAlphaSigma(st.sigmas[start])
	r.initFrom(1, a0, s0)
	x0s := [2]Buf{r.history(), r.history()}
	for i := start; i < n; i++ {
		sigma, next := st.sigmas[i], st.sigmas[i+1]
		alphaS, sigmaS, lambdaS := vpAlphaSigma(sigma)
		alphaT, sigmaT, lambdaT := vpAlphaSigma(next)
		h := lambdaT - lambdaS
		cur, prev := x0s[(i-start)%2], x0s[(i-start+1)%2]
		x0 := alphaDenoiser(r.cfg.Prediction, alphaS*alphaS)
		lastStep := i == n-1 && (!r.cfg.FinalSigmaMin || r.cfg.LowerOrderFinal && n < 15)
		ratio := sigmaT / sigmaS // 0 for a final sigma 0, where lambdaT = +Inf and c0 = 1
		c0 := -alphaT * math.Expm1(-h)
		update := lin(BufX, term(ratio, BufX), term(c0, cur))
		if i > start && !lastStep {
			_, _, lambdaPrev := vpAlphaSigma(st.sigmas[i-1])
			r0 := (lambdaS - lambdaPrev) / h
			update = lin(BufX, term(ratio, BufX), term(c0*(1+0.5/r0), cur), term(-c0*0.5/r0, prev))
		}
		r.add(Call{Timestep: st.timesteps[i], Sigma: sigma, Input: []Op{passInput()}, Update: []Op{x0.op(cur), update}})
	}
	return nil
}

// buildDPMPP2SA plans DPM-Solver++(2S) ancestral as k-diffusion's
// sample_dpmpp_2s_ancestral (eta 1) on the Euler-ancestral schedule: each step evaluates the
// model at sigma and at the midpoint sigma_s = sqrt(sigma*sigmaDown), lands on sigmaDown
// and adds sigmaUp of fresh noise; a step to sigma 0 is a plain Euler step.
func buildDPMPP2SA(r *run) error {
	st := r.sigmaRun(false)
	saved := r.history()
	pred := r.cfg.Prediction
	for i := r.plan.StartStep; i < r.plan.Steps; i++ {
		sigma, next := st.sigmas[i], st.sigmas[i+1]
		first := Call{Timestep: st.timesteps[i], Sigma: sigma, Input: []Op{scaleInput(sigma)}}
		down, up := ancestralStep(sigma, next)
		if down == 0 {
			first.Update = []Op{sigmaDenoiser(pred, sigma).op(BufX)}
			r.add(first)
			continue
		}
		// In t = -log(sigma): h = t(down) - t(sigma), midpoint s = t(sigma) + h/2.
		h := math.Log(sigma) - math.Log(down)
		mid := math.Sqrt(sigma * down)
		first.Update = []Op{
			copyOp(saved, BufX),
			identityX.scale(mid / sigma).plus(sigmaDenoiser(pred, sigma).scale(-math.Expm1(-h / 2))).op(BufX),
		}
		r.add(first)
		r.add(Call{
			Timestep: float64(float32(r.train.sigmaToT(mid))),
			Sigma:    mid,
			Input:    []Op{scaleInput(mid)},
			Noise:    true,
			Update: []Op{sigmaDenoiser(pred, mid).scale(-math.Expm1(-h)).op(BufX,
				term(down/sigma, saved), term(up, BufNoise))},
		})
	}
	return nil
}

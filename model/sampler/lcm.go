package sampler

import (
	"fmt"
	"math"
)

// lcmTimesteps is LCMScheduler.set_timesteps: of the original_inference_steps training
// timesteps k-1, 2k-1, ..., T-1 (k = T/original), descending, the entries at
// floor(i*original/steps).
func lcmTimesteps(c Config, steps int) ([]float64, error) {
	orig := c.OriginalInferenceSteps
	if orig < 1 || orig > c.NumTrainTimesteps {
		return nil, fmt.Errorf("sampler: lcm original_inference_steps %d: must be in [1, %d]", orig, c.NumTrainTimesteps)
	}
	if steps > orig {
		return nil, fmt.Errorf("sampler: lcm takes at most original_inference_steps = %d steps, not %d", orig, steps)
	}
	k := c.NumTrainTimesteps / orig
	ts := make([]float64, steps)
	for i := range ts {
		idx := int(math.Floor(float64(i) * (float64(orig) / float64(steps))))
		ts[i] = float64((orig-idx)*k - 1)
	}
	return ts, nil
}

// buildLCM plans latent consistency sampling (diffusers' LCMScheduler): each call maps x
// to denoised = c_out x0 + c_skip x with the consistency boundary scalings of t*10, and
// all calls but the last re-noise it to the next timestep:
// x = sqrt(aNext) denoised + sqrt(1-aNext) noise.
func buildLCM(r *run) error {
	ts, err := lcmTimesteps(r.cfg, r.plan.Steps)
	if err != nil {
		return err
	}
	r.alphaInit(int(ts[r.plan.StartStep]))
	for i := r.plan.StartStep; i < len(ts); i++ {
		t := int(ts[i])
		a := r.alphaAt(t, 0)
		cSkip, cOut := lcmScalings(float64(t), r.cfg.TimestepScaling)
		denoised := alphaDenoiser(r.cfg.Prediction, a).scale(cOut).plus(identityX.scale(cSkip))
		c := r.alphaCall(ts[i])
		if i == len(ts)-1 {
			c.Update = []Op{denoised.op(BufX)}
		} else {
			aNext := r.alphaAt(int(ts[i+1]), 0)
			c.Noise = true
			c.Update = []Op{denoised.scale(math.Sqrt(aNext)).op(BufX, term(math.Sqrt(1-aNext), BufNoise))}
		}
		r.add(c)
	}
	return nil
}

// lcmScalings is get_scalings_for_boundary_condition_discrete with sigma_data 0.5:
// c_skip = 0.25/((t*s)^2 + 0.25), c_out = t*s/sqrt((t*s)^2 + 0.25).
func lcmScalings(t, scaling float64) (cSkip, cOut float64) {
	const sigmaData2 = 0.25
	st := t * scaling
	return sigmaData2 / (st*st + sigmaData2), st / math.Sqrt(st*st+sigmaData2)
}

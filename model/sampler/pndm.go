package sampler

import (
	"fmt"
	"math"
)

// plmsTimesteps is PNDMScheduler's PLMS-only timesteps (skip_prk_steps): the spaced
// timesteps (descending) with the second one repeated, the first step being redone as a
// second-order step.
func plmsTimesteps(spaced []float64) []float64 {
	if len(spaced) == 1 {
		return spaced
	}
	return append(spaced[:2:2], spaced[1:]...)
}

// plmsWeights are the Adams–Bashforth weights PLMS applies to the kept model outputs,
// newest first, indexed by how many are kept.
var plmsWeights = [...][]float64{
	1: {1},
	2: {3.0 / 2, -1.0 / 2},
	3: {23.0 / 12, -16.0 / 12, 5.0 / 12},
	4: {55.0 / 24, -59.0 / 24, 37.0 / 24, -9.0 / 24},
}

// pndmMaxKept is how many model outputs PLMS keeps.
const pndmMaxKept = 4

// buildPNDM plans pseudo linear multistep sampling (diffusers' PNDMScheduler with
// skip_prk_steps, its step_plms): the model outputs of all calls but the second are kept
// (up to four), combined with plmsWeights and applied by the PNDM transfer from t to
// t - T/steps. Call 0 takes a first-order step and saves x; call 1 (at the same target
// timestep) redoes it from the saved x with the mean of both outputs. An img2img run
// starts this logic at its first call, as diffusers does. Like diffusers, it takes eps and
// v prediction (v converted to noise after the combination), not x0 prediction.
func buildPNDM(r *run) error {
	if r.cfg.Prediction == PredictSample {
		return fmt.Errorf("sampler: pndm does not take prediction_type %q", PredictSample)
	}
	spaced, err := r.intTimesteps()
	if err != nil {
		return err
	}
	ts := plmsTimesteps(spaced)[r.plan.StartStep:]
	ratio := r.cfg.NumTrainTimesteps / r.plan.Steps
	r.alphaInit(int(ts[0]))
	saved := r.history()
	var kept []Buf // oldest first
	for counter, t := range ts {
		c := r.alphaCall(t)
		if counter == 1 {
			c.Update = []Op{r.pndmTransfer(int(t)+ratio, int(t), saved,
				[]float64{0.5, 0.5}, []Buf{BufModelOut, kept[0]})}
			r.add(c)
			continue
		}
		var slot Buf
		if len(kept) == pndmMaxKept {
			slot, kept = kept[0], kept[1:]
		} else {
			slot = r.history()
		}
		if counter == 0 {
			c.Update = append(c.Update, copyOp(saved, BufX))
		}
		c.Update = append(c.Update, copyOp(slot, BufModelOut))
		kept = append(kept, slot)
		sources := []Buf{BufModelOut}
		for k := len(kept) - 2; k >= 0; k-- {
			sources = append(sources, kept[k])
		}
		c.Update = append(c.Update, r.pndmTransfer(int(t), int(t)-ratio, BufX, plmsWeights[len(kept)], sources))
		r.add(c)
	}
	return nil
}

// pndmTransfer is PNDMScheduler._get_prev_sample from timestep t to prev, applied to
// sample and the model output combined from sources with weights: with
// a = alphas_cumprod[t] and p the previous alpha,
// x = sqrt(p/a) sample - (p-a)/(a sqrt(1-p) + sqrt(a(1-a)p)) eps, where eps is the
// combined output converted to noise with sample (for v or x0 prediction).
func (r *run) pndmTransfer(t, prev int, sample Buf, weights []float64, sources []Buf) Op {
	a, p := r.alphaAt(t, 0), r.alphaAt(prev, r.finalAlpha())
	k := (p - a) / (a*math.Sqrt(1-p) + math.Sqrt(a*(1-a)*p))
	eps := alphaEps(r.cfg.Prediction, a)
	terms := []Term{term(math.Sqrt(p/a)-k*eps.x, sample)}
	for i, w := range weights {
		terms = append(terms, term(-k*eps.out*w, sources[i]))
	}
	return lin(BufX, terms...)
}

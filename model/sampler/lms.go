package sampler

import "math"

// lmsOrder is the order of diffusers' LMSDiscreteScheduler.step (and k-diffusion's
// sample_lms) default.
const lmsOrder = 4

// buildLMS plans linear multistep: each step stores its derivative d_i = (x - denoised)/sigma
// in a ring of lmsOrder buffers and sets x += sum_k c_k d_{i-k}, c_k integrating over
// [sigma_i, sigma_{i+1}] the Lagrange basis polynomial of sigma_{i-k} among the last
// order sigmas. As in diffusers, the order is min(i+1, 4) for the absolute step i, and an
// img2img run uses only the derivatives it has computed.
func buildLMS(r *run) error {
	st := r.sigmaRun(false)
	ring := make([]Buf, lmsOrder)
	for k := range ring {
		ring[k] = r.history()
	}
	start := r.plan.StartStep
	for i := start; i < r.plan.Steps; i++ {
		sigma := st.sigmas[i]
		order := min(i+1, lmsOrder)
		terms := []Term{term(1, BufX)}
		for k := 0; k < min(order, i-start+1); k++ {
			terms = append(terms, term(lmsCoefficient(st.sigmas, order, i, k), ring[(i-start-k)%lmsOrder]))
		}
		r.add(Call{
			Timestep: st.timesteps[i],
			Sigma:    sigma,
			Input:    []Op{scaleInput(sigma)},
			Update:   []Op{sigmaDerivative(r.cfg.Prediction, sigma).op(ring[(i-start)%lmsOrder]), lin(BufX, terms...)},
		})
	}
	return nil
}

// lmsCoefficient integrates over [sigmas[i], sigmas[i+1]] the polynomial that is 1 at
// sigmas[i-k] and 0 at sigmas[i-j] for the other j < order. Its degree is below 4, so
// two-point Gauss–Legendre quadrature is exact.
func lmsCoefficient(sigmas []float64, order, i, k int) float64 {
	basis := func(tau float64) float64 {
		p := 1.0
		for j := 0; j < order; j++ {
			if j != k {
				p *= (tau - sigmas[i-j]) / (sigmas[i-k] - sigmas[i-j])
			}
		}
		return p
	}
	mid, half := (sigmas[i]+sigmas[i+1])/2, (sigmas[i+1]-sigmas[i])/2
	node := half / math.Sqrt(3)
	return half * (basis(mid-node) + basis(mid+node))
}

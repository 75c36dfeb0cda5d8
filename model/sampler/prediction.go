package sampler

import "math"

// affine is a linear combination x*X + out*Out of the latents and the model output, the
// form of every quantity a sampler derives from one model call.
type affine struct{ x, out float64 }

// identityX is the latents themselves.
var identityX = affine{x: 1}

func (a affine) scale(c float64) affine       { return affine{a.x * c, a.out * c} }
func (a affine) plus(b affine) affine         { return affine{a.x + b.x, a.out + b.out} }
func (a affine) terms() []Term                { return []Term{term(a.x, BufX), term(a.out, BufModelOut)} }
func (a affine) op(dst Buf, extra ...Term) Op { return lin(dst, append(a.terms(), extra...)...) }

// alphaDenoiser returns the denoised sample x0 of variance-preserving latents
// x = sqrt(a)*x0 + sqrt(1-a)*eps at alpha_cumprod a, from each prediction type:
// eps: (x - sqrt(1-a)*out)/sqrt(a); v: sqrt(a)*x - sqrt(1-a)*out; sample: out.
func alphaDenoiser(pred string, a float64) affine {
	sa, sb := math.Sqrt(a), math.Sqrt(1-a)
	switch pred {
	case PredictV:
		return affine{sa, -sb}
	case PredictSample:
		return affine{0, 1}
	}
	return affine{1 / sa, -sb / sa}
}

// alphaEps returns the noise eps of variance-preserving latents at alpha_cumprod a:
// eps: out; v: sqrt(a)*out + sqrt(1-a)*x; sample: (x - sqrt(a)*out)/sqrt(1-a).
func alphaEps(pred string, a float64) affine {
	sa, sb := math.Sqrt(a), math.Sqrt(1-a)
	switch pred {
	case PredictV:
		return affine{sb, sa}
	case PredictSample:
		return affine{1 / sb, -sa / sb}
	}
	return affine{0, 1}
}

// sigmaDenoiser returns the denoised sample of variance-exploding latents
// x = x0 + sigma*eps (the Karras-style samplers' parametrisation; the model sees
// x/sqrt(sigma^2+1)): eps: x - sigma*out; v: x/(sigma^2+1) - sigma/sqrt(sigma^2+1)*out;
// sample: out.
func sigmaDenoiser(pred string, sigma float64) affine {
	switch pred {
	case PredictV:
		a := 1 / (sigma*sigma + 1)
		return affine{a, -sigma * math.Sqrt(a)}
	case PredictSample:
		return affine{0, 1}
	}
	return affine{1, -sigma}
}

// sigmaDerivative returns the probability-flow derivative (x - denoised)/sigma (the
// model output itself for eps prediction).
func sigmaDerivative(pred string, sigma float64) affine {
	return identityX.plus(sigmaDenoiser(pred, sigma).scale(-1)).scale(1 / sigma)
}

// scaleInput is the Karras-style samplers' scale_model_input: model_in = x/sqrt(sigma^2+1),
// the divisor computed in float32 as diffusers does.
func scaleInput(sigma float64) Op {
	s := float32(sigma)
	div := float32(math.Sqrt(float64(s*s + 1)))
	return lin(BufModelIn, term(1/float64(div), BufX))
}

// passInput is scale_model_input of the variance-preserving samplers: model_in = x.
func passInput() Op { return copyOp(BufModelIn, BufX) }

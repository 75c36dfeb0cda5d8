#ifndef __GNAPPLY_HLSL__
#define __GNAPPLY_HLSL__


#include "activation.hlsl"
#include "gnparams.hlsl"
[[vk::binding(0, 0)]] RWStructuredBuffer<float> GnXa;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> GnGamma;
[[vk::binding(2, 0)]] RWStructuredBuffer<float> GnBeta;
[[vk::binding(3, 0)]] RWStructuredBuffer<float> GnStatIn;
[[vk::binding(4, 0)]] RWStructuredBuffer<float> GnShiftIn;
[[vk::binding(5, 0)]] RWStructuredBuffer<float> GnY;

// GnNorm is the normalised value of x with its group's mean and rstd and its channel's
// gamma and beta, followed by SiLU with GroupNormSilu.
float GnNorm(inout GroupNormParams p, float x, float mean, float rstd, float gamma, float beta) {
	float y = (x-mean)*rstd*gamma + beta;
	if ((p.Act & GroupNormSilu) != 0) {
		y = SiluAct(y);
	}
	return y;
}
#endif // __GNAPPLY_HLSL__

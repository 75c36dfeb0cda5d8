#ifndef __LNFAM_HLSL__
#define __LNFAM_HLSL__


#include "lnparams.hlsl"
[[vk::binding(0, 0)]] RWStructuredBuffer<float> LnX;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> LnGamma;
[[vk::binding(2, 0)]] RWStructuredBuffer<float> LnBeta;
[[vk::binding(3, 0)]] RWStructuredBuffer<float> LnY;

// LnRowAt normalises row r: two passes for mean and variance, then the affine.
void LnRowAt(inout LayerNormParams p, uint r) {
	uint base = r * p.D;
	float s = float(0);
	for (uint j = uint(0); j < p.D; j++) {
		s += LnX[base+j];
	}
	float mean = s / float(p.D);
	float v = float(0);
	for (uint j = uint(0); j < p.D; j++) {
		float d = LnX[base+j] - mean;
		v += d * d;
	}
	float rstd = 1 / sqrt(v/float(p.D)+p.Eps);
	for (uint j = uint(0); j < p.D; j++) {
		LnY[base+j] = (LnX[base+j]-mean)*rstd*LnGamma[j] + LnBeta[j];
	}
}
#endif // __LNFAM_HLSL__

#ifndef __GNAPPLY_HLSL__
#define __GNAPPLY_HLSL__


#include "activation.hlsl"
#include "gnparams.hlsl"
[[vk::binding(0, 0)]] RWStructuredBuffer<float> GnXa;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> GnGamma;
[[vk::binding(2, 0)]] RWStructuredBuffer<float> GnBeta;
[[vk::binding(3, 0)]] RWStructuredBuffer<float> GnStatIn;
[[vk::binding(4, 0)]] RWStructuredBuffer<float> GnY;

// GnApplyAt normalises element i with its group's statistics and channel's affine.
void GnApplyAt(inout GroupNormParams p, uint i) {
	uint m = p.C / p.G * p.HW;
	uint bg = i / m;
	uint c = (i / p.HW) % p.C;
	float y = (GnXa[i]-GnStatIn[2*bg])*GnStatIn[2*bg+1]*GnGamma[c] + GnBeta[c];
	if ((p.Act & GroupNormSilu) != 0) {
		y = SiluAct(y);
	}
	uint o = i;
	if ((p.Act & GroupNormTokens) != 0) {
		uint b = i / (p.C * p.HW);
		o = (b*p.HW+i%p.HW)*p.C + c;
	}
	GnY[o] = y;
}
#endif // __GNAPPLY_HLSL__

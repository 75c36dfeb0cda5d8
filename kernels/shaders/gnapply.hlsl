#ifndef __GNAPPLY_HLSL__
#define __GNAPPLY_HLSL__


#include "activation.hlsl"
#include "gnparams.hlsl"
[[vk::binding(0, 0)]] RWStructuredBuffer<float> GnXa;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> GnGamma;
[[vk::binding(2, 0)]] RWStructuredBuffer<float> GnBeta;
[[vk::binding(3, 0)]] RWStructuredBuffer<float> GnStatIn;
[[vk::binding(4, 0)]] RWStructuredBuffer<float> GnY;

// GnApplyAt normalises one element with its group's statistics and its channel's
// affine. For channels-last output (GroupNormTokens) invocation i walks blocks of 16
// pixels × all channels, 16 pixels of one channel after another, so that both the
// reads of x and the writes of y stay within a few cache lines per block.
void GnApplyAt(inout GroupNormParams p, uint i) {
	uint xi = i;
	uint yi = i;
	uint c = (i / p.HW) % p.C;
	if ((p.Act & GroupNormTokens) != 0) {
		uint b = i / (p.C * p.HW);
		uint r = i % (p.C * p.HW);
		uint full = p.HW / 16 * 16; // pixels in whole blocks
		uint t = uint(0);
		if (r < full*p.C) {
			c = (r % (16 * p.C)) / 16;
			t = r/(16*p.C)*16 + r%16;
		} else {
			uint tail = p.HW - full;
			c = (r - full*p.C) / tail;
			t = full + (r-full*p.C)%tail;
		}
		xi = (b*p.C+c)*p.HW + t;
		yi = (b*p.HW+t)*p.C + c;
	}
	uint bg = xi / (p.C / p.G * p.HW);
	float y = (GnXa[xi]-GnStatIn[2*bg])*GnStatIn[2*bg+1]*GnGamma[c] + GnBeta[c];
	if ((p.Act & GroupNormSilu) != 0) {
		y = SiluAct(y);
	}
	GnY[yi] = y;
}
#endif // __GNAPPLY_HLSL__

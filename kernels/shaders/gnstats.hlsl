#ifndef __GNSTATS_HLSL__
#define __GNSTATS_HLSL__


#include "gnparams.hlsl"
[[vk::binding(0, 0)]] RWStructuredBuffer<float> GnX;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> GnPart;

// GnStatsAt runs Welford over partial thread idx's elements and writes (mean, M2).
void GnStatsAt(inout GroupNormParams p, uint idx) {
	uint bg = idx / p.T;
	uint t = idx % p.T;
	uint m = p.C / p.G * p.HW;
	uint base = bg * m;
	float n = float(0);
	float mean = float(0);
	float m2 = float(0);
	for (uint e = t; e < m; e += p.T) {
		float x = GnX[base+e];
		n += 1;
		float d = x - mean;
		mean += d / n;
		m2 += d * (x - mean);
	}
	GnPart[2*idx] = mean;
	GnPart[2*idx+1] = m2;
}
#endif // __GNSTATS_HLSL__

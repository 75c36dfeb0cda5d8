#ifndef __GNSTATS_HLSL__
#define __GNSTATS_HLSL__


#include "gnparams.hlsl"
[[vk::binding(0, 0)]] RWStructuredBuffer<float> GnX;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> GnShift;
[[vk::binding(2, 0)]] RWStructuredBuffer<float> GnPart;

// GnStatsAt runs Welford over partial thread idx's elements and writes (mean, M2).
// With GroupNormShift it follows each element's channel c (c, r: the element's
// channel and pixel within the group, stepped without dividing) for its shift.
void GnStatsAt(inout GroupNormParams p, uint idx) {
	uint bg = idx / p.T;
	uint t = idx % p.T;
	uint cg = p.C / p.G;
	uint m = cg * p.HW;
	uint base = bg * m;
	bool shifted = (p.Act & GroupNormShift) != 0;
	uint sb = bg/p.G*p.C + bg%p.G*cg; // the group's first channel's shift
	uint c = t / p.HW;
	uint r = t % p.HW;
	uint dc = p.T / p.HW;
	uint dr = p.T % p.HW;
	float n = float(0);
	float mean = float(0);
	float m2 = float(0);
	for (uint e = t; e < m; e += p.T) {
		float x = GnX[base+e];
		if (shifted) {
			x += GnShift[sb+c];
		}
		c += dc;
		r += dr;
		if (r >= p.HW) {
			r -= p.HW;
			c++;
		}
		n += 1;
		float d = x - mean;
		mean += d / n;
		m2 += d * (x - mean);
	}
	GnPart[2*idx] = mean;
	GnPart[2*idx+1] = m2;
}
#endif // __GNSTATS_HLSL__

#ifndef __GNFINAL_HLSL__
#define __GNFINAL_HLSL__


#include "gnparams.hlsl"
[[vk::binding(0, 0)]] RWStructuredBuffer<float> GnPartIn;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> GnStat;

// GnFinalAt merges the T partials of group bg (Chan et al.) into (mean, rstd).
void GnFinalAt(inout GroupNormParams p, uint bg) {
	uint m = p.C / p.G * p.HW;
	float na = float(0);
	float ma = float(0);
	float m2a = float(0);
	for (uint t = uint(0); t < p.T; t++) {
		uint cnt = GnChunkCount(m, t, p.T);
		if (cnt == 0) {
			continue;
		}
		float nb = float(cnt);
		uint k = 2 * (bg*p.T + t);
		float mb = GnPartIn[k];
		float m2b = GnPartIn[k+1];
		float n = na + nb;
		float delta = mb - ma;
		ma += delta * (nb / n);
		m2a += m2b + delta*delta*(na*nb/n);
		na = n;
	}
	float v = m2a / float(m);
	GnStat[2*bg] = ma;
	GnStat[2*bg+1] = 1 / sqrt(v+p.Eps);
}
#endif // __GNFINAL_HLSL__

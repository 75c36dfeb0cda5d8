#ifndef __GNFINAL_HLSL__
#define __GNFINAL_HLSL__


#include "gnparams.hlsl"
[[vk::binding(0, 0)]] RWStructuredBuffer<float> GnPartIn;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> GnStat;

// GnMoments are the statistics of a set of values: their count, mean and M2 (the sum of
// squared deviations from the mean).
struct GnMoments {
	float N;
	float Mean;
	float M2;
	float pad0;
};

// GnMerge returns the moments of the union of the sets a and b (Chan et al.).
GnMoments GnMerge(GnMoments a, GnMoments b) {
	if (b.N == 0) {
		return a;
	}
	if (a.N == 0) {
		return b;
	}
	GnMoments r;
	r.N = a.N + b.N;
	float delta = b.Mean - a.Mean;
	r.Mean = a.Mean + delta*(b.N/r.N);
	r.M2 = a.M2 + b.M2 + delta*delta*(a.N*b.N/r.N);
	return r;
}

// GnLaneMoments merges, in order, the partials t = lane, lane + GnFinalLanes, … of
// group bg: one lane's share of GroupNormFinal.
GnMoments GnLaneMoments(inout GroupNormParams p, uint bg, uint lane) {
	uint m = p.C / p.G * p.HW;
	GnMoments a;
	a.N = 0;
	a.Mean = 0;
	a.M2 = 0;
	for (uint t = lane; t < p.T; t += GnFinalLanes) {
		GnMoments b;
		if ((p.Act & GroupNormTexels) != 0) {
			b.N = float(4 * GnChunkCount(m/4, t, p.T));
		} else {
			b.N = float(GnChunkCount(m, t, p.T));
		}
		uint k = 2 * (bg*p.T + t);
		b.Mean = GnPartIn[k];
		b.M2 = GnPartIn[k+1];
		a = GnMerge(a, b);
	}
	return a;
}

// GnWriteStat writes group bg's (mean, 1/√(var+eps)) from its moments (biased
// variance, as torch).
void GnWriteStat(inout GroupNormParams p, uint bg, GnMoments a) {
	GnStat[2*bg] = a.Mean;
	GnStat[2*bg+1] = 1 / sqrt(a.M2/a.N+p.Eps);
}
#endif // __GNFINAL_HLSL__

#ifndef __GROUPNORM_APPLY_HLSL__
#define __GROUPNORM_APPLY_HLSL__


#include "gnapply.hlsl"
[[vk::push_constant]] cbuffer PC { GroupNormParams P; };
[numthreads(64, 1, 1)]
void main(uint3 gid : SV_GroupID, uint3 lid : SV_GroupThreadID) {
	GroupNormParams p = P;
	uint cg = p.C / p.G;
	if ((p.Act & GroupNormTokens) != 0) {
		uint b = gid.y;
		uint t0 = gid.x * 16;
		uint n = min(16, p.HW - t0);
		for (uint c = lid.x; c < p.C; c += 64) {
			uint bg = b * p.G + c / cg;
			float mean = GnStatIn[2 * bg];
			float rstd = GnStatIn[2 * bg + 1];
			float gamma = GnGamma[c];
			float beta = GnBeta[c];
			float shift = (p.Act & GroupNormShift) != 0 ? GnShiftIn[b * p.C + c] : 0;
			uint xi = (b * p.C + c) * p.HW + t0;
			uint yi = (b * p.HW + t0) * p.C + c;
			for (uint j = 0; j < n; j++) {
				GnY[yi + j * p.C] = GnNorm(p, GnXa[xi + j] + shift, mean, rstd, gamma, beta);
			}
		}
		return;
	}
	uint row = gid.y;
	uint bg = (row / p.C) * p.G + (row % p.C) / cg;
	float mean = GnStatIn[2 * bg];
	float rstd = GnStatIn[2 * bg + 1];
	float gamma = GnGamma[row % p.C];
	float beta = GnBeta[row % p.C];
	float shift = (p.Act & GroupNormShift) != 0 ? GnShiftIn[row] : 0;
	uint base = row * p.HW;
	for (uint t = gid.x * 64 + lid.x; t < p.HW; t += p.Stride) {
		GnY[base + t] = GnNorm(p, GnXa[base + t] + shift, mean, rstd, gamma, beta);
	}
}
#endif // __GROUPNORM_APPLY_HLSL__

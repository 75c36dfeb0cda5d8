#ifndef __LAYERNORM_ROWS_HLSL__
#define __LAYERNORM_ROWS_HLSL__


#include "lnfam.hlsl"
[[vk::push_constant]] cbuffer PC { LayerNormParams P; };
groupshared float LnRed[64];
float LnBlockSum(float v, uint lid) {
	LnRed[lid] = v;
	GroupMemoryBarrierWithGroupSync();
	[unroll] for (uint s = 32; s > 0; s >>= 1) {
		if (lid < s) {
			LnRed[lid] += LnRed[lid + s];
		}
		GroupMemoryBarrierWithGroupSync();
	}
	float r = LnRed[0];
	GroupMemoryBarrierWithGroupSync();
	return r;
}
[numthreads(64, 1, 1)]
void main(uint3 gid : SV_GroupID, uint3 lid : SV_GroupThreadID) {
	LayerNormParams p = P;
	uint r = gid.y * 65535 + gid.x; // LayerNormRowsGroups
	if (r >= p.Rows) {
		return; // the whole workgroup: r is uniform
	}
	uint base = r * p.D;
	float s = 0;
	for (uint j = lid.x; j < p.D; j += 64) { s += LnX[base + j]; }
	float mean = LnBlockSum(s, lid.x) / float(p.D);
	float v = 0;
	for (uint j = lid.x; j < p.D; j += 64) {
		float d = LnX[base + j] - mean;
		v += d * d;
	}
	float rstd = 1 / sqrt(LnBlockSum(v, lid.x) / float(p.D) + p.Eps);
	for (uint j = lid.x; j < p.D; j += 64) {
		LnY[base + j] = (LnX[base + j] - mean) * rstd * LnGamma[j] + LnBeta[j];
	}
}
#endif // __LAYERNORM_ROWS_HLSL__

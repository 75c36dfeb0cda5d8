#ifndef __GROUPNORM_APPLY_TEX_HLSL__
#define __GROUPNORM_APPLY_TEX_HLSL__


#include "gnparams.hlsl"
[[vk::binding(0, 0)]] Buffer<uint4> GnXt;
[[vk::binding(1, 0)]] Buffer<uint4> GnGammaT;
[[vk::binding(2, 0)]] Buffer<uint4> GnBetaT;
[[vk::binding(3, 0)]] RWStructuredBuffer<float> GnStatIn;
[[vk::binding(4, 0)]] Buffer<uint4> GnShiftT;
[[vk::binding(5, 0)]] RWStructuredBuffer<float4> GnY4;
[[vk::push_constant]] cbuffer PC { GroupNormParams P; };
// GnNorm4 is GnNorm for 4 channels of a pixel, in its order of operations.
float4 GnNorm4(GroupNormParams p, float4 x, float4 shift, float4 mean, float4 rstd, float4 gamma, float4 beta) {
	float4 y = (x + shift - mean) * rstd * gamma + beta;
	if ((p.Act & GroupNormSilu) != 0) {
		y = y / (1 + exp(-y));
	}
	return y;
}
[numthreads(64, 1, 1)]
void main(uint3 gid : SV_GroupID, uint3 lid : SV_GroupThreadID) {
	GroupNormParams p = P;
	uint cg = p.C / p.G;
	uint c4n = p.C / 4;
	uint hw4 = p.HW / 4;
	uint b = gid.y;
	uint t0 = gid.x * 16;
	uint q4 = min(16, p.HW - t0) / 4;
	for (uint c4 = lid.x; c4 < c4n; c4 += 64) {
		uint c = 4 * c4;
		float4 mean;
		float4 rstd;
		if (cg % 4 == 0) { // the quad lies in one group
			uint bg = b * p.G + c / cg;
			mean = GnStatIn[2 * bg];
			rstd = GnStatIn[2 * bg + 1];
		} else {
			[unroll] for (uint k = 0; k < 4; k++) {
				uint bg = b * p.G + (c + k) / cg;
				mean[k] = GnStatIn[2 * bg];
				rstd[k] = GnStatIn[2 * bg + 1];
			}
		}
		float4 gamma = asfloat(GnGammaT[c4]);
		float4 beta = asfloat(GnBetaT[c4]);
		float4 shift = (p.Act & GroupNormShift) != 0 ? asfloat(GnShiftT[b * c4n + c4]) : float4(0, 0, 0, 0);
		uint xt = (b * p.C + c) * hw4 + t0 / 4;
		uint yi = (b * p.HW + t0) * c4n + c4;
		for (uint q = 0; q < q4; q++) {
			float4 x0 = asfloat(GnXt[xt + q]);
			float4 x1 = asfloat(GnXt[xt + q + hw4]);
			float4 x2 = asfloat(GnXt[xt + q + 2 * hw4]);
			float4 x3 = asfloat(GnXt[xt + q + 3 * hw4]);
			uint yq = yi + 4 * q * c4n;
			GnY4[yq] = GnNorm4(p, float4(x0.x, x1.x, x2.x, x3.x), shift, mean, rstd, gamma, beta);
			GnY4[yq + c4n] = GnNorm4(p, float4(x0.y, x1.y, x2.y, x3.y), shift, mean, rstd, gamma, beta);
			GnY4[yq + 2 * c4n] = GnNorm4(p, float4(x0.z, x1.z, x2.z, x3.z), shift, mean, rstd, gamma, beta);
			GnY4[yq + 3 * c4n] = GnNorm4(p, float4(x0.w, x1.w, x2.w, x3.w), shift, mean, rstd, gamma, beta);
		}
	}
}
#endif // __GROUPNORM_APPLY_TEX_HLSL__

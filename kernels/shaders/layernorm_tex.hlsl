#ifndef __LAYERNORM_TEX_HLSL__
#define __LAYERNORM_TEX_HLSL__


#include "lnparams.hlsl"
[[vk::binding(0, 0)]] Buffer<uint4> LnXt;
[[vk::binding(1, 0)]] Buffer<uint4> LnGammaT;
[[vk::binding(2, 0)]] Buffer<uint4> LnBetaT;
[[vk::binding(3, 0)]] RWStructuredBuffer<float4> LnY4;
[[vk::push_constant]] cbuffer PC { LayerNormParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	LayerNormParams p = P;
	uint d4 = p.D / 4;
	for (uint r = id.x; r < p.Rows; r += p.Stride) {
		uint base = r * d4;
		float s = 0;
		for (uint j = 0; j < d4; j++) {
			float4 x = asfloat(LnXt[base + j]);
			s += x.x;
			s += x.y;
			s += x.z;
			s += x.w;
		}
		float mean = s / float(p.D);
		float v = 0;
		for (uint j = 0; j < d4; j++) {
			float4 d = asfloat(LnXt[base + j]) - mean;
			v += d.x * d.x;
			v += d.y * d.y;
			v += d.z * d.z;
			v += d.w * d.w;
		}
		float rstd = 1 / sqrt(v / float(p.D) + p.Eps);
		for (uint j = 0; j < d4; j++) {
			LnY4[base + j] = (asfloat(LnXt[base + j]) - mean) * rstd * asfloat(LnGammaT[j]) + asfloat(LnBetaT[j]);
		}
	}
}
#endif // __LAYERNORM_TEX_HLSL__

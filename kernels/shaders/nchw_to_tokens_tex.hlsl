#ifndef __NCHW_TO_TOKENS_TEX_HLSL__
#define __NCHW_TO_TOKENS_TEX_HLSL__


#include "tpfam.hlsl"
// sdgo:variant tokens_to_nchw_tex -DTP_TO_NCHW=1
[[vk::push_constant]] cbuffer PC { TransposeParams P; };
[[vk::binding(0, 0)]] Buffer<uint4> TpXt;
[[vk::binding(1, 0)]] Buffer<uint4> TpRt;
[[vk::binding(2, 0)]] RWStructuredBuffer<float4> TpY4;
[numthreads(64, 1, 1)]
void main(uint3 gid : SV_GroupID, uint3 lid : SV_GroupThreadID) {
	TransposeParams p = P;
#ifdef TP_TO_NCHW
	uint r4n = p.HW / 4; // x [B, r, s] → y [B, s, r]
	uint s4n = p.C / 4;
#else
	uint r4n = p.C / 4;
	uint s4n = p.HW / 4;
#endif
	uint s4 = gid.x * 64 + lid.x;
	if (s4 >= s4n) {
		return;
	}
	uint b = gid.z;
	for (uint r4 = gid.y; r4 < r4n; r4 += p.Stride) {
		uint xt = (b * r4n + r4) * 4 * s4n + s4;
		float4 x0 = asfloat(TpXt[xt]);
		float4 x1 = asfloat(TpXt[xt + s4n]);
		float4 x2 = asfloat(TpXt[xt + 2 * s4n]);
		float4 x3 = asfloat(TpXt[xt + 3 * s4n]);
		uint yt = (b * s4n + s4) * 4 * r4n + r4;
		float4 y0 = float4(x0.x, x1.x, x2.x, x3.x);
		float4 y1 = float4(x0.y, x1.y, x2.y, x3.y);
		float4 y2 = float4(x0.z, x1.z, x2.z, x3.z);
		float4 y3 = float4(x0.w, x1.w, x2.w, x3.w);
		if (p.Residual != 0) {
			y0 += asfloat(TpRt[yt]);
			y1 += asfloat(TpRt[yt + r4n]);
			y2 += asfloat(TpRt[yt + 2 * r4n]);
			y3 += asfloat(TpRt[yt + 3 * r4n]);
		}
		TpY4[yt] = y0;
		TpY4[yt + r4n] = y1;
		TpY4[yt + 2 * r4n] = y2;
		TpY4[yt + 3 * r4n] = y3;
	}
}
#endif // __NCHW_TO_TOKENS_TEX_HLSL__

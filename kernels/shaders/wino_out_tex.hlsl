#ifndef __WINO_OUT_TEX_HLSL__
#define __WINO_OUT_TEX_HLSL__


#include "conv.hlsl"
#include "winoparams.hlsl"
#include "winooutfam.hlsl"
#include "winotexitem.hlsl"
#include "winoouttex.hlsl"
[[vk::push_constant]] cbuffer PC { WinoParams P; };
[[vk::binding(2, 0)]] RWStructuredBuffer<float2> WinoR2;
[[vk::binding(3, 0)]] RWStructuredBuffer<float2> WinoY2;
// WinoStoreRow writes output row oy of a tile, channels co..co+3 (x: column ox,
// y: ox+1) + R, as pairs of floats: for even W, where each pair is 8-byte aligned
// and inside the row.
void WinoStoreRow(WinoParams p, uint b, uint co, uint oy, uint ox, float4 x, float4 y) {
	if (oy >= p.H) {
		return;
	}
	[unroll] for (uint c = 0; c < 4; c++) {
		uint idx = (((b * p.C + co + c) * p.H + oy) * p.W + ox) / 2;
		float2 v = float2(x[c], y[c]);
		if ((p.Flags & ConvResidual) != 0) {
			v += WinoR2[idx];
		}
		WinoY2[idx] = v;
	}
}
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	WinoParams p = P;
	uint c4n = p.C / 4;
	uint nt = WinoTiles(p);
	uint n = nt * c4n;
	for (uint i = id.x; i < n; i += p.Stride) {
		uint c4, t, tx, b, ty;
		WinoTexItem(p, i, c4, t, tx, b, ty);
		float4 u0[4], u1[4]; // Aᵀ·m, column by column
		[unroll] for (uint q = 0; q < 4; q++) {
			float4 m0 = asfloat(WinoTexM[(q * nt + t) * c4n + c4]);
			float4 m1 = asfloat(WinoTexM[((4 + q) * nt + t) * c4n + c4]);
			float4 m2 = asfloat(WinoTexM[((8 + q) * nt + t) * c4n + c4]);
			float4 m3 = asfloat(WinoTexM[((12 + q) * nt + t) * c4n + c4]);
			u0[q] = m0 + m1 + m2;
			u1[q] = m1 - m2 - m3;
		}
		float4 y00 = u0[0] + u0[1] + u0[2];
		float4 y01 = u0[1] - u0[2] - u0[3];
		float4 y10 = u1[0] + u1[1] + u1[2];
		float4 y11 = u1[1] - u1[2] - u1[3];
		if ((p.W & 1) == 0) {
			if ((p.Flags & ConvBias) != 0) {
				float4 bias = WinoBias4[c4];
				y00 += bias;
				y01 += bias;
				y10 += bias;
				y11 += bias;
			}
			WinoStoreRow(p, b, 4 * c4, 2 * ty, 2 * tx, y00, y01);
			WinoStoreRow(p, b, 4 * c4, 2 * ty + 1, 2 * tx, y10, y11);
		} else {
			WinoStoreY4(p, b, 4 * c4, 2 * ty, 2 * tx, y00);
			WinoStoreY4(p, b, 4 * c4, 2 * ty, 2 * tx + 1, y01);
			WinoStoreY4(p, b, 4 * c4, 2 * ty + 1, 2 * tx, y10);
			WinoStoreY4(p, b, 4 * c4, 2 * ty + 1, 2 * tx + 1, y11);
		}
	}
}
#endif // __WINO_OUT_TEX_HLSL__

#ifndef __WINO4_OUT_TEX_HLSL__
#define __WINO4_OUT_TEX_HLSL__


#include "conv.hlsl"
#include "winoparams.hlsl"
#include "winooutfam.hlsl"
#include "winotexitem.hlsl"
#include "winoouttex.hlsl"
#include "wino4.hlsl"
// sdgo:variant wino4_out_tex_px -DWINO_PX=1
[[vk::push_constant]] cbuffer PC { WinoParams P; };
// R as texels (4 pixels of a row a fetch) in the float4-row build; the pixel build
// reads it through WinoStoreY's storage buffer on the same binding, and each build
// keeps only the one it uses.
[[vk::binding(2, 0)]] Buffer<uint4> WinoR4T;
[[vk::binding(3, 0)]] RWStructuredBuffer<float4> WinoY4;
// WinoStoreRow4 writes output row oy of a tile, channels co..co+3, pixels ox..ox+3
// (y0..y3) + R, as float4s of 4 pixels: for W % 4 == 0, where each is 16-byte
// aligned and inside the row.
void WinoStoreRow4(WinoParams p, uint b, uint co, uint oy, uint ox, float4 y0, float4 y1, float4 y2, float4 y3) {
	if (oy >= p.H) {
		return;
	}
	[unroll] for (uint c = 0; c < 4; c++) {
		uint idx = (((b * p.C + co + c) * p.H + oy) * p.W + ox) / 4;
		float4 v = float4(y0[c], y1[c], y2[c], y3[c]);
		if ((p.Flags & ConvResidual) != 0) {
			v += asfloat(WinoR4T[idx]);
		}
		WinoY4[idx] = v;
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
		float4 u[4][6]; // Aᵀ·m, column by column
		[unroll] for (uint q = 0; q < 6; q++) {
			float4 m0 = asfloat(WinoTexM[(q * nt + t) * c4n + c4]);
			float4 m1 = asfloat(WinoTexM[((6 + q) * nt + t) * c4n + c4]);
			float4 m2 = asfloat(WinoTexM[((12 + q) * nt + t) * c4n + c4]);
			float4 m3 = asfloat(WinoTexM[((18 + q) * nt + t) * c4n + c4]);
			float4 m4 = asfloat(WinoTexM[((24 + q) * nt + t) * c4n + c4]);
			float4 m5 = asfloat(WinoTexM[((30 + q) * nt + t) * c4n + c4]);
			u[0][q] = WINO4_AT0(m0, m1, m2, m3, m4, m5);
			u[1][q] = WINO4_AT1(m0, m1, m2, m3, m4, m5);
			u[2][q] = WINO4_AT2(m0, m1, m2, m3, m4, m5);
			u[3][q] = WINO4_AT3(m0, m1, m2, m3, m4, m5);
		}
#ifndef WINO_PX
		float4 bias = float4(0, 0, 0, 0);
		if ((p.Flags & ConvBias) != 0) {
			bias = WinoBias4[c4];
		}
#endif
		[unroll] for (uint r = 0; r < 4; r++) { // Y = u·A
			float4 y0 = WINO4_AT0(u[r][0], u[r][1], u[r][2], u[r][3], u[r][4], u[r][5]);
			float4 y1 = WINO4_AT1(u[r][0], u[r][1], u[r][2], u[r][3], u[r][4], u[r][5]);
			float4 y2 = WINO4_AT2(u[r][0], u[r][1], u[r][2], u[r][3], u[r][4], u[r][5]);
			float4 y3 = WINO4_AT3(u[r][0], u[r][1], u[r][2], u[r][3], u[r][4], u[r][5]);
			uint oy = 4 * ty + r;
#ifdef WINO_PX
			WinoStoreY4(p, b, 4 * c4, oy, 4 * tx, y0);
			WinoStoreY4(p, b, 4 * c4, oy, 4 * tx + 1, y1);
			WinoStoreY4(p, b, 4 * c4, oy, 4 * tx + 2, y2);
			WinoStoreY4(p, b, 4 * c4, oy, 4 * tx + 3, y3);
#else
			WinoStoreRow4(p, b, 4 * c4, oy, 4 * tx, y0 + bias, y1 + bias, y2 + bias, y3 + bias);
#endif
		}
	}
}
#endif // __WINO4_OUT_TEX_HLSL__

#ifndef __WINO_OUT_TEX_HLSL__
#define __WINO_OUT_TEX_HLSL__


#include "conv.hlsl"
#include "winoparams.hlsl"
#include "winooutfam.hlsl"
[[vk::push_constant]] cbuffer PC { WinoParams P; };
[[vk::binding(0, 0)]] Buffer<uint4> WinoTexM;
void WinoStoreY4(WinoParams p, uint b, uint co, uint oy, uint ox, float4 v) {
	WinoStoreY(p, b, co, oy, ox, v.x);
	WinoStoreY(p, b, co + 1, oy, ox, v.y);
	WinoStoreY(p, b, co + 2, oy, ox, v.z);
	WinoStoreY(p, b, co + 3, oy, ox, v.w);
}
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	WinoParams p = P;
	uint c4n = p.C / 4;
	uint nt = WinoTiles(p);
	uint n = nt * c4n;
	for (uint i = id.x; i < n; i += p.Stride) {
		uint c4 = i % c4n;
		uint t = i / c4n;
		uint tx = t % p.TilesW;
		uint b = WinoTileImage(p, t);
		uint ty = WinoTileRow(p, t);
		float4 u0[4], u1[4]; // Aᵀ·m, column by column
		[unroll] for (uint q = 0; q < 4; q++) {
			float4 m0 = asfloat(WinoTexM[(q * nt + t) * c4n + c4]);
			float4 m1 = asfloat(WinoTexM[((4 + q) * nt + t) * c4n + c4]);
			float4 m2 = asfloat(WinoTexM[((8 + q) * nt + t) * c4n + c4]);
			float4 m3 = asfloat(WinoTexM[((12 + q) * nt + t) * c4n + c4]);
			u0[q] = m0 + m1 + m2;
			u1[q] = m1 - m2 - m3;
		}
		WinoStoreY4(p, b, 4 * c4, 2 * ty, 2 * tx, u0[0] + u0[1] + u0[2]);
		WinoStoreY4(p, b, 4 * c4, 2 * ty, 2 * tx + 1, u0[1] - u0[2] - u0[3]);
		WinoStoreY4(p, b, 4 * c4, 2 * ty + 1, 2 * tx, u1[0] + u1[1] + u1[2]);
		WinoStoreY4(p, b, 4 * c4, 2 * ty + 1, 2 * tx + 1, u1[1] - u1[2] - u1[3]);
	}
}
#endif // __WINO_OUT_TEX_HLSL__

#ifndef __WINO4_IN_TEX_HLSL__
#define __WINO4_IN_TEX_HLSL__


#include "winoparams.hlsl"
#include "winotexitem.hlsl"
#include "winointex.hlsl"
#include "wino4.hlsl"
[[vk::push_constant]] cbuffer PC { WinoParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	WinoParams p = P;
	uint n = WinoTiles(p) * (p.C / 4);
	for (uint i = id.x; i < n; i += p.Stride) {
		uint c4, t, tx, b, ty;
		WinoTexItem(p, i, c4, t, tx, b, ty);
		int y = int(4 * ty) - 1;
		int x = int(4 * tx) - 1;
		float4 e[6][6]; // Bᵀ·d, column by column
		[unroll] for (uint q = 0; q < 6; q++) {
			float4 d0 = WinoFetchX(p, b, y, x + int(q), c4);
			float4 d1 = WinoFetchX(p, b, y + 1, x + int(q), c4);
			float4 d2 = WinoFetchX(p, b, y + 2, x + int(q), c4);
			float4 d3 = WinoFetchX(p, b, y + 3, x + int(q), c4);
			float4 d4 = WinoFetchX(p, b, y + 4, x + int(q), c4);
			float4 d5 = WinoFetchX(p, b, y + 5, x + int(q), c4);
			e[0][q] = WINO4_BT0(d0, d1, d2, d3, d4, d5);
			e[1][q] = WINO4_BT1(d0, d1, d2, d3, d4, d5);
			e[2][q] = WINO4_BT2(d0, d1, d2, d3, d4, d5);
			e[3][q] = WINO4_BT3(d0, d1, d2, d3, d4, d5);
			e[4][q] = WINO4_BT4(d0, d1, d2, d3, d4, d5);
			e[5][q] = WINO4_BT5(d0, d1, d2, d3, d4, d5);
		}
		[unroll] for (uint r = 0; r < 6; r++) { // V = e·B
			WinoStoreV4(p, 6 * r, t, 4 * c4, WINO4_BT0(e[r][0], e[r][1], e[r][2], e[r][3], e[r][4], e[r][5]));
			WinoStoreV4(p, 6 * r + 1, t, 4 * c4, WINO4_BT1(e[r][0], e[r][1], e[r][2], e[r][3], e[r][4], e[r][5]));
			WinoStoreV4(p, 6 * r + 2, t, 4 * c4, WINO4_BT2(e[r][0], e[r][1], e[r][2], e[r][3], e[r][4], e[r][5]));
			WinoStoreV4(p, 6 * r + 3, t, 4 * c4, WINO4_BT3(e[r][0], e[r][1], e[r][2], e[r][3], e[r][4], e[r][5]));
			WinoStoreV4(p, 6 * r + 4, t, 4 * c4, WINO4_BT4(e[r][0], e[r][1], e[r][2], e[r][3], e[r][4], e[r][5]));
			WinoStoreV4(p, 6 * r + 5, t, 4 * c4, WINO4_BT5(e[r][0], e[r][1], e[r][2], e[r][3], e[r][4], e[r][5]));
		}
	}
}
#endif // __WINO4_IN_TEX_HLSL__

#ifndef __WINO_IN_TEX_HLSL__
#define __WINO_IN_TEX_HLSL__


#include "winoparams.hlsl"
#include "winotexitem.hlsl"
#include "winointex.hlsl"
[[vk::push_constant]] cbuffer PC { WinoParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	WinoParams p = P;
	uint n = WinoTiles(p) * (p.C / 4);
	for (uint i = id.x; i < n; i += p.Stride) {
		uint c4, t, tx, b, ty;
		WinoTexItem(p, i, c4, t, tx, b, ty);
		int y = int(2 * ty) - 1;
		int x = int(2 * tx) - 1;
		float4 e[4][4]; // Bᵀ·d, column by column
		[unroll] for (uint q = 0; q < 4; q++) {
			float4 d0 = WinoFetchX(p, b, y, x + int(q), c4);
			float4 d1 = WinoFetchX(p, b, y + 1, x + int(q), c4);
			float4 d2 = WinoFetchX(p, b, y + 2, x + int(q), c4);
			float4 d3 = WinoFetchX(p, b, y + 3, x + int(q), c4);
			e[0][q] = d0 - d2;
			e[1][q] = d1 + d2;
			e[2][q] = d2 - d1;
			e[3][q] = d1 - d3;
		}
		[unroll] for (uint r = 0; r < 4; r++) { // V = e·B
			WinoStoreV4(p, 4 * r, t, 4 * c4, e[r][0] - e[r][2]);
			WinoStoreV4(p, 4 * r + 1, t, 4 * c4, e[r][1] + e[r][2]);
			WinoStoreV4(p, 4 * r + 2, t, 4 * c4, e[r][2] - e[r][1]);
			WinoStoreV4(p, 4 * r + 3, t, 4 * c4, e[r][1] - e[r][3]);
		}
	}
}
#endif // __WINO_IN_TEX_HLSL__

#ifndef __WINOFAM_HLSL__
#define __WINOFAM_HLSL__


[[vk::binding(0, 0)]] RWStructuredBuffer<float> WinoX;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> WinoV;

// WinoLoadX returns X[b][iy][ix][c] (channels-last), 0 in the padding.
float WinoLoadX(inout WinoParams p, uint b, int iy, int ix, uint c) {
	if (iy < 0 || ix < 0 || iy >= int(p.H) || ix >= int(p.W)) {
		return 0;
	}
	return WinoX[((b*p.H+uint(iy))*p.W+uint(ix))*p.C+c];
}

// WinoStoreV writes V[pos][t][c].
void WinoStoreV(inout WinoParams p, uint pos, uint t, uint c, float v) {
	WinoV[(pos*WinoTiles(p)+t)*p.C+c] = v;
}

// WinoInAt transforms channel c of tile t (i = t·C + c): V[4ξ+ν][t][c] = (Bᵀ·d·B)[ξ][ν]
// with Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1] and d the 4×4 patch whose top-left
// input pixel is (2·ty−1, 2·tx−1).
void WinoInAt(inout WinoParams p, uint i) {
	uint c = i % p.C;
	uint t = i / p.C;
	uint tx = t % p.TilesW;
	uint b = WinoTileImage(p, t);
	uint ty = WinoTileRow(p, t);
	int y = int(2*ty) - 1;
	int x = int(2*tx) - 1;
	float d00 = WinoLoadX(p, b, y, x, c);
	float d01 = WinoLoadX(p, b, y, x+1, c);
	float d02 = WinoLoadX(p, b, y, x+2, c);
	float d03 = WinoLoadX(p, b, y, x+3, c);
	float d10 = WinoLoadX(p, b, y+1, x, c);
	float d11 = WinoLoadX(p, b, y+1, x+1, c);
	float d12 = WinoLoadX(p, b, y+1, x+2, c);
	float d13 = WinoLoadX(p, b, y+1, x+3, c);
	float d20 = WinoLoadX(p, b, y+2, x, c);
	float d21 = WinoLoadX(p, b, y+2, x+1, c);
	float d22 = WinoLoadX(p, b, y+2, x+2, c);
	float d23 = WinoLoadX(p, b, y+2, x+3, c);
	float d30 = WinoLoadX(p, b, y+3, x, c);
	float d31 = WinoLoadX(p, b, y+3, x+1, c);
	float d32 = WinoLoadX(p, b, y+3, x+2, c);
	float d33 = WinoLoadX(p, b, y+3, x+3, c);
	// e = Bᵀ·d
	float e00 = d00 - d20;
	float e10 = d10 + d20;
	float e20 = d20 - d10;
	float e30 = d10 - d30;
	float e01 = d01 - d21;
	float e11 = d11 + d21;
	float e21 = d21 - d11;
	float e31 = d11 - d31;
	float e02 = d02 - d22;
	float e12 = d12 + d22;
	float e22 = d22 - d12;
	float e32 = d12 - d32;
	float e03 = d03 - d23;
	float e13 = d13 + d23;
	float e23 = d23 - d13;
	float e33 = d13 - d33;
	// V = e·B
	WinoStoreV(p, 0, t, c, e00-e02);
	WinoStoreV(p, 1, t, c, e01+e02);
	WinoStoreV(p, 2, t, c, e02-e01);
	WinoStoreV(p, 3, t, c, e01-e03);
	WinoStoreV(p, 4, t, c, e10-e12);
	WinoStoreV(p, 5, t, c, e11+e12);
	WinoStoreV(p, 6, t, c, e12-e11);
	WinoStoreV(p, 7, t, c, e11-e13);
	WinoStoreV(p, 8, t, c, e20-e22);
	WinoStoreV(p, 9, t, c, e21+e22);
	WinoStoreV(p, 10, t, c, e22-e21);
	WinoStoreV(p, 11, t, c, e21-e23);
	WinoStoreV(p, 12, t, c, e30-e32);
	WinoStoreV(p, 13, t, c, e31+e32);
	WinoStoreV(p, 14, t, c, e32-e31);
	WinoStoreV(p, 15, t, c, e31-e33);
}
#endif // __WINOFAM_HLSL__

#ifndef __TEXMMA_HLSL__
#define __TEXMMA_HLSL__


float4 TexHalves(uint2 w) {
	return float4(f16tof32(w.x), f16tof32(w.x >> 16), f16tof32(w.y), f16tof32(w.y >> 16));
}
#define TEX_MMA_K(RV, C, B, TN) \
	[unroll] for (uint j = 0; j < TN; j++) { mmaS[j] = mad(RV.C, B[j].C, mmaS[j]); }
#define TEX_MMA_ROW(acc, i, RX, RY, b0, b1, TN) { \
	float mmaS[TN]; \
	[unroll] for (uint j = 0; j < TN; j++) { mmaS[j] = acc[i][j]; } \
	TEX_MMA_K(RX, x, b0, TN) TEX_MMA_K(RX, y, b0, TN) TEX_MMA_K(RX, z, b0, TN) TEX_MMA_K(RX, w, b0, TN) \
	TEX_MMA_K(RY, x, b1, TN) TEX_MMA_K(RY, y, b1, TN) TEX_MMA_K(RY, z, b1, TN) TEX_MMA_K(RY, w, b1, TN) \
	[unroll] for (uint j = 0; j < TN; j++) { acc[i][j] = mmaS[j]; } \
}
#define TEX_MMA(acc, a0, a1, b0, b1, TM, TN) \
	[unroll] for (uint i = 0; i < TM; i++) { \
		float4 x = WaveReadLaneAt(a0[i / 8], i % 8); \
		float4 y = WaveReadLaneAt(a1[i / 8], i % 8); \
		TEX_MMA_ROW(acc, i, x, y, b0, b1, TN) \
	}
#endif // __TEXMMA_HLSL__

#ifndef __TEXMMA_HLSL__
#define __TEXMMA_HLSL__


float4 TexHalves(uint2 w) {
	return float4(f16tof32(w.x), f16tof32(w.x >> 16), f16tof32(w.y), f16tof32(w.y >> 16));
}
#define TEX_MMA_ROW(acc, i, RX, RY, b0, b1, TN) \
	[unroll] for (uint j = 0; j < TN; j++) { \
		float s = acc[i][j]; \
		s = mad(RX.x, b0[j].x, s); \
		s = mad(RX.y, b0[j].y, s); \
		s = mad(RX.z, b0[j].z, s); \
		s = mad(RX.w, b0[j].w, s); \
		s = mad(RY.x, b1[j].x, s); \
		s = mad(RY.y, b1[j].y, s); \
		s = mad(RY.z, b1[j].z, s); \
		s = mad(RY.w, b1[j].w, s); \
		acc[i][j] = s; \
	}
#define TEX_MMA(acc, a0, a1, b0, b1, TM, TN) \
	[unroll] for (uint i = 0; i < TM; i++) { \
		float4 x = WaveReadLaneAt(a0[i / 8], i % 8); \
		float4 y = WaveReadLaneAt(a1[i / 8], i % 8); \
		TEX_MMA_ROW(acc, i, x, y, b0, b1, TN) \
	}
#endif // __TEXMMA_HLSL__

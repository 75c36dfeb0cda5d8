#ifndef __BIGMMA_HLSL__
#define __BIGMMA_HLSL__


#define TBK 16
#define LDS 132
#define BIG_MMA(acc, As, Bs, tx, ty) \
	[unroll] for (uint kk = 0; kk < TBK; kk++) { \
		float a[8], b[8]; \
		[unroll] for (uint i = 0; i < 8; i++) { a[i] = As[kk * LDS + (i / 4) * 64 + ty * 4 + i % 4]; } \
		[unroll] for (uint j = 0; j < 8; j++) { b[j] = Bs[kk * LDS + (j / 4) * 64 + tx * 4 + j % 4]; } \
		[unroll] for (uint i = 0; i < 8; i++) { [unroll] for (uint j = 0; j < 8; j++) { acc[i][j] = mad(a[i], b[j], acc[i][j]); } } \
	}
#endif // __BIGMMA_HLSL__

#ifndef __CONV_TILE_HLSL__
#define __CONV_TILE_HLSL__


#include "conv.hlsl"
[[vk::push_constant]] cbuffer PC { ConvParams P; };
// sdgo:variant conv_tile_f16 -DCONV_F16=1
#define TBK 16
groupshared float Xs[TBK][64 + 1];
groupshared float Ws[TBK][64 + 1];
[numthreads(256, 1, 1)]
void main(uint3 gid : SV_GroupID, uint3 lid : SV_GroupThreadID) {
	ConvParams p = P;
	uint KK = ConvK(p);
	uint KHW = p.KH * p.KW;
	uint ldw = ConvLdW(p);
	uint npix = p.Rows * p.OW;
	uint M = p.N * npix;
	uint t = lid.x;
	uint tx = t % 16;
	uint ty = t / 16;
	uint c0 = gid.x * 64;
	uint m0 = gid.y * 64;
	uint lr = t / 4;
	uint lk = (t % 4) * 4;
	uint lm = min(m0 + lr, M - 1);
	uint lb = lm / npix;
	uint lrr = lm % npix;
	int liy = int((p.OY0 + lrr / p.OW) * p.Stride) - int(p.PadT);
	int lix = int((lrr % p.OW) * p.Stride) - int(p.PadL);
	uint lwoff = min(c0 + lr, p.Cout - 1) * ldw;
	float acc[4][4];
	[unroll] for (uint i = 0; i < 4; i++) { [unroll] for (uint j = 0; j < 4; j++) { acc[i][j] = 0; } }
	for (uint k0 = 0; k0 < KK; k0 += TBK) {
		[unroll] for (uint q = 0; q < 4; q++) {
			uint k = k0 + lk + q;
			bool ok = k < KK;
			uint kc = ok ? k : 0;
			uint ci = kc / KHW;
			uint tap = kc % KHW;
			float xv = ConvLoadX(p, lb, ci, liy + int(tap / p.KW), lix + int(tap % p.KW));
			Xs[lk + q][lr] = ok ? xv : 0;
#ifdef CONV_F16
			Ws[lk + q][lr] = ok ? f16tof32(ConvBufW[lwoff + (kc >> 1)] >> ((kc & 1) * 16)) : 0;
#else
			Ws[lk + q][lr] = ok ? asfloat(ConvBufW[lwoff + kc]) : 0;
#endif
		}
		GroupMemoryBarrierWithGroupSync();
		for (uint kk = 0; kk < TBK; kk++) {
			float a[4], b[4];
			[unroll] for (uint i = 0; i < 4; i++) { a[i] = Xs[kk][ty + 16 * i]; }
			[unroll] for (uint j = 0; j < 4; j++) { b[j] = Ws[kk][tx + 16 * j]; }
			[unroll] for (uint i = 0; i < 4; i++) { [unroll] for (uint j = 0; j < 4; j++) { acc[i][j] = mad(a[i], b[j], acc[i][j]); } }
		}
		GroupMemoryBarrierWithGroupSync();
	}
	float outv[16];
	[unroll] for (uint i = 0; i < 4; i++) { [unroll] for (uint j = 0; j < 4; j++) { outv[i * 4 + j] = acc[i][j]; } }
	[loop] for (uint q = 0; q < 16; q++) {
		uint m = m0 + ty + 16 * (q / 4);
		uint co = c0 + tx + 16 * (q % 4);
		if (m < M && co < p.Cout) {
			uint b = m / npix;
			uint r = m % npix;
			ConvStore(p, b, co, p.OY0 + r / p.OW, r % p.OW, outv[q]);
		}
	}
}
#endif // __CONV_TILE_HLSL__

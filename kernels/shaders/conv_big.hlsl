#ifndef __CONV_BIG_HLSL__
#define __CONV_BIG_HLSL__


#include "conv.hlsl"
[[vk::push_constant]] cbuffer PC { ConvParams P; };
// sdgo:variant conv_big_f16 -DCONV_F16=1
#include "bigmma.hlsl"
groupshared float Xs[TBK * LDS];
groupshared float Ws[TBK * LDS];
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
	uint c0 = gid.x * 128;
	uint m0 = gid.y * 128;
	uint lr = t / 2;
	uint lk = (t % 2) * 8;
	uint lm = min(m0 + lr, M - 1);
	uint lb = lm / npix;
	uint lrr = lm % npix;
	int liy = int((p.OY0 + lrr / p.OW) * p.Stride) - int(p.PadT);
	int lix = int((lrr % p.OW) * p.Stride) - int(p.PadL);
	uint lwoff = min(c0 + lr, p.Cout - 1) * ldw;
	float acc[8][8];
	[unroll] for (uint i = 0; i < 8; i++) { [unroll] for (uint j = 0; j < 8; j++) { acc[i][j] = 0; } }
	for (uint k0 = 0; k0 < KK; k0 += TBK) {
		[unroll] for (uint q = 0; q < 8; q++) {
			uint k = k0 + lk + q;
			bool ok = k < KK;
			uint kc = ok ? k : 0;
			uint ci = kc / KHW;
			uint tap = kc % KHW;
			float xv = ConvLoadX(p, lb, ci, liy + int(tap / p.KW), lix + int(tap % p.KW));
			Xs[(lk + q) * LDS + lr] = ok ? xv : 0;
#ifdef CONV_F16
			Ws[(lk + q) * LDS + lr] = ok ? f16tof32(ConvBufW[lwoff + (kc >> 1)] >> ((kc & 1) * 16)) : 0;
#else
			Ws[(lk + q) * LDS + lr] = ok ? asfloat(ConvBufW[lwoff + kc]) : 0;
#endif
		}
		GroupMemoryBarrierWithGroupSync();
		BIG_MMA(acc, Xs, Ws, tx, ty);
		GroupMemoryBarrierWithGroupSync();
	}
	float outv[64];
	[unroll] for (uint i = 0; i < 8; i++) { [unroll] for (uint j = 0; j < 8; j++) { outv[i * 8 + j] = acc[i][j]; } }
	[loop] for (uint q = 0; q < 64; q++) {
		uint m = m0 + (q / 32) * 64 + ty * 4 + (q / 8) % 4;
		uint co = c0 + ((q % 8) / 4) * 64 + tx * 4 + q % 4;
		if (m < M && co < p.Cout) {
			uint b = m / npix;
			uint r = m % npix;
			ConvStore(p, b, co, p.OY0 + r / p.OW, r % p.OW, outv[q]);
		}
	}
}
#endif // __CONV_BIG_HLSL__

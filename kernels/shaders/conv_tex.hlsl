#ifndef __CONV_TEX_HLSL__
#define __CONV_TEX_HLSL__


#include "conv.hlsl"
#include "texmma.hlsl"
#define QUEUE_BINDING 5
#include "queue.hlsl"
[[vk::push_constant]] cbuffer PC { ConvParams P; };
[[vk::binding(0, 0)]] Buffer<uint4> ConvTexX;
[[vk::binding(1, 0)]] Buffer<uint4> ConvTexW;
// sdgo:variant conv_tex_f16 -DCONV_F16=1
// sdgo:variant conv_tex4x4 -DCONV_IMG=4
// sdgo:variant conv_tex4x4_f16 -DCONV_F16=1 -DCONV_IMG=4
#define CTM 32
#define CTN 4
#define CQ (CTM / 8)
// CONV_TEX_B loads the lane's weights (b0, b1) of tap-major column k: 8 of them.
#ifdef CONV_F16
#define CONV_TEX_B(k) \
	[unroll] for (uint j = 0; j < CTN; j++) { \
		uint4 w = ConvTexW[(woff[j] + ((k) >> 1)) >> 2]; \
		b0[j] = TexHalves(w.xy); \
		b1[j] = TexHalves(w.zw); \
	}
#else
#define CONV_TEX_B(k) \
	[unroll] for (uint j = 0; j < CTN; j++) { \
		uint t = (woff[j] + (k)) >> 2; \
		b0[j] = asfloat(ConvTexW[t]); \
		b1[j] = asfloat(ConvTexW[t + 1]); \
	}
#endif
void convTexTile(uint3 gid, uint3 lid) {
	ConvParams p = P;
	uint ldw = ConvLdW(p);
	uint ctex = p.Cin >> 2; // texels per pixel of X
	uint c0 = gid.x * 8 * CTN + lid.x;
	uint woff[CTN]; // in words
	[unroll] for (uint j = 0; j < CTN; j++) { woff[j] = min(c0 + 8 * j, p.Cout - 1) * ldw; }
	uint npix = p.Rows * p.OW;
	uint M = p.N * npix;
	uint m0 = gid.y * CTM;
	float acc[CTM][CTN];
	[unroll] for (uint i = 0; i < CTM; i++) { [unroll] for (uint j = 0; j < CTN; j++) { acc[i][j] = 0; } }
#ifdef CONV_IMG
	uint xo[CQ]; // texel of channel 0 of the row's pixel
	[unroll] for (uint q = 0; q < CQ; q++) { xo[q] = min(m0 + 8 * q + lid.x, M - 1) * ctex; }
	for (uint ci = 0; ci < p.Cin; ci += 8) {
		float4 a0[CQ], a1[CQ];
		[unroll] for (uint q = 0; q < CQ; q++) {
			a0[q] = asfloat(ConvTexX[xo[q] + (ci >> 2)]);
			a1[q] = asfloat(ConvTexX[xo[q] + (ci >> 2) + 1]);
		}
		[unroll] for (uint tap = 0; tap < 9; tap++) {
			float4 b0[CTN], b1[CTN];
			CONV_TEX_B(tap * p.Cin + ci);
			[unroll] for (uint i = 0; i < CTM; i++) {
				int sy = int(i % (CONV_IMG * CONV_IMG) / CONV_IMG + tap / 3) - 1;
				int sx = int(i % CONV_IMG + tap % 3) - 1;
				if (sy >= 0 && sy < CONV_IMG && sx >= 0 && sx < CONV_IMG) {
					uint src = i - i % (CONV_IMG * CONV_IMG) + uint(sy * CONV_IMG + sx); // the tap's input row
					float4 x = WaveReadLaneAt(a0[src / 8], src % 8);
					float4 y = WaveReadLaneAt(a1[src / 8], src % 8);
					TEX_MMA_ROW(acc, i, x, y, b0, b1, CTN);
				}
			}
		}
	}
#else
	uint img[CQ];
	int iy0[CQ];
	int ix0[CQ];
	[unroll] for (uint q = 0; q < CQ; q++) {
		uint m = min(m0 + 8 * q + lid.x, M - 1);
		uint r = m % npix;
		img[q] = m / npix;
		iy0[q] = int((p.OY0 + r / p.OW) * p.Stride) - int(p.PadT);
		ix0[q] = int((r % p.OW) * p.Stride) - int(p.PadL);
	}
	for (uint tap = 0; tap < p.KH * p.KW; tap++) {
		uint ky = tap / p.KW;
		uint kx = tap % p.KW;
		uint xo[CQ]; // texel of channel 0 of the tap's input pixel (0 in the padding)
		float vf[CQ];
		[unroll] for (uint q = 0; q < CQ; q++) {
			int iy = iy0[q] + int(ky);
			int ix = ix0[q] + int(kx);
			bool ok = iy >= 0 && ix >= 0 && iy < int(p.H) && ix < int(p.W);
			xo[q] = ok ? ((img[q] * p.H + uint(iy)) * p.W + uint(ix)) * ctex : 0;
			vf[q] = ok ? 1.0 : 0.0;
		}
		uint kt = tap * p.Cin; // weight column of (tap, channel 0)
		for (uint ci = 0; ci < p.Cin; ci += 8) {
			float4 a0[CQ], a1[CQ];
			[unroll] for (uint q = 0; q < CQ; q++) {
				a0[q] = asfloat(ConvTexX[xo[q] + (ci >> 2)]) * vf[q];
				a1[q] = asfloat(ConvTexX[xo[q] + (ci >> 2) + 1]) * vf[q];
			}
			float4 b0[CTN], b1[CTN];
			CONV_TEX_B(kt + ci);
			TEX_MMA(acc, a0, a1, b0, b1, CTM, CTN);
		}
	}
#endif
	// The bias is added once per channel. The stores loop over the rows: unrolled, each
	// a loop over the lanes in llvmpipe, they took 80% of the kernel's first-run JIT
	// (4 s against 0.7 s) and were no faster. The loop puts acc in private memory
	// (llvmpipe spills it anyway; a GPU forced onto this kernel pays for it).
	if ((p.Flags & ConvBias) != 0) {
		[unroll] for (uint j = 0; j < CTN; j++) {
			float bj = ConvBufBias[min(c0 + 8 * j, p.Cout - 1)];
			[unroll] for (uint i = 0; i < CTM; i++) { acc[i][j] += bj; }
		}
		p.Flags &= ~ConvBias;
	}
	if ((p.Flags & ConvResidual) == 0) {
		[loop] for (uint i = 0; i < CTM; i++) {
			uint m = m0 + i;
			uint b = m / npix;
			uint r = m % npix;
			uint pix = (p.OY0 + r / p.OW) * p.OW + r % p.OW;
			[unroll] for (uint j = 0; j < CTN; j++) {
				uint co = c0 + 8 * j;
				if (m < M && co < p.Cout) { ConvBufY[(b * p.Cout + co) * p.OH * p.OW + pix] = acc[i][j]; }
			}
		}
		return;
	}
	float outv[CTM * CTN];
	[unroll] for (uint i = 0; i < CTM; i++) { [unroll] for (uint j = 0; j < CTN; j++) { outv[i * CTN + j] = acc[i][j]; } }
	[loop] for (uint t = 0; t < CTM * CTN; t++) {
		uint i = t / CTN;
		uint j = t % CTN;
		uint m = m0 + i;
		uint co = c0 + 8 * j;
		if (m < M && co < p.Cout) {
			uint b = m / npix;
			uint r = m % npix;
			ConvStore(p, b, co, p.OY0 + r / p.OW, r % p.OW, outv[t]);
		}
	}
}
[numthreads(8, 1, 1)]
void main(uint3 lid : SV_GroupThreadID) {
	uint gx = (P.Cout + 8 * CTN - 1) / (8 * CTN);
	uint gy = (P.N * P.Rows * P.OW + CTM - 1) / CTM;
	for (uint t = QueueTake(lid.x); t < gx * gy; t = QueueTake(lid.x)) {
		convTexTile(QueueTile(t, gx, gy), lid);
	}
	QueueDone(lid.x);
}
#endif // __CONV_TEX_HLSL__

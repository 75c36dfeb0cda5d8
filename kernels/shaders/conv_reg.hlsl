#ifndef __CONV_REG_HLSL__
#define __CONV_REG_HLSL__


#include "conv.hlsl"
[[vk::push_constant]] cbuffer PC { ConvParams P; };
// sdgo:variant conv_reg_f16 -DCONV_F16=1
#ifndef CTM
#define CTM 32
#endif
#ifndef CTN
#define CTN 4
#endif
#define CQ (CTM / 8)
#ifdef CONV_F16
#define LOADW(off, k) f16tof32(ConvBufW[(off) + ((k) >> 1)] >> (((k) & 1) * 16))
#else
#define LOADW(off, k) asfloat(ConvBufW[(off) + (k)])
#endif
[numthreads(8, 1, 1)]
void main(uint3 gid : SV_GroupID, uint3 lid : SV_GroupThreadID) {
	ConvParams p = P;
	uint KK = ConvK(p);
	uint KHW = p.KH * p.KW;
	uint HW = p.H * p.W;
	uint ldw = ConvLdW(p);
	uint c0 = gid.x * 8 * CTN + lid.x;
	uint woff[CTN];
	[unroll] for (uint j = 0; j < CTN; j++) { woff[j] = min(c0 + 8 * j, p.Cout - 1) * ldw; }
	uint npix = p.Rows * p.OW;
	uint M = p.N * npix;
	uint m0 = gid.y * CTM;
	// lane l holds pixel m0 + 8q + l of each group q
	uint xb[CQ];
	int iy0[CQ];
	int ix0[CQ];
	[unroll] for (uint q = 0; q < CQ; q++) {
		uint m = min(m0 + 8 * q + lid.x, M - 1);
		uint b = m / npix;
		uint r = m % npix;
		uint oy = p.OY0 + r / p.OW;
		uint ox = r % p.OW;
		xb[q] = b * p.Cin * HW;
		iy0[q] = int(oy * p.Stride) - int(p.PadT);
		ix0[q] = int(ox * p.Stride) - int(p.PadL);
	}
	float acc[CTM][CTN];
	[unroll] for (uint i = 0; i < CTM; i++) { [unroll] for (uint j = 0; j < CTN; j++) { acc[i][j] = 0; } }
	for (uint ky = 0; ky < p.KH; ky++) {
		for (uint kx = 0; kx < p.KW; kx++) {
			uint tap = ky * p.KW + kx;
			uint xo[CQ];
			float vf[CQ];
			[unroll] for (uint q = 0; q < CQ; q++) {
				int iy = iy0[q] + int(ky);
				int ix = ix0[q] + int(kx);
				bool ok = iy >= 0 && ix >= 0 && iy < int(p.H) && ix < int(p.W);
				xo[q] = xb[q] + (ok ? uint(iy) * p.W + uint(ix) : 0);
				vf[q] = ok ? 1.0 : 0.0;
			}
			uint ci = 0;
			for (; ci + 2 <= p.Cin; ci += 2) {
				uint k0 = ci * KHW + tap;
				uint k1 = k0 + KHW;
				float b0[CTN], b1[CTN];
				[unroll] for (uint j = 0; j < CTN; j++) { b0[j] = LOADW(woff[j], k0); b1[j] = LOADW(woff[j], k1); }
				float x0[CQ], x1[CQ];
				[unroll] for (uint q = 0; q < CQ; q++) {
					x0[q] = ConvBufX[xo[q] + ci * HW] * vf[q];
					x1[q] = ConvBufX[xo[q] + (ci + 1) * HW] * vf[q];
				}
				[unroll] for (uint i = 0; i < CTM; i++) {
					float a0 = WaveReadLaneAt(x0[i / 8], i % 8);
					float a1 = WaveReadLaneAt(x1[i / 8], i % 8);
					[unroll] for (uint j = 0; j < CTN; j++) {
						acc[i][j] = mad(a0, b0[j], acc[i][j]);
						acc[i][j] = mad(a1, b1[j], acc[i][j]);
					}
				}
			}
			if (ci < p.Cin) {
				uint k0 = ci * KHW + tap;
				float b0[CTN];
				[unroll] for (uint j = 0; j < CTN; j++) { b0[j] = LOADW(woff[j], k0); }
				float x0[CQ];
				[unroll] for (uint q = 0; q < CQ; q++) { x0[q] = ConvBufX[xo[q] + ci * HW] * vf[q]; }
				[unroll] for (uint i = 0; i < CTM; i++) {
					float a0 = WaveReadLaneAt(x0[i / 8], i % 8);
					[unroll] for (uint j = 0; j < CTN; j++) { acc[i][j] = mad(a0, b0[j], acc[i][j]); }
				}
			}
		}
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
#endif // __CONV_REG_HLSL__

#ifndef __FLASH_TEX_D40_HLSL__
#define __FLASH_TEX_D40_HLSL__


// sdgo:variant flash_tex_d64 -DFTD=8 -DFTR=16
// sdgo:variant flash_tex_d80 -DFTD=10 -DFTR=16
// sdgo:variant flash_tex_d160 -DFTD=20 -DFTR=8
#include "attparams.hlsl"
#include "texmma.hlsl"
[[vk::push_constant]] cbuffer PC { AttentionParams P; };
[[vk::binding(0, 0)]] Buffer<uint4> FtQ;
[[vk::binding(1, 0)]] Buffer<uint4> FtK;
[[vk::binding(2, 0)]] Buffer<uint4> FtVt;
[[vk::binding(3, 0)]] RWStructuredBuffer<float> FtO;
#define QUEUE_BINDING 4
#include "queue.hlsl"
#ifndef FTD
#define FTD 5
#define FTR 32
#endif
#define FTQ (FTR / 8)
#define FT_D (8 * FTD)
void flashTexTile(uint3 gid, uint3 lid) {
	AttentionParams p = P;
	uint b = gid.z;
	uint h = gid.y;
	uint m0 = gid.x * FTR;
	uint qoff[FTQ]; // in texels
	[unroll] for (uint q = 0; q < FTQ; q++) {
		qoff[q] = ((b * p.Tq + min(m0 + 8 * q + lid.x, p.Tq - 1)) * p.QRow + h * FT_D) >> 2;
	}
	float o[FTR][FTD];
	float m[FTR];
	float l[FTR]; // this lane's share of the row's sum
	[unroll] for (uint i = 0; i < FTR; i++) {
		m[i] = -1e30;
		l[i] = 0;
		[unroll] for (uint dd = 0; dd < FTD; dd++) { o[i][dd] = 0; }
	}
	float c = p.Scale * 1.4426950408889634; // exp(x) = exp2(x·log2 e)
	uint kbase = b * p.Tk * p.KRow + h * FT_D;
	uint vrow = (p.Tk + 31) & ~31u; // FlashTexVtRow
	uint vbase = (b * p.H + h) * FT_D * vrow;
	[loop] for (uint j0 = 0; j0 < p.Tk; j0 += 32) {
		uint koff[4]; // in texels
		[unroll] for (uint jj = 0; jj < 4; jj++) { koff[jj] = (kbase + min(j0 + 8 * jj + lid.x, p.Tk - 1) * p.KRow) >> 2; }
		float sc[FTR][4];
		[unroll] for (uint i = 0; i < FTR; i++) {
			[unroll] for (uint jj = 0; jj < 4; jj++) { sc[i][jj] = 0; }
		}
		[loop] for (uint kt = 0; kt < FT_D / 4; kt += 2) {
			float4 a0[FTQ], a1[FTQ];
			[unroll] for (uint q = 0; q < FTQ; q++) {
				a0[q] = asfloat(FtQ[qoff[q] + kt]);
				a1[q] = asfloat(FtQ[qoff[q] + kt + 1]);
			}
			float4 b0[4], b1[4];
			[unroll] for (uint jj = 0; jj < 4; jj++) {
				b0[jj] = asfloat(FtK[koff[jj] + kt]);
				b1[jj] = asfloat(FtK[koff[jj] + kt + 1]);
			}
			TEX_MMA(sc, a0, a1, b0, b1, FTR, 4);
		}
		if (j0 + 32 > p.Tk) { // the last block of a ragged key count: no keys past Tk
			[unroll] for (uint jj = 0; jj < 4; jj++) {
				bool past = j0 + 8 * jj + lid.x >= p.Tk;
				[unroll] for (uint i = 0; i < FTR; i++) { sc[i][jj] = past ? -1e30 : sc[i][jj]; }
			}
		}
		[unroll] for (uint i = 0; i < FTR; i++) {
			float mb = max(max(sc[i][0], sc[i][1]), max(sc[i][2], sc[i][3])) * c;
			mb = max(mb, WaveReadLaneAt(mb, lid.x ^ 1));
			mb = max(mb, WaveReadLaneAt(mb, lid.x ^ 2));
			mb = max(m[i], max(mb, WaveReadLaneAt(mb, lid.x ^ 4)));
			float corr = exp2(m[i] - mb);
			m[i] = mb;
			float ls = l[i] * corr;
			[unroll] for (uint jj = 0; jj < 4; jj++) {
				float e = exp2(sc[i][jj] * c - mb);
				sc[i][jj] = e;
				ls += e;
			}
			l[i] = ls;
			[unroll] for (uint dd = 0; dd < FTD; dd++) { o[i][dd] *= corr; }
		}
		[unroll] for (uint jj = 0; jj < 4; jj++) {
			float4 v0[FTD], v1[FTD];
			[unroll] for (uint dd = 0; dd < FTD; dd++) {
				uint vo = (vbase + (8 * dd + lid.x) * vrow + j0 + 8 * jj) >> 2;
				v0[dd] = asfloat(FtVt[vo]);
				v1[dd] = asfloat(FtVt[vo + 1]);
			}
			[unroll] for (uint i = 0; i < FTR; i++) {
				float4 x = float4(WaveReadLaneAt(sc[i][jj], 0), WaveReadLaneAt(sc[i][jj], 1), WaveReadLaneAt(sc[i][jj], 2), WaveReadLaneAt(sc[i][jj], 3));
				float4 y = float4(WaveReadLaneAt(sc[i][jj], 4), WaveReadLaneAt(sc[i][jj], 5), WaveReadLaneAt(sc[i][jj], 6), WaveReadLaneAt(sc[i][jj], 7));
				[unroll] for (uint dd = 0; dd < FTD; dd++) {
					float a = o[i][dd];
					a = mad(x.x, v0[dd].x, a);
					a = mad(x.y, v0[dd].y, a);
					a = mad(x.z, v0[dd].z, a);
					a = mad(x.w, v0[dd].w, a);
					a = mad(y.x, v1[dd].x, a);
					a = mad(y.y, v1[dd].y, a);
					a = mad(y.z, v1[dd].z, a);
					a = mad(y.w, v1[dd].w, a);
					o[i][dd] = a;
				}
			}
		}
	}
	// // A loop over the rows: their stores unrolled took 3/4 of llvmpipe's first-run JIT.
	// // It puts the accumulators in private memory (llvmpipe spills them anyway; a GPU
	// // forced onto this kernel pays for it).
	[loop] for (uint i = 0; i < FTR; i++) {
		float sum = l[i] + WaveReadLaneAt(l[i], lid.x ^ 1);
		sum += WaveReadLaneAt(sum, lid.x ^ 2);
		float inv = 1 / (sum + WaveReadLaneAt(sum, lid.x ^ 4));
		uint qi = m0 + i;
		if (qi < p.Tq) {
			uint ob = (b * p.Tq + qi) * p.ORow + h * FT_D + lid.x;
			[unroll] for (uint dd = 0; dd < FTD; dd++) { FtO[ob + 8 * dd] = o[i][dd] * inv; }
		}
	}
}
[numthreads(8, 1, 1)]
void main(uint3 lid : SV_GroupThreadID) {
	uint gx = (P.Tq + FTR - 1) / FTR;
	for (uint t = QueueTake(lid.x); t < gx * P.H * P.B; t = QueueTake(lid.x)) {
		flashTexTile(QueueTile(t, gx, P.H), lid);
	}
	QueueDone(lid.x);
}
#endif // __FLASH_TEX_D40_HLSL__

#ifndef __GEMM_TEX_HLSL__
#define __GEMM_TEX_HLSL__


#include "gemm.hlsl"
#include "texmma.hlsl"
#define QUEUE_BINDING 5
#include "queue.hlsl"
[[vk::push_constant]] cbuffer PC { GemmParams P; };
[[vk::binding(0, 0)]] Buffer<uint4> GemmTexA;
[[vk::binding(1, 0)]] Buffer<uint4> GemmTexB;
// sdgo:variant gemm_tex_f16 -DGEMM_F16=1
// sdgo:variant gemm_tex5 -DGTN=5
// sdgo:variant gemm_tex5_f16 -DGEMM_F16=1 -DGTN=5
// sdgo:variant gemm_texv -DGTM=8
// sdgo:variant gemm_texv_f16 -DGEMM_F16=1 -DGTM=8
// sdgo:variant gemm_texn -DGTN=1
// sdgo:variant gemm_texn_f16 -DGEMM_F16=1 -DGTN=1
#ifndef GTM
#define GTM 32
#endif
#ifndef GTN
#define GTN 4
#endif
#if GTN > 1
#define GTH (GTN / 2)
#else
#define GTH 1
#endif
#define GTQ (GTM / 8)
void gemmTexTile(uint3 gid, uint3 lid) {
	GemmParams p = P;
	uint bz = gid.z;
	bool geglu = p.Act == GemmActGeglu;
	uint cols = geglu ? GTH : GTN;
	uint n0 = gid.x * 8 * cols + lid.x;
	uint ldb = GemmLdB(p);
	uint boff[GTN]; // in texels
	[unroll] for (uint j = 0; j < GTN; j++) {
		uint jj = geglu ? (j % GTH) : j;
		uint n = min(n0 + 8 * jj, p.N - 1);
		uint row = (geglu && j >= GTH) ? n + p.N : n;
		boff[j] = (bz * p.StrideB + row * ldb) >> 2;
	}
	uint m0 = gid.y * GTM;
	uint aoff[GTQ]; // in texels
	[unroll] for (uint q = 0; q < GTQ; q++) {
		aoff[q] = (bz * p.StrideA + min(m0 + 8 * q + lid.x, p.M - 1) * p.K) >> 2;
	}
	float acc[GTM][GTN];
	[unroll] for (uint i = 0; i < GTM; i++) {
		[unroll] for (uint j = 0; j < GTN; j++) { acc[i][j] = 0; }
	}
	for (uint k = 0; k < p.K; k += 8) {
		uint kt = k >> 2;
		float4 a0[GTQ], a1[GTQ];
		[unroll] for (uint q = 0; q < GTQ; q++) {
			a0[q] = asfloat(GemmTexA[aoff[q] + kt]);
			a1[q] = asfloat(GemmTexA[aoff[q] + kt + 1]);
		}
		float4 b0[GTN], b1[GTN];
		[unroll] for (uint j = 0; j < GTN; j++) {
#ifdef GEMM_F16
			uint4 w = GemmTexB[boff[j] + (kt >> 1)];
			b0[j] = TexHalves(w.xy);
			b1[j] = TexHalves(w.zw);
#else
			b0[j] = asfloat(GemmTexB[boff[j] + kt]);
			b1[j] = asfloat(GemmTexB[boff[j] + kt + 1]);
#endif
		}
		TEX_MMA(acc, a0, a1, b0, b1, GTM, GTN);
	}
	// The bias is added here, once per column, not per element in GemmStore.
	if ((p.Flags & GemmBias) != 0) {
		[unroll] for (uint j = 0; j < GTN; j++) {
			uint jj = geglu ? (j % GTH) : j;
			uint n = min(n0 + 8 * jj, p.N - 1);
			float bj = GemmBufBias[(geglu && j >= GTH) ? n + p.N : n];
			[unroll] for (uint i = 0; i < GTM; i++) { acc[i][j] += bj; }
		}
		p.Flags &= ~GemmBias;
	}
	// // The stores loop over the rows: unrolled, each a loop over the lanes in
	// // llvmpipe, they took 80% of the kernel's first-run JIT and were no faster. The
	// // loop puts acc in private memory (llvmpipe spills it anyway; a GPU forced onto
	// // this kernel pays for it).
	if (p.Act == GemmActNone && (p.Flags & GemmResidual) == 0) {
		[loop] for (uint i = 0; i < GTM; i++) {
			[unroll] for (uint j = 0; j < GTN; j++) {
				uint m = m0 + i;
				uint n = n0 + 8 * j;
				if (m < p.M && n < p.N) { GemmBufC[bz * p.StrideC + m * p.N + n] = acc[i][j]; }
			}
		}
		return;
	}
	float outv[GTM * GTN];
	[unroll] for (uint i = 0; i < GTM; i++) {
		[unroll] for (uint j = 0; j < GTN; j++) { outv[i * GTN + j] = acc[i][j]; }
	}
	[loop] for (uint t = 0; t < GTM * cols; t++) {
		uint i = t / cols;
		uint j = t % cols;
		uint m = m0 + i;
		uint n = n0 + 8 * j;
		if (m < p.M && n < p.N) {
			GemmStore(p, bz, m, n, outv[i * GTN + j], geglu ? outv[i * GTN + j + GTH] : 0);
		}
	}
}
[numthreads(8, 1, 1)]
void main(uint3 lid : SV_GroupThreadID) {
	GemmParams p = P;
	uint cols = p.Act == GemmActGeglu ? GTH : GTN;
	uint gx = (p.N + 8 * cols - 1) / (8 * cols);
	uint gy = (p.M + GTM - 1) / GTM;
	for (uint t = QueueTake(lid.x); t < gx * gy * GemmBatch(p); t = QueueTake(lid.x)) {
		gemmTexTile(QueueTile(t, gx, gy), lid);
	}
	QueueDone(lid.x);
}
#endif // __GEMM_TEX_HLSL__

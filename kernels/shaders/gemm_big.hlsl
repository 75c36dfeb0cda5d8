#ifndef __GEMM_BIG_HLSL__
#define __GEMM_BIG_HLSL__


#include "gemm.hlsl"
[[vk::push_constant]] cbuffer PC { GemmParams P; };
// sdgo:variant gemm_big_f16 -DGEMM_F16=1
#include "bigmma.hlsl"
groupshared float As[TBK * LDS];
groupshared float Bs[TBK * LDS];
[numthreads(256, 1, 1)]
void main(uint3 gid : SV_GroupID, uint3 lid : SV_GroupThreadID) {
	GemmParams p = P;
	uint bz = gid.z;
	bool geglu = p.Act == GemmActGeglu;
	uint n0 = gid.x * (geglu ? 64 : 128);
	uint m0 = gid.y * 128;
	uint t = lid.x;
	uint tx = t % 16;
	uint ty = t / 16;
	uint ldb = GemmLdB(p);
	// loader: thread t loads tile row (and weight row) lr, k offsets lk .. lk+7
	uint lr = t / 2;
	uint lk = (t % 2) * 8;
	uint aoff = bz * p.StrideA + min(m0 + lr, p.M - 1) * p.K;
	uint bn = min(n0 + lr, p.N - 1);
	if (geglu) { bn = lr < 64 ? bn : min(n0 + lr - 64, p.N - 1) + p.N; }
	uint boff = bz * p.StrideB + bn * ldb;
	float acc[8][8];
	[unroll] for (uint i = 0; i < 8; i++) { [unroll] for (uint j = 0; j < 8; j++) { acc[i][j] = 0; } }
	for (uint k0 = 0; k0 < p.K; k0 += TBK) {
		[unroll] for (uint q = 0; q < 8; q++) {
			uint k = k0 + lk + q;
			bool ok = k < p.K;
			uint kc = ok ? k : 0;
			As[(lk + q) * LDS + lr] = ok ? GemmBufA[aoff + kc] : 0;
#ifdef GEMM_F16
			Bs[(lk + q) * LDS + lr] = ok ? f16tof32(GemmBufB[boff + (kc >> 1)] >> ((kc & 1) * 16)) : 0;
#else
			Bs[(lk + q) * LDS + lr] = ok ? asfloat(GemmBufB[boff + kc]) : 0;
#endif
		}
		GroupMemoryBarrierWithGroupSync();
		BIG_MMA(acc, As, Bs, tx, ty);
		GroupMemoryBarrierWithGroupSync();
	}
	float outv[64];
	[unroll] for (uint i = 0; i < 8; i++) { [unroll] for (uint j = 0; j < 8; j++) { outv[i * 8 + j] = acc[i][j]; } }
	uint tcols = geglu ? 4 : 8;
	[loop] for (uint q = 0; q < 8 * tcols; q++) {
		uint i = q / tcols;
		uint j = q % tcols;
		uint m = m0 + (i / 4) * 64 + ty * 4 + i % 4;
		uint n = n0 + (j / 4) * 64 + tx * 4 + j % 4;
		if (m < p.M && n < p.N) {
			GemmStore(p, bz, m, n, outv[i * 8 + j], geglu ? outv[i * 8 + j + 4] : 0);
		}
	}
}
#endif // __GEMM_BIG_HLSL__

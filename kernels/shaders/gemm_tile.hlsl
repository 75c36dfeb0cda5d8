#ifndef __GEMM_TILE_HLSL__
#define __GEMM_TILE_HLSL__


#include "gemm.hlsl"
[[vk::push_constant]] cbuffer PC { GemmParams P; };
// sdgo:variant gemm_tile_f16 -DGEMM_F16=1
#define TBK 16
groupshared float As[TBK][64 + 1];
groupshared float Bs[TBK][64 + 1];
[numthreads(256, 1, 1)]
void main(uint3 gid : SV_GroupID, uint3 lid : SV_GroupThreadID) {
	GemmParams p = P;
	uint bz = gid.z;
	bool geglu = p.Act == GemmActGeglu;
	uint cols = geglu ? 32 : 64;
	uint n0 = gid.x * cols;
	uint m0 = gid.y * 64;
	uint t = lid.x;
	uint tx = t % 16;
	uint ty = t / 16;
	uint ldb = GemmLdB(p);
	// loader: thread t loads elements (r, kk) with r = t/4 (+ 0) and kk = (t%4)*4 .. +3
	uint lr = t / 4;
	uint lk = (t % 4) * 4;
	uint am = min(m0 + lr, p.M - 1);
	uint aoff = bz * p.StrideA + am * p.K;
	uint bc = lr;
	uint bn = geglu ? (bc < 32 ? n0 + bc : n0 + bc - 32) : n0 + bc;
	bn = min(bn, p.N - 1);
	if (geglu && bc >= 32) { bn += p.N; }
	uint boff = bz * p.StrideB + bn * ldb;
	float acc[4][4];
	[unroll] for (uint i = 0; i < 4; i++) { [unroll] for (uint j = 0; j < 4; j++) { acc[i][j] = 0; } }
	for (uint k0 = 0; k0 < p.K; k0 += TBK) {
		[unroll] for (uint q = 0; q < 4; q++) {
			uint k = k0 + lk + q;
			bool ok = k < p.K;
			uint kc = ok ? k : 0;
			As[lk + q][lr] = ok ? GemmBufA[aoff + kc] : 0;
#ifdef GEMM_F16
			Bs[lk + q][lr] = ok ? f16tof32(GemmBufB[boff + (kc >> 1)] >> ((kc & 1) * 16)) : 0;
#else
			Bs[lk + q][lr] = ok ? asfloat(GemmBufB[boff + kc]) : 0;
#endif
		}
		GroupMemoryBarrierWithGroupSync();
		for (uint kk = 0; kk < TBK; kk++) {
			float a[4], b[4];
			[unroll] for (uint i = 0; i < 4; i++) { a[i] = As[kk][ty + 16 * i]; }
			[unroll] for (uint j = 0; j < 4; j++) { b[j] = Bs[kk][tx + 16 * j]; }
			[unroll] for (uint i = 0; i < 4; i++) { [unroll] for (uint j = 0; j < 4; j++) { acc[i][j] = mad(a[i], b[j], acc[i][j]); } }
		}
		GroupMemoryBarrierWithGroupSync();
	}
	float outv[16];
	[unroll] for (uint i = 0; i < 4; i++) { [unroll] for (uint j = 0; j < 4; j++) { outv[i * 4 + j] = acc[i][j]; } }
	uint tcols = geglu ? 2 : 4;
	[loop] for (uint q = 0; q < 4 * tcols; q++) {
		uint i = q / tcols;
		uint j = q % tcols;
		uint m = m0 + ty + 16 * i;
		uint n = n0 + tx + 16 * j;
		if (m < p.M && n < p.N) {
			GemmStore(p, bz, m, n, outv[i * 4 + j], geglu ? outv[i * 4 + j + 2] : 0);
		}
	}
}
#endif // __GEMM_TILE_HLSL__

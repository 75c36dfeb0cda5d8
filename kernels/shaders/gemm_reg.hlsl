#ifndef __GEMM_REG_HLSL__
#define __GEMM_REG_HLSL__


#include "gemm.hlsl"
[[vk::push_constant]] cbuffer PC { GemmParams P; };
[[vk::binding(0, 0)]] RWStructuredBuffer<float4> GemmA4;
[[vk::binding(1, 0)]] RWStructuredBuffer<uint4> GemmB4;
[[vk::binding(1, 0)]] RWStructuredBuffer<uint2> GemmB2;
// sdgo:variant gemm_reg_f16 -DGEMM_F16=1
#ifndef GTM
#define GTM 32
#endif
#ifndef GTN
#define GTN 4
#endif
#define GTH (GTN / 2)
#define GTQ (GTM / 8)
[numthreads(8, 1, 1)]
void main(uint3 gid : SV_GroupID, uint3 lid : SV_GroupThreadID) {
	GemmParams p = P;
	uint bz = gid.z;
	bool geglu = p.Act == GemmActGeglu;
	uint cols = geglu ? GTH : GTN;
	uint n0 = gid.x * 8 * cols + lid.x;
	uint ldb = GemmLdB(p);
	uint boff[GTN];
	[unroll] for (uint j = 0; j < GTN; j++) {
		uint jj = geglu ? (j % GTH) : j;
		uint n = min(n0 + 8 * jj, p.N - 1);
		uint row = (geglu && j >= GTH) ? n + p.N : n;
		boff[j] = bz * p.StrideB + row * ldb;
	}
	uint m0 = gid.y * GTM;
	uint aoff[GTQ];
	[unroll] for (uint q = 0; q < GTQ; q++) {
		aoff[q] = bz * p.StrideA + min(m0 + 8 * q + lid.x, p.M - 1) * p.K;
	}
	float acc[GTM][GTN];
	[unroll] for (uint i = 0; i < GTM; i++) {
		[unroll] for (uint j = 0; j < GTN; j++) { acc[i][j] = 0; }
	}
	uint k = 0;
	bool vec = (p.K % 4) == 0 && (p.StrideA % 4) == 0 && (p.StrideB % 4) == 0;
	if (vec) {
		for (; k < p.K; k += 4) {
			float4 av[GTQ];
			[unroll] for (uint q = 0; q < GTQ; q++) { av[q] = GemmA4[(aoff[q] + k) >> 2]; }
			float4 b[GTN];
#ifdef GEMM_F16
			[unroll] for (uint j = 0; j < GTN; j++) {
				uint2 w = GemmB2[(boff[j] + (k >> 1)) >> 1];
				b[j] = float4(f16tof32(w.x), f16tof32(w.x >> 16), f16tof32(w.y), f16tof32(w.y >> 16));
			}
#else
			[unroll] for (uint j = 0; j < GTN; j++) { b[j] = asfloat(GemmB4[(boff[j] + k) >> 2]); }
#endif
			[unroll] for (uint i = 0; i < GTM; i++) {
				float4 a = WaveReadLaneAt(av[i / 8], i % 8);
				[unroll] for (uint j = 0; j < GTN; j++) {
					acc[i][j] = mad(a.x, b[j].x, acc[i][j]);
					acc[i][j] = mad(a.y, b[j].y, acc[i][j]);
					acc[i][j] = mad(a.z, b[j].z, acc[i][j]);
					acc[i][j] = mad(a.w, b[j].w, acc[i][j]);
				}
			}
		}
	}
	for (; k < p.K; k++) {
		float av[GTQ];
		[unroll] for (uint q = 0; q < GTQ; q++) { av[q] = GemmBufA[aoff[q] + k]; }
		float b[GTN];
		[unroll] for (uint j = 0; j < GTN; j++) { b[j] = GemmLoadB(p, boff[j], k); }
		[unroll] for (uint i = 0; i < GTM; i++) {
			float a = WaveReadLaneAt(av[i / 8], i % 8);
			[unroll] for (uint j = 0; j < GTN; j++) { acc[i][j] = mad(a, b[j], acc[i][j]); }
		}
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
#endif // __GEMM_REG_HLSL__

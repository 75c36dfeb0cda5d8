#ifndef __GEMM_SPLITK_SUM_HLSL__
#define __GEMM_SPLITK_SUM_HLSL__


#include "gemm.hlsl"
[[vk::push_constant]] cbuffer PC { GemmParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	GemmParams p = P;
	if (id.x < p.N && id.y < GemmBatch(p) * p.M) {
		GemmSplitSumAt(p, id.y / p.M, id.y % p.M, id.x);
	}
}
#endif // __GEMM_SPLITK_SUM_HLSL__

#ifndef __CONCAT_TEX_HLSL__
#define __CONCAT_TEX_HLSL__


#include "catfam.hlsl"
[[vk::push_constant]] cbuffer PC { ConcatParams P; };
[[vk::binding(0, 0)]] Buffer<uint4> CatAt;
[[vk::binding(1, 0)]] Buffer<uint4> CatBt;
[[vk::binding(2, 0)]] RWStructuredBuffer<uint4> CatY4;
[numthreads(64, 1, 1)]
void main(uint3 gid : SV_GroupID, uint3 lid : SV_GroupThreadID) {
	ConcatParams p = P;
	uint a4 = p.AInner / 4;
	uint b4 = p.BInner / 4;
	uint b = gid.y;
	for (uint r = gid.x * 64 + lid.x; r < a4 + b4; r += p.Stride) {
		CatY4[b * (a4 + b4) + r] = r < a4 ? CatAt[b * a4 + r] : CatBt[b * b4 + r - a4];
	}
}
#endif // __CONCAT_TEX_HLSL__

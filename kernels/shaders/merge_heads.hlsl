#ifndef __MERGE_HEADS_HLSL__
#define __MERGE_HEADS_HLSL__


#include "headsfam.hlsl"
[[vk::push_constant]] cbuffer PC { HeadsParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	HeadsParams p = P;
	for (uint i = id.x; i < p.N; i += p.Stride) {
		MergeHeadsAt(p, i);
	}
}
#endif // __MERGE_HEADS_HLSL__

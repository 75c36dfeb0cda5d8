#ifndef __SPLIT_HEADS_HLSL__
#define __SPLIT_HEADS_HLSL__


#include "headsfam.hlsl"
[[vk::push_constant]] cbuffer PC { HeadsParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	HeadsParams p = P;
	for (uint i = id.x; i < p.N; i += p.Stride) {
		SplitHeadsAt(p, i);
	}
}
#endif // __SPLIT_HEADS_HLSL__

#ifndef __SPLIT_HEADS_HLSL__
#define __SPLIT_HEADS_HLSL__


#include "headsfam.hlsl"
[[vk::push_constant]] cbuffer PC { HeadsParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	HeadsParams p = P;
	uint chunks = HeadsChunks(p);
	for (uint j = id.x; j < chunks; j += p.Stride) {
		SplitHeadsChunk(p, j);
	}
}
#endif // __SPLIT_HEADS_HLSL__

#ifndef __TIMESTEP_EMBEDDING_HLSL__
#define __TIMESTEP_EMBEDDING_HLSL__


#include "tembfam.hlsl"
[[vk::push_constant]] cbuffer PC { TimestepParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	TimestepParams p = P;
	for (uint i = id.x; i < p.N; i += p.Stride) {
		TimestepAt(p, i);
	}
}
#endif // __TIMESTEP_EMBEDDING_HLSL__

#ifndef __CONCAT_HLSL__
#define __CONCAT_HLSL__


#include "catfam.hlsl"
[[vk::push_constant]] cbuffer PC { ConcatParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	ConcatParams p = P;
	for (uint i = id.x; i < p.N; i += p.Stride) {
		ConcatAt(p, i);
	}
}
#endif // __CONCAT_HLSL__

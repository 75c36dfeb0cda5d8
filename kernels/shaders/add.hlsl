#ifndef __ADD_HLSL__
#define __ADD_HLSL__


#include "binary.hlsl"
[[vk::push_constant]] cbuffer PC { BinaryParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	BinaryParams p = P;
	for (uint i = id.x; i < p.N; i += p.Stride) {
		AddAt(p, i);
	}
}
#endif // __ADD_HLSL__

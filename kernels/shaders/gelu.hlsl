#ifndef __GELU_HLSL__
#define __GELU_HLSL__


#include "elementwise.hlsl"
[[vk::push_constant]] cbuffer PC { ElemParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	ElemParams p = P;
	for (uint i = id.x; i < p.N; i += p.Stride) {
		GeluAt(p, i);
	}
}
#endif // __GELU_HLSL__

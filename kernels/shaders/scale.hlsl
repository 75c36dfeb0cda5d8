#ifndef __SCALE_HLSL__
#define __SCALE_HLSL__


#include "elementwise.hlsl"
[[vk::push_constant]] cbuffer PC { ElemParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	ElemParams p = P;
	for (uint i = id.x; i < p.N; i += p.Stride) {
		ScaleAt(p, i);
	}
}
#endif // __SCALE_HLSL__

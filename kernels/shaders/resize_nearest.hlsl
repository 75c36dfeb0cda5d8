#ifndef __RESIZE_NEAREST_HLSL__
#define __RESIZE_NEAREST_HLSL__


#include "resizefam.hlsl"
[[vk::push_constant]] cbuffer PC { ResizeParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	ResizeParams p = P;
	for (uint i = id.x; i < p.N; i += p.Stride) {
		ResizeNearestAt(p, i);
	}
}
#endif // __RESIZE_NEAREST_HLSL__

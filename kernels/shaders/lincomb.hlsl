#ifndef __LINCOMB_HLSL__
#define __LINCOMB_HLSL__


#include "lincombfam.hlsl"
[[vk::push_constant]] cbuffer PC { LincombParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	LincombParams p = P;
	for (uint i = id.x; i < p.N; i += p.Stride) {
		LincombAt(p, i);
	}
}
#endif // __LINCOMB_HLSL__

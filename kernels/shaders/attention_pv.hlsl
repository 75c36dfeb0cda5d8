#ifndef __ATTENTION_PV_HLSL__
#define __ATTENTION_PV_HLSL__


#include "attpvfam.hlsl"
[[vk::push_constant]] cbuffer PC { AttentionParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	AttentionParams p = P;
	uint n = p.NBH * p.Tq * p.D;
	for (uint e = id.x; e < n; e += p.Stride) {
		AttnPVAt(p, e);
	}
}
#endif // __ATTENTION_PV_HLSL__

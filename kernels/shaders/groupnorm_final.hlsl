#ifndef __GROUPNORM_FINAL_HLSL__
#define __GROUPNORM_FINAL_HLSL__


#include "gnfinal.hlsl"
[[vk::push_constant]] cbuffer PC { GroupNormParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	GroupNormParams p = P;
	uint n = p.B * p.G;
	for (uint i = id.x; i < n; i += p.Stride) {
		GnFinalAt(p, i);
	}
}
#endif // __GROUPNORM_FINAL_HLSL__

#ifndef __GROUPNORM_APPLY_HLSL__
#define __GROUPNORM_APPLY_HLSL__


#include "gnapply.hlsl"
[[vk::push_constant]] cbuffer PC { GroupNormParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	GroupNormParams p = P;
	uint n = p.B * p.C * p.HW;
	for (uint i = id.x; i < n; i += p.Stride) {
		GnApplyAt(p, i);
	}
}
#endif // __GROUPNORM_APPLY_HLSL__

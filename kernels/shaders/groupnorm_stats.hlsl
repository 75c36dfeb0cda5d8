#ifndef __GROUPNORM_STATS_HLSL__
#define __GROUPNORM_STATS_HLSL__


#include "gnstats.hlsl"
[[vk::push_constant]] cbuffer PC { GroupNormParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	GroupNormParams p = P;
	uint n = p.B * p.G * p.T;
	for (uint i = id.x; i < n; i += p.Stride) {
		GnStatsAt(p, i);
	}
}
#endif // __GROUPNORM_STATS_HLSL__

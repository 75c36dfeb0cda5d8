#ifndef __GROUPNORM_FINAL_HLSL__
#define __GROUPNORM_FINAL_HLSL__


#include "gnfinal.hlsl"
[[vk::push_constant]] cbuffer PC { GroupNormParams P; };
groupshared GnMoments gnTree[GnFinalLanes];
[numthreads(GnFinalLanes, 1, 1)]
void main(uint3 gid : SV_GroupID, uint3 lid : SV_GroupThreadID) {
	GroupNormParams p = P;
	uint bg = gid.y * p.G + gid.x;
	gnTree[lid.x] = GnLaneMoments(p, bg, lid.x);
	GroupMemoryBarrierWithGroupSync();
	for (uint s = GnFinalLanes / 2; s > 0; s >>= 1) {
		if (lid.x < s) {
			gnTree[lid.x] = GnMerge(gnTree[lid.x], gnTree[lid.x + s]);
		}
		GroupMemoryBarrierWithGroupSync();
	}
	if (lid.x == 0) {
		GnWriteStat(p, bg, gnTree[0]);
	}
}
#endif // __GROUPNORM_FINAL_HLSL__

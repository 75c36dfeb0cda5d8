#ifndef __ATTENTION_SCORES_HLSL__
#define __ATTENTION_SCORES_HLSL__


#include "attscfam.hlsl"
[[vk::push_constant]] cbuffer PC { AttentionParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	AttentionParams p = P;
	uint n = p.NBH * p.Tq * p.Tk;
	for (uint e = id.x; e < n; e += p.Stride) {
		AttnScoreAt(p, e);
	}
}
#endif // __ATTENTION_SCORES_HLSL__

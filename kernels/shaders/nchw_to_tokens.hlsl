#ifndef __NCHW_TO_TOKENS_HLSL__
#define __NCHW_TO_TOKENS_HLSL__


#include "tpfam.hlsl"
[[vk::push_constant]] cbuffer PC { TransposeParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	TransposeParams p = P;
	uint chunks = TpChunks(p, true);
	for (uint j = id.x; j < chunks; j += p.Stride) {
		NCHWToTokensChunk(p, j);
	}
}
#endif // __NCHW_TO_TOKENS_HLSL__

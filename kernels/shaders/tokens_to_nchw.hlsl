#ifndef __TOKENS_TO_NCHW_HLSL__
#define __TOKENS_TO_NCHW_HLSL__


#include "tpfam.hlsl"
[[vk::push_constant]] cbuffer PC { TransposeParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	TransposeParams p = P;
	uint chunks = TpChunks(p, false);
	for (uint j = id.x; j < chunks; j += p.Stride) {
		TokensToNCHWChunk(p, j);
	}
}
#endif // __TOKENS_TO_NCHW_HLSL__

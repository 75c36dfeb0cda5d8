#ifndef __TOKENS_TO_NCHW_HLSL__
#define __TOKENS_TO_NCHW_HLSL__


#include "tpfam.hlsl"
[[vk::push_constant]] cbuffer PC { TransposeParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	TransposeParams p = P;
	for (uint i = id.x; i < p.N; i += p.Stride) {
		TokensToNCHWAt(p, i);
	}
}
#endif // __TOKENS_TO_NCHW_HLSL__

#ifndef __NCHW_TO_TOKENS_HLSL__
#define __NCHW_TO_TOKENS_HLSL__


#include "tpfam.hlsl"
[[vk::push_constant]] cbuffer PC { TransposeParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	TransposeParams p = P;
	for (uint i = id.x; i < p.N; i += p.Stride) {
		NCHWToTokensAt(p, i);
	}
}
#endif // __NCHW_TO_TOKENS_HLSL__

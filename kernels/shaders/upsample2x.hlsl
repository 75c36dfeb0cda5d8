#ifndef __UPSAMPLE2X_HLSL__
#define __UPSAMPLE2X_HLSL__


#include "upfam.hlsl"
[[vk::push_constant]] cbuffer PC { UpsampleParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	UpsampleParams p = P;
	if (p.Tokens != 0) {
		uint pixels = p.N / p.C;
		for (uint px = id.x; px < pixels; px += p.Stride) {
			Upsample2xTokensAt(p, px);
		}
		return;
	}
	for (uint i = id.x; i < p.N; i += p.Stride) {
		Upsample2xAt(p, i);
	}
}
#endif // __UPSAMPLE2X_HLSL__

#ifndef __LAYERNORM_HLSL__
#define __LAYERNORM_HLSL__


#include "lnfam.hlsl"
[[vk::push_constant]] cbuffer PC { LayerNormParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	LayerNormParams p = P;
	for (uint r = id.x; r < p.Rows; r += p.Stride) {
		LnRowAt(p, r);
	}
}
#endif // __LAYERNORM_HLSL__

#ifndef __F32_TO_F16_HLSL__
#define __F32_TO_F16_HLSL__


#include "cvt16fam.hlsl"
[[vk::push_constant]] cbuffer PC { ConvertParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	ConvertParams p = P;
	uint n = (p.N + 1) / 2;
	for (uint w = id.x; w < n; w += p.Stride) {
		F32ToF16At(p, w);
	}
}
#endif // __F32_TO_F16_HLSL__

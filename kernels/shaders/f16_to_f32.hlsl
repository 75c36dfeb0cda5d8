#ifndef __F16_TO_F32_HLSL__
#define __F16_TO_F32_HLSL__


#include "cvt32fam.hlsl"
[[vk::push_constant]] cbuffer PC { ConvertParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	ConvertParams p = P;
	for (uint i = id.x; i < p.N; i += p.Stride) {
		F16ToF32At(p, i);
	}
}
#endif // __F16_TO_F32_HLSL__

#ifndef __SOFTMAX_HLSL__
#define __SOFTMAX_HLSL__


#include "smfam.hlsl"
[[vk::push_constant]] cbuffer PC { SoftmaxParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	SoftmaxParams p = P;
	for (uint r = id.x; r < p.Rows; r += p.Stride) {
		SoftmaxRowAt(p, r);
	}
}
#endif // __SOFTMAX_HLSL__

#ifndef __CONV_SPLITK_SUM_HLSL__
#define __CONV_SPLITK_SUM_HLSL__


#include "conv.hlsl"
[[vk::push_constant]] cbuffer PC { ConvParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	ConvParams p = P;
	if (id.x < ConvPixels(p) && id.y < p.Cout) {
		ConvSplitSumAt(p, id.y, id.x);
	}
}
#endif // __CONV_SPLITK_SUM_HLSL__

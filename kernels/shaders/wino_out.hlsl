#ifndef __WINO_OUT_HLSL__
#define __WINO_OUT_HLSL__


#include "conv.hlsl"
#include "winoparams.hlsl"
#include "winooutfam.hlsl"
[[vk::push_constant]] cbuffer PC { WinoParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	WinoParams p = P;
	uint n = WinoTiles(p) * p.C;
	for (uint i = id.x; i < n; i += p.Stride) {
		WinoOutAt(p, i);
	}
}
#endif // __WINO_OUT_HLSL__

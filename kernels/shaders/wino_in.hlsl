#ifndef __WINO_IN_HLSL__
#define __WINO_IN_HLSL__


#include "winoparams.hlsl"
#include "winofam.hlsl"
[[vk::push_constant]] cbuffer PC { WinoParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	WinoParams p = P;
	uint n = WinoTiles(p) * p.C;
	for (uint i = id.x; i < n; i += p.Stride) {
		WinoInAt(p, i);
	}
}
#endif // __WINO_IN_HLSL__

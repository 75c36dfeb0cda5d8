#ifndef __WINOOUTTEX_HLSL__
#define __WINOOUTTEX_HLSL__


// The texel output transforms' M and bias bindings, and the per-pixel store of 4
// channels (bias and residual added by WinoStoreY) for rows not stored as vectors.
[[vk::binding(0, 0)]] Buffer<uint4> WinoTexM;
[[vk::binding(1, 0)]] RWStructuredBuffer<float4> WinoBias4;
void WinoStoreY4(WinoParams p, uint b, uint co, uint oy, uint ox, float4 v) {
	WinoStoreY(p, b, co, oy, ox, v.x);
	WinoStoreY(p, b, co + 1, oy, ox, v.y);
	WinoStoreY(p, b, co + 2, oy, ox, v.z);
	WinoStoreY(p, b, co + 3, oy, ox, v.w);
}
#endif // __WINOOUTTEX_HLSL__

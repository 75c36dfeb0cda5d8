#ifndef __WINOINTEX_HLSL__
#define __WINOINTEX_HLSL__


// The texel input transforms' X and V bindings: X fetched 4 channels a texel, 0 in
// the padding; V stored as float4s.
[[vk::binding(0, 0)]] Buffer<uint4> WinoTexX;
[[vk::binding(1, 0)]] RWStructuredBuffer<float4> WinoV4;
float4 WinoFetchX(WinoParams p, uint b, int iy, int ix, uint c4) {
	if (iy < 0 || ix < 0 || iy >= int(p.H) || ix >= int(p.W)) {
		return float4(0, 0, 0, 0);
	}
	return asfloat(WinoTexX[((b * p.H + uint(iy)) * p.W + uint(ix)) * (p.C / 4) + c4]);
}
void WinoStoreV4(WinoParams p, uint pos, uint t, uint c, float4 v) {
	WinoV4[((pos * WinoTiles(p) + t) * p.C + c) / 4] = v;
}
#endif // __WINOINTEX_HLSL__

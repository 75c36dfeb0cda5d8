#ifndef __SOFTMAX_TEX_HLSL__
#define __SOFTMAX_TEX_HLSL__


#include "smfam.hlsl"
[[vk::push_constant]] cbuffer PC { SoftmaxParams P; };
[[vk::binding(0, 0)]] Buffer<uint4> SmTexX;
float SmMax4(float4 v) { return max(max(v.x, v.y), max(v.z, v.w)); }
float SmSum4(float4 v) { return v.x + v.y + v.z + v.w; }
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	SoftmaxParams p = P;
	uint n4 = p.Cols / 4;
	for (uint r = id.x; r < p.Rows; r += p.Stride) {
		uint t0 = r * n4;
		float m = SmMax4(asfloat(SmTexX[t0]));
		float s = 0;
		for (uint j = 0; j < n4; j++) {
			float4 v = asfloat(SmTexX[t0 + j]);
			float mn = max(m, SmMax4(v));
			s = s * exp((m - mn) * p.Scale) + SmSum4(exp((v - mn) * p.Scale));
			m = mn;
		}
		float inv = 1 / s;
		for (uint j = 0; j < n4; j++) {
			float4 e = exp((asfloat(SmTexX[t0 + j]) - m) * p.Scale) * inv;
			uint o = (t0 + j) * 4;
			SmY[o] = e.x;
			SmY[o + 1] = e.y;
			SmY[o + 2] = e.z;
			SmY[o + 3] = e.w;
		}
	}
}
#endif // __SOFTMAX_TEX_HLSL__

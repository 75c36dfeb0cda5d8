#ifndef __GROUPNORM_STATS_TEX_HLSL__
#define __GROUPNORM_STATS_TEX_HLSL__


#include "gnparams.hlsl"
[[vk::binding(0, 0)]] Buffer<uint4> GnXt;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> GnShift;
[[vk::binding(2, 0)]] RWStructuredBuffer<float> GnPart;
[[vk::push_constant]] cbuffer PC { GroupNormParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	GroupNormParams p = P;
	uint cg = p.C / p.G;
	uint hw4 = p.HW / 4;
	uint m4 = cg * hw4;
	bool shifted = (p.Act & GroupNormShift) != 0;
	for (uint idx = id.x; idx < p.B * p.G * p.T; idx += p.Stride) {
		uint bg = idx / p.T;
		uint t = idx % p.T;
		uint base = bg * m4;
		uint sb = bg / p.G * p.C + bg % p.G * cg;
		uint c = t / hw4;
		uint r = t % hw4;
		uint dc = p.T / hw4;
		uint dr = p.T % hw4;
		float n = 0;
		float mean = 0;
		float m2 = 0;
		for (uint e = t; e < m4; e += p.T) {
			float4 x = asfloat(GnXt[base + e]);
			if (shifted) {
				x += GnShift[sb + c];
			}
			c += dc;
			r += dr;
			if (r >= hw4) {
				r -= hw4;
				c++;
			}
			[unroll] for (uint k = 0; k < 4; k++) {
				n += 1;
				float d = x[k] - mean;
				mean += d / n;
				m2 += d * (x[k] - mean);
			}
		}
		GnPart[2 * idx] = mean;
		GnPart[2 * idx + 1] = m2;
	}
}
#endif // __GROUPNORM_STATS_TEX_HLSL__

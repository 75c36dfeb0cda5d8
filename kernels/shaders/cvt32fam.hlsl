#ifndef __CVT32FAM_HLSL__
#define __CVT32FAM_HLSL__


#include "cvtparams.hlsl"
[[vk::binding(0, 0)]] RWStructuredBuffer<uint> CvF16In;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> CvF32Out;

// F16ToF32At unpacks value i.
void F16ToF32At(inout ConvertParams p, uint i) {
	uint u = CvF16In[i/2];
	if (i%2 == 1) {
		u = u >> 16;
	}
	float v = f16tof32(u & 65535);
	CvF32Out[i] = v;
}
#endif // __CVT32FAM_HLSL__

#ifndef __CVT16FAM_HLSL__
#define __CVT16FAM_HLSL__


#include "cvtparams.hlsl"
[[vk::binding(0, 0)]] RWStructuredBuffer<float> CvF32In;
[[vk::binding(1, 0)]] RWStructuredBuffer<uint> CvF16Out;

// F32ToF16At packs values 2w and 2w+1 (round to nearest even) into word w.
void F32ToF16At(inout ConvertParams p, uint w) {
	uint lo = f32tof16(CvF32In[2*w]);
	uint hi = 0;
	if (2*w+1 < p.N) {
		hi = f32tof16(CvF32In[2*w+1]);
	}
	CvF16Out[w] = lo | (hi << 16);
}
#endif // __CVT16FAM_HLSL__

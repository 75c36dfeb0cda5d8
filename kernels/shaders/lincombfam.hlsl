#ifndef __LINCOMBFAM_HLSL__
#define __LINCOMBFAM_HLSL__


[[vk::binding(0, 0)]] RWStructuredBuffer<float> LcCoef;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> LcSrc0;
[[vk::binding(2, 0)]] RWStructuredBuffer<float> LcSrc1;
[[vk::binding(3, 0)]] RWStructuredBuffer<float> LcSrc2;
[[vk::binding(4, 0)]] RWStructuredBuffer<float> LcSrc3;
[[vk::binding(5, 0)]] RWStructuredBuffer<float> LcSrc4;
[[vk::binding(6, 0)]] RWStructuredBuffer<float> LcSrc5;
[[vk::binding(7, 0)]] RWStructuredBuffer<float> LcDst;

// LincombParams are the push constants of Lincomb.
struct LincombParams {
	// N is the number of elements of dst (and of every source used).
	uint N;
	// Stride is the number of threads in the grid (see Groups1D).
	uint Stride;
	// K is the number of sources used, 1..6.
	uint K;
	// CoefOff is the element offset of coef[0] in the coefficient tensor.
	uint CoefOff;
};

// LincombAt sets Dst[i] = Σ_{k<K} Coef[CoefOff+k]·Src_k[i].
void LincombAt(inout LincombParams p, uint i) {
	uint c = p.CoefOff;
	float s = LcCoef[c] * LcSrc0[i];
	if (p.K > 1) {
		s += LcCoef[c+1] * LcSrc1[i];
	}
	if (p.K > 2) {
		s += LcCoef[c+2] * LcSrc2[i];
	}
	if (p.K > 3) {
		s += LcCoef[c+3] * LcSrc3[i];
	}
	if (p.K > 4) {
		s += LcCoef[c+4] * LcSrc4[i];
	}
	if (p.K > 5) {
		s += LcCoef[c+5] * LcSrc5[i];
	}
	LcDst[i] = s;
}
#endif // __LINCOMBFAM_HLSL__

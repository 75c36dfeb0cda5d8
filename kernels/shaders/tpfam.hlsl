#ifndef __TPFAM_HLSL__
#define __TPFAM_HLSL__


[[vk::binding(0, 0)]] RWStructuredBuffer<float> TpX;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> TpY;

// TransposeParams are the push constants of NCHWToTokens and TokensToNCHW.
struct TransposeParams {
	// N is the number of elements (B·C·HW).
	uint N;
	// Stride is the number of threads in the grid (see Groups1D).
	uint Stride;
	// C channels, HW pixels (tokens).
	uint C;
	uint HW;
};

// NCHWToTokensAt sets y [B, HW, C] element i from x [B, C, HW].
void NCHWToTokensAt(inout TransposeParams p, uint i) {
	uint per = p.C * p.HW;
	uint b = i / per;
	uint r = i % per;
	uint t = r / p.C;
	uint c = r % p.C;
	TpY[i] = TpX[b*per+c*p.HW+t];
}

// TokensToNCHWAt sets y [B, C, HW] element i from x [B, HW, C].
void TokensToNCHWAt(inout TransposeParams p, uint i) {
	uint per = p.C * p.HW;
	uint b = i / per;
	uint r = i % per;
	uint c = r / p.HW;
	uint t = r % p.HW;
	TpY[i] = TpX[b*per+t*p.C+c];
}
#endif // __TPFAM_HLSL__

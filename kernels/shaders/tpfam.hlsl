#ifndef __TPFAM_HLSL__
#define __TPFAM_HLSL__


[[vk::binding(0, 0)]] RWStructuredBuffer<float> TpX;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> TpY;

// TransposeParams are the push constants of NCHWToTokens and TokensToNCHW.
struct TransposeParams {
	// N is the number of elements (B·C·HW).
	uint N;
	// Stride is the number of threads in the grid (see NewTransposeParams).
	uint Stride;
	// C channels, HW pixels (tokens).
	uint C;
	uint HW;
};

// TpChunks is the number of chunks of up to 16 consecutive output elements, none
// crossing a row, of a transpose to tokens (toTokens, rows of C) or to NCHW (rows of
// HW): the kernels' work items, so that the index arithmetic is paid once per chunk.
uint TpChunks(inout TransposeParams p, bool toTokens) {
	if (toTokens) {
		return p.N / p.C * ((p.C + 15) / 16);
	}
	return p.N / p.HW * ((p.HW + 15) / 16);
}

// NCHWToTokensChunk sets chunk j of y [B, HW, C] (row b·HW + t) from x [B, C, HW].
void NCHWToTokensChunk(inout TransposeParams p, uint j) {
	uint per = (p.C + 15) / 16;
	uint row = j / per;
	uint k0 = (j % per) * 16;
	uint n = p.C - k0;
	if (n > 16) {
		n = 16;
	}
	uint t = row % p.HW;
	uint b = row / p.HW;
	uint src = (b*p.C+k0)*p.HW + t;
	uint dst = row*p.C + k0;
	for (uint k = uint(0); k < n; k++) {
		TpY[dst+k] = TpX[src+k*p.HW];
	}
}

// TokensToNCHWChunk sets chunk j of y [B, C, HW] (row b·C + c) from x [B, HW, C].
void TokensToNCHWChunk(inout TransposeParams p, uint j) {
	uint per = (p.HW + 15) / 16;
	uint row = j / per;
	uint k0 = (j % per) * 16;
	uint n = p.HW - k0;
	if (n > 16) {
		n = 16;
	}
	uint c = row % p.C;
	uint b = row / p.C;
	uint src = (b*p.HW+k0)*p.C + c;
	uint dst = row*p.HW + k0;
	for (uint k = uint(0); k < n; k++) {
		TpY[dst+k] = TpX[src+k*p.C];
	}
}
#endif // __TPFAM_HLSL__

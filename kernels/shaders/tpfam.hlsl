#ifndef __TPFAM_HLSL__
#define __TPFAM_HLSL__


#include "chunks.hlsl"
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

// TpChunks is the number of chunks (the kernels' work items) of a transpose to tokens
// (toTokens, output rows of C) or to NCHW (rows of HW).
uint TpChunks(inout TransposeParams p, bool toTokens) {
	if (toTokens) {
		return ChunkCount(p.N/p.C, p.C);
	}
	return ChunkCount(p.N/p.HW, p.HW);
}

// NCHWToTokensChunk sets chunk j of y [B, HW, C] (row b·HW + t) from x [B, C, HW].
void NCHWToTokensChunk(inout TransposeParams p, uint j) {
	uint row = ChunkRow(j, p.C);
	uint k0 = ChunkStart(j, p.C);
	uint n = ChunkLen(j, p.C);
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
	uint row = ChunkRow(j, p.HW);
	uint k0 = ChunkStart(j, p.HW);
	uint n = ChunkLen(j, p.HW);
	uint c = row % p.C;
	uint b = row / p.C;
	uint src = (b*p.HW+k0)*p.C + c;
	uint dst = row*p.HW + k0;
	for (uint k = uint(0); k < n; k++) {
		TpY[dst+k] = TpX[src+k*p.C];
	}
}
#endif // __TPFAM_HLSL__

#ifndef __TPFAM_HLSL__
#define __TPFAM_HLSL__


#include "chunks.hlsl"
[[vk::binding(0, 0)]] RWStructuredBuffer<float> TpX;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> TpR;
[[vk::binding(2, 0)]] RWStructuredBuffer<float> TpY;

// TransposeParams are the push constants of NCHWToTokens and TokensToNCHW.
struct TransposeParams {
	// N is the number of elements (B·C·HW).
	uint N;
	// Stride is the number of threads in the grid (see NewTransposeParams).
	uint Stride;
	// C channels, HW pixels (tokens).
	uint C;
	uint HW;
	// Residual, when nonzero, adds r (in y's layout) to y.
	uint Residual;
	uint pad0;
	uint pad1;
	uint pad2;
};

// TpChunks is the number of chunks (the kernels' work items) of a transpose to tokens
// (toTokens, output rows of C) or to NCHW (rows of HW).
uint TpChunks(inout TransposeParams p, bool toTokens) {
	if (toTokens) {
		return ChunkCount(p.N/p.C, p.C);
	}
	return ChunkCount(p.N/p.HW, p.HW);
}

// TpTransposeChunk sets chunk j of y [B, s, r] (output row b·s + t, r long) from
// x [B, r, s] (+ the residual): both transposes are this one with (r, s) = (C, HW) or
// (HW, C).
void TpTransposeChunk(inout TransposeParams p, uint j, uint r, uint s) {
	uint row = ChunkRow(j, r);
	uint k0 = ChunkStart(j, r);
	uint n = ChunkLen(j, r);
	uint t = row % s;
	uint b = row / s;
	uint src = (b*r+k0)*s + t;
	uint dst = row*r + k0;
	for (uint k = uint(0); k < n; k++) {
		float v = TpX[src+k*s];
		if (p.Residual != 0) {
			v += TpR[dst+k];
		}
		TpY[dst+k] = v;
	}
}

// NCHWToTokensChunk sets chunk j of y [B, HW, C] (row b·HW + t) from x [B, C, HW].
void NCHWToTokensChunk(inout TransposeParams p, uint j) {
	TpTransposeChunk(p, j, p.C, p.HW);
}

// TokensToNCHWChunk sets chunk j of y [B, C, HW] (row b·C + c) from x [B, HW, C].
void TokensToNCHWChunk(inout TransposeParams p, uint j) {
	TpTransposeChunk(p, j, p.HW, p.C);
}
#endif // __TPFAM_HLSL__

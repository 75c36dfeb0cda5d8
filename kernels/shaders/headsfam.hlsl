#ifndef __HEADSFAM_HLSL__
#define __HEADSFAM_HLSL__


#include "chunks.hlsl"
[[vk::binding(0, 0)]] RWStructuredBuffer<float> HdX;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> HdY;

// HeadsParams are the push constants of SplitHeads and MergeHeads.
struct HeadsParams {
	// N is the number of elements written (B·T·H·D, B·H·D·TP transposed).
	uint N;
	// Stride is the number of threads in the grid (see NewHeadsParams).
	uint Stride;
	uint T;
	uint H;
	uint D;
	// Transpose (SplitHeads) writes [B·H, D, TP] instead of [B·H, T, D]: rows of TP ≥ T
	// elements, zero past T.
	uint Transpose;
	uint TP;
	uint pad1;
};

// HeadsRow is the length of the output rows a heads kernel writes in chunks: D, or TP
// for the transposed split.
uint HeadsRow(inout HeadsParams p) {
	if (p.Transpose != 0) {
		return p.TP;
	}
	return p.D;
}

// HeadsChunks is the number of chunks (the kernels' work items, see ChunkCount) of a
// SplitHeads or MergeHeads dispatch.
uint HeadsChunks(inout HeadsParams p) {
	uint l = HeadsRow(p);
	return ChunkCount(p.N/l, l);
}

// SplitHeadsChunk copies chunk j of the per-head layout from the token-major input: a
// row is (b·H + h)·T + t of D elements, or transposed (b·H + h)·D + d of TP (zeros past
// T).
void SplitHeadsChunk(inout HeadsParams p, uint j) {
	uint l = HeadsRow(p);
	uint row = ChunkRow(j, l);
	uint k0 = ChunkStart(j, l);
	uint n = ChunkLen(j, l);
	uint src = uint(0);
	uint step = uint(1);
	if (p.Transpose != 0) {
		uint d = row % p.D;
		uint bh = row / p.D;
		src = (bh/p.H*p.T+k0)*p.H*p.D + bh%p.H*p.D + d;
		step = p.H * p.D;
	} else {
		uint t = row % p.T;
		uint bh = row / p.T;
		src = (bh/p.H*p.T+t)*p.H*p.D + bh%p.H*p.D + k0;
	}
	uint dst = row*l + k0;
	for (uint k = uint(0); k < n; k++) {
		float v = float(0);
		if (p.Transpose == 0 || k0+k < p.T) {
			v = HdX[src+k*step];
		}
		HdY[dst+k] = v;
	}
}

// MergeHeadsChunk copies chunk j of the token-major output from the per-head layout: a
// row is (b·T + t)·H + h, the D elements of head h at token t.
void MergeHeadsChunk(inout HeadsParams p, uint j) {
	uint row = ChunkRow(j, p.D);
	uint k0 = ChunkStart(j, p.D);
	uint n = ChunkLen(j, p.D);
	uint h = row % p.H;
	uint bt = row / p.H;
	uint t = bt % p.T;
	uint b = bt / p.T;
	uint src = ((b*p.H+h)*p.T+t)*p.D + k0;
	uint dst = row*p.D + k0;
	for (uint k = uint(0); k < n; k++) {
		HdY[dst+k] = HdX[src+k];
	}
}
#endif // __HEADSFAM_HLSL__

package kernels

// Head layout changes for attention computed with GEMMs: split token-major
// x [B, T, H·D] into per-head matrices y [B·H, T, D] (or transposed, [B·H, D, T]), and
// merge per-head results back.

//gosl: start cpuonly

// HdX and HdY are the Go-side storage buffers of the head layout kernels.
var HdX, HdY []float32

//gosl: end cpuonly

//gosl: hlsl headsfam
// #include "chunks.hlsl"
// [[vk::binding(0, 0)]] RWStructuredBuffer<float> HdX;
// [[vk::binding(1, 0)]] RWStructuredBuffer<float> HdY;
//gosl: end headsfam

//gosl: start headsfam

// HeadsParams are the push constants of SplitHeads and MergeHeads.
type HeadsParams struct {
	// N is the number of elements written (B·T·H·D, B·H·D·TP transposed).
	N uint32
	// Stride is the number of threads in the grid (see NewHeadsParams).
	Stride uint32
	T      uint32
	H      uint32
	D      uint32
	// Transpose (SplitHeads) writes [B·H, D, TP] instead of [B·H, T, D]: rows of TP ≥ T
	// elements, zero past T.
	Transpose uint32
	TP        uint32
	pad1      uint32
}

// HeadsRow is the length of the output rows a heads kernel writes in chunks: D, or TP
// for the transposed split.
func HeadsRow(p *HeadsParams) uint32 {
	if p.Transpose != 0 {
		return p.TP
	}
	return p.D
}

// HeadsChunks is the number of chunks (the kernels' work items, see ChunkCount) of a
// SplitHeads or MergeHeads dispatch.
func HeadsChunks(p *HeadsParams) uint32 {
	l := HeadsRow(p)
	return ChunkCount(p.N/l, l)
}

// SplitHeadsChunk copies chunk j of the per-head layout from the token-major input: a
// row is (b·H + h)·T + t of D elements, or transposed (b·H + h)·D + d of TP (zeros past
// T).
func SplitHeadsChunk(p *HeadsParams, j uint32) {
	l := HeadsRow(p)
	row := ChunkRow(j, l)
	k0 := ChunkStart(j, l)
	n := ChunkLen(j, l)
	src := uint32(0)
	step := uint32(1)
	if p.Transpose != 0 {
		d := row % p.D
		bh := row / p.D
		src = (bh/p.H*p.T+k0)*p.H*p.D + bh%p.H*p.D + d
		step = p.H * p.D
	} else {
		t := row % p.T
		bh := row / p.T
		src = (bh/p.H*p.T+t)*p.H*p.D + bh%p.H*p.D + k0
	}
	dst := row*l + k0
	for k := uint32(0); k < n; k++ {
		v := float32(0)
		if p.Transpose == 0 || k0+k < p.T {
			v = HdX[src+k*step]
		}
		HdY[dst+k] = v
	}
}

// MergeHeadsChunk copies chunk j of the token-major output from the per-head layout: a
// row is (b·T + t)·H + h, the D elements of head h at token t.
func MergeHeadsChunk(p *HeadsParams, j uint32) {
	row := ChunkRow(j, p.D)
	k0 := ChunkStart(j, p.D)
	n := ChunkLen(j, p.D)
	h := row % p.H
	bt := row / p.H
	t := bt % p.T
	b := bt / p.T
	src := ((b*p.H+h)*p.T+t)*p.D + k0
	dst := row*p.D + k0
	for k := uint32(0); k < n; k++ {
		HdY[dst+k] = HdX[src+k]
	}
}

//gosl: end headsfam

//gosl: hlsl split_heads
/*
#include "headsfam.hlsl"
[[vk::push_constant]] cbuffer PC { HeadsParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	HeadsParams p = P;
	uint chunks = HeadsChunks(p);
	for (uint j = id.x; j < chunks; j += p.Stride) {
		SplitHeadsChunk(p, j);
	}
}
*/
//gosl: end split_heads

//gosl: hlsl merge_heads
/*
#include "headsfam.hlsl"
[[vk::push_constant]] cbuffer PC { HeadsParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	HeadsParams p = P;
	uint chunks = HeadsChunks(p);
	for (uint j = id.x; j < chunks; j += p.Stride) {
		MergeHeadsChunk(p, j);
	}
}
*/
//gosl: end merge_heads

// SplitHeads reorders x [B, T, H·D] to [B·H, T, D] ([B·H, D, T] with Transpose)
// (HeadsParams): binding 0 x (read), 1 y (written). Params and grid from NewHeadsParams.
var SplitHeads = Spec{Name: "split_heads", Reads: 1, Writes: 1, ParamsSize: 32, Local: [3]uint32{Local1D, 1, 1}}

// MergeHeads reorders x [B·H, T, D] to [B, T, H·D] (HeadsParams): binding 0 x (read),
// 1 y (written). Params and grid from NewHeadsParams.
var MergeHeads = Spec{Name: "merge_heads", Reads: 1, Writes: 1, ParamsSize: 32, Local: [3]uint32{Local1D, 1, 1}}

// HeadsCPU is the CPU reference of SplitHeads (merge false) and MergeHeads (merge true).
func HeadsCPU(p HeadsParams, merge bool, x, y []float32) {
	cpuMu.Lock()
	defer cpuMu.Unlock()
	HdX, HdY = x, y
	for j := uint32(0); j < HeadsChunks(&p); j++ {
		if merge {
			MergeHeadsChunk(&p, j)
		} else {
			SplitHeadsChunk(&p, j)
		}
	}
	HdX, HdY = nil, nil
}

// NewHeadsParams fills HeadsParams for token-major [b, t, h·d] ⇄ per-head [b·h, t, d]
// and returns the dispatch's grid (NewTransposedHeadsParams for [b·h, d, t]).
func NewHeadsParams(b, t, h, d int) (HeadsParams, [3]uint32) {
	return headsGrid(HeadsParams{N: uint32(b * t * h * d), T: uint32(t), H: uint32(h), D: uint32(d), TP: uint32(t)})
}

// NewTransposedHeadsParams fills HeadsParams for the transposed split [b, t, h·d] →
// [b·h, d, tp], rows padded with zeros to tp ≥ t elements, and returns the grid.
func NewTransposedHeadsParams(b, t, h, d, tp int) (HeadsParams, [3]uint32) {
	return headsGrid(HeadsParams{N: uint32(b * h * d * tp), T: uint32(t), H: uint32(h), D: uint32(d), Transpose: 1, TP: uint32(tp)})
}

func headsGrid(p HeadsParams) (HeadsParams, [3]uint32) {
	g, stride := Groups1D(int(HeadsChunks(&p)))
	p.Stride = stride
	return p, [3]uint32{g, 1, 1}
}

package kernels

// Head layout changes for attention computed with GEMMs: split token-major
// x [B, T, H·D] into per-head matrices y [B·H, T, D] (or transposed, [B·H, D, T]), and
// merge per-head results back.

//gosl: start cpuonly

// HdX and HdY are the Go-side storage buffers of the head layout kernels.
var HdX, HdY []float32

//gosl: end cpuonly

//gosl: hlsl headsfam
// [[vk::binding(0, 0)]] RWStructuredBuffer<float> HdX;
// [[vk::binding(1, 0)]] RWStructuredBuffer<float> HdY;
//gosl: end headsfam

//gosl: start headsfam

// HeadsParams are the push constants of SplitHeads and MergeHeads.
type HeadsParams struct {
	// N is the number of elements (B·T·H·D).
	N uint32
	// Stride is the number of threads in the grid (see Groups1D).
	Stride uint32
	T      uint32
	H      uint32
	D      uint32
	// Transpose (SplitHeads) writes [B·H, D, T] instead of [B·H, T, D].
	Transpose uint32
	pad0      uint32
	pad1      uint32
}

// SplitHeadsAt sets element i of the per-head layout from the token-major input.
func SplitHeadsAt(p *HeadsParams, i uint32) {
	per := p.H * p.T * p.D
	b := i / per
	r := i % per
	h := r / (p.T * p.D)
	t := (r / p.D) % p.T
	d := r % p.D
	if p.Transpose != 0 {
		d = (r / p.T) % p.D
		t = r % p.T
	}
	HdY[i] = HdX[(b*p.T+t)*p.H*p.D+h*p.D+d]
}

// MergeHeadsAt sets element i of the token-major output from the per-head layout.
func MergeHeadsAt(p *HeadsParams, i uint32) {
	per := p.T * p.H * p.D
	b := i / per
	r := i % per
	t := r / (p.H * p.D)
	c := r % (p.H * p.D)
	h := c / p.D
	d := c % p.D
	HdY[i] = HdX[((b*p.H+h)*p.T+t)*p.D+d]
}

//gosl: end headsfam

//gosl: hlsl split_heads
/*
#include "headsfam.hlsl"
[[vk::push_constant]] cbuffer PC { HeadsParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	HeadsParams p = P;
	for (uint i = id.x; i < p.N; i += p.Stride) {
		SplitHeadsAt(p, i);
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
	for (uint i = id.x; i < p.N; i += p.Stride) {
		MergeHeadsAt(p, i);
	}
}
*/
//gosl: end merge_heads

// SplitHeads reorders x [B, T, H·D] to [B·H, T, D] ([B·H, D, T] with Transpose)
// (HeadsParams): binding 0 x (read), 1 y (written). Groups1D(N).
var SplitHeads = Spec{Name: "split_heads", Reads: 1, Writes: 1, ParamsSize: 32, Local: [3]uint32{Local1D, 1, 1}}

// MergeHeads reorders x [B·H, T, D] to [B, T, H·D] (HeadsParams): binding 0 x (read),
// 1 y (written). Groups1D(N).
var MergeHeads = Spec{Name: "merge_heads", Reads: 1, Writes: 1, ParamsSize: 32, Local: [3]uint32{Local1D, 1, 1}}

// HeadsCPU is the CPU reference of SplitHeads (merge false) and MergeHeads (merge true).
func HeadsCPU(p HeadsParams, merge bool, x, y []float32) {
	cpuMu.Lock()
	defer cpuMu.Unlock()
	HdX, HdY = x, y
	for i := uint32(0); i < p.N; i++ {
		if merge {
			MergeHeadsAt(&p, i)
		} else {
			SplitHeadsAt(&p, i)
		}
	}
	HdX, HdY = nil, nil
}

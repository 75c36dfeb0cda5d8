package kernels

import "fmt"

// Lincomb is the sampler's workhorse: dst[i] = Σ_{k<K} coef[CoefOff+k]·src_k[i] for up to
// LincombMaxSources sources. The coefficients are read from a small float32 tensor (not
// push constants), so a plan recorded once can be replayed every step after the host
// writes that step's coefficients (Tensor.WriteFloat32 at CoefOff). Every sampler update
// is of this form: an Euler step x' = 1·x + (σ'−σ)·d, a DPM++ update, adding noise
// (noise is just another source), and classifier-free guidance
// out = uncond + s·(cond − uncond) = (1−s)·uncond + s·cond, i.e. K = 2 with
// coefficients (1−s, s) over the two halves of the batched noise prediction (bind each
// half as a source with BindRange).
//
// dst may alias any source (in place: x ← x + c·d): each element reads every source
// before it writes. Sources k ≥ K are not read; bind any tensor there (e.g. source 0).

// LincombMaxSources is the number of source bindings of Lincomb.
const LincombMaxSources = 6

//gosl: start cpuonly

// Go-side storage buffers of the lincomb kernel.
var LcCoef, LcSrc0, LcSrc1, LcSrc2, LcSrc3, LcSrc4, LcSrc5, LcDst []float32

//gosl: end cpuonly

//gosl: hlsl lincombfam
// [[vk::binding(0, 0)]] RWStructuredBuffer<float> LcCoef;
// [[vk::binding(1, 0)]] RWStructuredBuffer<float> LcSrc0;
// [[vk::binding(2, 0)]] RWStructuredBuffer<float> LcSrc1;
// [[vk::binding(3, 0)]] RWStructuredBuffer<float> LcSrc2;
// [[vk::binding(4, 0)]] RWStructuredBuffer<float> LcSrc3;
// [[vk::binding(5, 0)]] RWStructuredBuffer<float> LcSrc4;
// [[vk::binding(6, 0)]] RWStructuredBuffer<float> LcSrc5;
// [[vk::binding(7, 0)]] RWStructuredBuffer<float> LcDst;
//gosl: end lincombfam

//gosl: start lincombfam

// LincombParams are the push constants of Lincomb.
type LincombParams struct {
	// N is the number of elements of dst (and of every source used).
	N uint32
	// Stride is the number of threads in the grid (see Groups1D).
	Stride uint32
	// K is the number of sources used, 1..6.
	K uint32
	// CoefOff is the element offset of coef[0] in the coefficient tensor.
	CoefOff uint32
}

// LincombAt sets Dst[i] = Σ_{k<K} Coef[CoefOff+k]·Src_k[i].
func LincombAt(p *LincombParams, i uint32) {
	c := p.CoefOff
	s := LcCoef[c] * LcSrc0[i]
	if p.K > 1 {
		s += LcCoef[c+1] * LcSrc1[i]
	}
	if p.K > 2 {
		s += LcCoef[c+2] * LcSrc2[i]
	}
	if p.K > 3 {
		s += LcCoef[c+3] * LcSrc3[i]
	}
	if p.K > 4 {
		s += LcCoef[c+4] * LcSrc4[i]
	}
	if p.K > 5 {
		s += LcCoef[c+5] * LcSrc5[i]
	}
	LcDst[i] = s
}

//gosl: end lincombfam

//gosl: hlsl lincomb
/*
#include "lincombfam.hlsl"
[[vk::push_constant]] cbuffer PC { LincombParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	LincombParams p = P;
	for (uint i = id.x; i < p.N; i += p.Stride) {
		LincombAt(p, i);
	}
}
*/
//gosl: end lincomb

// Lincomb is the kernel dst = Σ_k coef[CoefOff+k]·src_k (LincombParams): binding 0 coef,
// 1..6 src0..src5 (read; unused ones bound to anything), 7 dst (written; may alias a
// source). Groups: Groups1D(N).
var Lincomb = Spec{Name: "lincomb", Reads: 1 + LincombMaxSources, Writes: 1, ParamsSize: 16, Local: [3]uint32{Local1D, 1, 1}}

// LincombCPU is the CPU reference of Lincomb: dst = Σ_k coef[coefOff+k]·srcs[k] (an
// error for bad source counts or lengths); dst may
// be one of srcs.
func LincombCPU(coef []float32, coefOff int, srcs [][]float32, dst []float32) error {
	if len(srcs) < 1 || len(srcs) > LincombMaxSources {
		return fmt.Errorf("lincomb: %d sources, want 1..%d", len(srcs), LincombMaxSources)
	}
	if coefOff < 0 || coefOff+len(srcs) > len(coef) {
		return fmt.Errorf("lincomb: %d coefficients from offset %d, have %d", len(srcs), coefOff, len(coef))
	}
	for k, src := range srcs {
		if len(src) < len(dst) {
			return fmt.Errorf("lincomb: source %d has %d elements, dst %d", k, len(src), len(dst))
		}
	}
	cpuMu.Lock()
	defer cpuMu.Unlock()
	ss := make([][]float32, LincombMaxSources)
	copy(ss, srcs)
	LcCoef, LcDst = coef, dst
	LcSrc0, LcSrc1, LcSrc2, LcSrc3, LcSrc4, LcSrc5 = ss[0], ss[1], ss[2], ss[3], ss[4], ss[5]
	p := LincombParams{N: uint32(len(dst)), K: uint32(len(srcs)), CoefOff: uint32(coefOff)}
	for i := uint32(0); i < p.N; i++ {
		LincombAt(&p, i)
	}
	LcCoef, LcDst = nil, nil
	LcSrc0, LcSrc1, LcSrc2, LcSrc3, LcSrc4, LcSrc5 = nil, nil, nil, nil, nil, nil
	return nil
}

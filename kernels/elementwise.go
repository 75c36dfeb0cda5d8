package kernels

import "github.com/goki/mat32"

// Elementwise kernels: one thread per element (grid-stride), fp32.

//gosl: start cpuonly

// EwX and EwY are the Go-side storage buffers of the elementwise kernels.
var EwX, EwY []float32

//gosl: end cpuonly

//gosl: hlsl elementwise
// [[vk::binding(0, 0)]] RWStructuredBuffer<float> EwX;
// [[vk::binding(1, 0)]] RWStructuredBuffer<float> EwY;
//gosl: end elementwise

//gosl: start elementwise

// ElemParams are the push constants of the elementwise kernels.
type ElemParams struct {
	// N is the number of elements.
	N uint32
	// Stride is the number of threads in the grid (see Groups1D).
	Stride uint32
	// Alpha is a scalar operand (axpy's a).
	Alpha float32
	pad   float32
}

// SiluAt sets Y[i] = X[i]·sigmoid(X[i]).
func SiluAt(p *ElemParams, i uint32) {
	x := EwX[i]
	EwY[i] = x / (1 + mat32.Exp(-x))
}

// AxpyAt sets Y[i] += Alpha·X[i].
func AxpyAt(p *ElemParams, i uint32) {
	EwY[i] = EwY[i] + p.Alpha*EwX[i]
}

//gosl: end elementwise

//gosl: hlsl silu
/*
#include "elementwise.hlsl"
[[vk::push_constant]] cbuffer PC { ElemParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	ElemParams p = P;
	for (uint i = id.x; i < p.N; i += p.Stride) {
		SiluAt(p, i);
	}
}
*/
//gosl: end silu

//gosl: hlsl axpy
/*
#include "elementwise.hlsl"
[[vk::push_constant]] cbuffer PC { ElemParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	ElemParams p = P;
	for (uint i = id.x; i < p.N; i += p.Stride) {
		AxpyAt(p, i);
	}
}
*/
//gosl: end axpy

// Silu is the kernel y = x·sigmoid(x): binding 0 x (read), 1 y (written).
var Silu = Spec{Name: "silu", Reads: 1, Writes: 1, ParamsSize: 16, Local: [3]uint32{Local1D, 1, 1}}

// Axpy is the kernel y += alpha·x: binding 0 x (read), 1 y (read and written).
var Axpy = Spec{Name: "axpy", Reads: 1, Writes: 1, ParamsSize: 16, Local: [3]uint32{Local1D, 1, 1}}

// SiluCPU is the CPU reference of Silu.
func SiluCPU(x, y []float32) {
	runElementwise(x, y, ElemParams{N: uint32(len(x))}, SiluAt)
}

// AxpyCPU is the CPU reference of Axpy.
func AxpyCPU(alpha float32, x, y []float32) {
	runElementwise(x, y, ElemParams{N: uint32(len(x)), Alpha: alpha}, AxpyAt)
}

func runElementwise(x, y []float32, p ElemParams, f func(*ElemParams, uint32)) {
	cpuMu.Lock()
	defer cpuMu.Unlock()
	EwX, EwY = x, y
	for i := uint32(0); i < p.N; i++ {
		f(&p, i)
	}
	EwX, EwY = nil, nil
}

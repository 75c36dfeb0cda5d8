package kernels

import "github.com/goki/mat32"

// Elementwise kernels: one thread per element (grid-stride), fp32.

//gosl: start cpuonly

// EwX and EwY are the Go-side storage buffers of the elementwise kernels.
var EwX, EwY []float32

//gosl: end cpuonly

//gosl: hlsl elementwise
// #include "activation.hlsl"
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

// GeluAt sets Y[i] = gelu(X[i]) (exact erf form).
func GeluAt(p *ElemParams, i uint32) {
	EwY[i] = GeluAct(EwX[i])
}

// GeluTanhAt sets Y[i] = gelu_tanh(X[i]).
func GeluTanhAt(p *ElemParams, i uint32) {
	EwY[i] = GeluTanhAct(EwX[i])
}

// QuickGeluAt sets Y[i] = X[i]·sigmoid(1.702·X[i]).
func QuickGeluAt(p *ElemParams, i uint32) {
	EwY[i] = QuickGeluAct(EwX[i])
}

// ScaleAt sets Y[i] = Alpha·X[i].
func ScaleAt(p *ElemParams, i uint32) {
	EwY[i] = p.Alpha * EwX[i]
}

// CopyAt sets Y[i] = X[i] (the bandwidth yardstick of the benchmarks).
func CopyAt(p *ElemParams, i uint32) {
	EwY[i] = EwX[i]
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

//gosl: hlsl gelu
/*
#include "elementwise.hlsl"
[[vk::push_constant]] cbuffer PC { ElemParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	ElemParams p = P;
	for (uint i = id.x; i < p.N; i += p.Stride) {
		GeluAt(p, i);
	}
}
*/
//gosl: end gelu

//gosl: hlsl gelu_tanh
/*
#include "elementwise.hlsl"
[[vk::push_constant]] cbuffer PC { ElemParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	ElemParams p = P;
	for (uint i = id.x; i < p.N; i += p.Stride) {
		GeluTanhAt(p, i);
	}
}
*/
//gosl: end gelu_tanh

//gosl: hlsl quick_gelu
/*
#include "elementwise.hlsl"
[[vk::push_constant]] cbuffer PC { ElemParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	ElemParams p = P;
	for (uint i = id.x; i < p.N; i += p.Stride) {
		QuickGeluAt(p, i);
	}
}
*/
//gosl: end quick_gelu

//gosl: hlsl scale
/*
#include "elementwise.hlsl"
[[vk::push_constant]] cbuffer PC { ElemParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	ElemParams p = P;
	for (uint i = id.x; i < p.N; i += p.Stride) {
		ScaleAt(p, i);
	}
}
*/
//gosl: end scale

//gosl: hlsl copy
/*
#include "elementwise.hlsl"
[[vk::push_constant]] cbuffer PC { ElemParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	ElemParams p = P;
	for (uint i = id.x; i < p.N; i += p.Stride) {
		CopyAt(p, i);
	}
}
*/
//gosl: end copy

// Silu is the kernel y = x·sigmoid(x): binding 0 x (read), 1 y (written).
var Silu = Spec{Name: "silu", Reads: 1, Writes: 1, ParamsSize: 16, Local: [3]uint32{Local1D, 1, 1}}

// Axpy is the kernel y += alpha·x: binding 0 x (read), 1 y (read and written).
var Axpy = Spec{Name: "axpy", Reads: 1, Writes: 1, ParamsSize: 16, Local: [3]uint32{Local1D, 1, 1}}

// Gelu is the kernel y = gelu(x) (exact erf form): binding 0 x (read), 1 y (written).
var Gelu = Spec{Name: "gelu", Reads: 1, Writes: 1, ParamsSize: 16, Local: [3]uint32{Local1D, 1, 1}}

// GeluTanh is the kernel y = gelu_tanh(x): binding 0 x (read), 1 y (written).
var GeluTanh = Spec{Name: "gelu_tanh", Reads: 1, Writes: 1, ParamsSize: 16, Local: [3]uint32{Local1D, 1, 1}}

// QuickGelu is the kernel y = x·sigmoid(1.702x): binding 0 x (read), 1 y (written).
var QuickGelu = Spec{Name: "quick_gelu", Reads: 1, Writes: 1, ParamsSize: 16, Local: [3]uint32{Local1D, 1, 1}}

// Scale is the kernel y = alpha·x: binding 0 x (read), 1 y (written; may alias x).
var Scale = Spec{Name: "scale", Reads: 1, Writes: 1, ParamsSize: 16, Local: [3]uint32{Local1D, 1, 1}}

// Copy is the kernel y = x: binding 0 x (read), 1 y (written).
var Copy = Spec{Name: "copy", Reads: 1, Writes: 1, ParamsSize: 16, Local: [3]uint32{Local1D, 1, 1}}

// GeluCPU is the CPU reference of Gelu.
func GeluCPU(x, y []float32) { runElementwise(x, y, ElemParams{N: uint32(len(x))}, GeluAt) }

// GeluTanhCPU is the CPU reference of GeluTanh.
func GeluTanhCPU(x, y []float32) { runElementwise(x, y, ElemParams{N: uint32(len(x))}, GeluTanhAt) }

// QuickGeluCPU is the CPU reference of QuickGelu.
func QuickGeluCPU(x, y []float32) { runElementwise(x, y, ElemParams{N: uint32(len(x))}, QuickGeluAt) }

// ScaleCPU is the CPU reference of Scale.
func ScaleCPU(alpha float32, x, y []float32) {
	runElementwise(x, y, ElemParams{N: uint32(len(x)), Alpha: alpha}, ScaleAt)
}

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

// The binary elementwise kernel, with broadcasting of the second operand:
// C[i] = A[i] · B[(i / Div) % Mod] for i < N, e.g.
//
//	same shape                            Div = 1,      Mod = N
//	per-channel on NCHW [B,C,HW]           Div = HW,     Mod = C
//	per-(batch, channel) on NCHW           Div = HW,     Mod = B·C
//	an inpainting mask over the latents    Div = 1,      Mod = len(mask)
//	scalar                                Div = 1,      Mod = 1
//
// C may alias A (in place).

//gosl: start cpuonly

// EbA, EbB and EbC are the Go-side storage buffers of the binary kernel.
var EbA, EbB, EbC []float32

//gosl: end cpuonly

//gosl: hlsl binary
// [[vk::binding(0, 0)]] RWStructuredBuffer<float> EbA;
// [[vk::binding(1, 0)]] RWStructuredBuffer<float> EbB;
// [[vk::binding(2, 0)]] RWStructuredBuffer<float> EbC;
//gosl: end binary

//gosl: start binary

// BinaryParams are the push constants of the binary kernel (Mul).
type BinaryParams struct {
	// N is the number of elements of A and C.
	N uint32
	// Stride is the number of threads in the grid (see Groups1D).
	Stride uint32
	// Div and Mod map i to B's index (i / Div) % Mod.
	Div uint32
	Mod uint32
}

// MulAt sets C[i] = A[i] · B[(i/Div)%Mod].
func MulAt(p *BinaryParams, i uint32) {
	EbC[i] = EbA[i] * EbB[(i/p.Div)%p.Mod]
}

//gosl: end binary

//gosl: hlsl mul
/*
#include "binary.hlsl"
[[vk::push_constant]] cbuffer PC { BinaryParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	BinaryParams p = P;
	for (uint i = id.x; i < p.N; i += p.Stride) {
		MulAt(p, i);
	}
}
*/
//gosl: end mul

// Mul is the kernel c = a · broadcast(b) (see BinaryParams): binding 0 a, 1 b (read),
// 2 c (written; may alias a).
var Mul = Spec{Name: "mul", Reads: 2, Writes: 1, ParamsSize: 16, Local: [3]uint32{Local1D, 1, 1}}

// MulCPU is the CPU reference of Mul (p.Stride is ignored).
func MulCPU(p BinaryParams, a, b, c []float32) {
	cpuMu.Lock()
	defer cpuMu.Unlock()
	EbA, EbB, EbC = a, b, c
	for i := uint32(0); i < p.N; i++ {
		MulAt(&p, i)
	}
	EbA, EbB, EbC = nil, nil, nil
}

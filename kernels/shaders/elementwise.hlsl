#ifndef __ELEMENTWISE_HLSL__
#define __ELEMENTWISE_HLSL__


#include "activation.hlsl"
[[vk::binding(0, 0)]] RWStructuredBuffer<float> EwX;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> EwY;

// ElemParams are the push constants of the elementwise kernels.
struct ElemParams {
	// N is the number of elements.
	uint N;
	// Stride is the number of threads in the grid (see Groups1D).
	uint Stride;
	// Alpha is a scalar operand (axpy's a).
	float Alpha;
	float pad;
};

// SiluAt sets Y[i] = X[i]·sigmoid(X[i]).
void SiluAt(inout ElemParams p, uint i) {
	float x = EwX[i];
	EwY[i] = x / (1 + exp(-x));
}

// AxpyAt sets Y[i] += Alpha·X[i].
void AxpyAt(inout ElemParams p, uint i) {
	EwY[i] = EwY[i] + p.Alpha*EwX[i];
}

// GeluAt sets Y[i] = gelu(X[i]) (exact erf form).
void GeluAt(inout ElemParams p, uint i) {
	EwY[i] = GeluAct(EwX[i]);
}

// GeluTanhAt sets Y[i] = gelu_tanh(X[i]).
void GeluTanhAt(inout ElemParams p, uint i) {
	EwY[i] = GeluTanhAct(EwX[i]);
}

// QuickGeluAt sets Y[i] = X[i]·sigmoid(1.702·X[i]).
void QuickGeluAt(inout ElemParams p, uint i) {
	EwY[i] = QuickGeluAct(EwX[i]);
}

// ScaleAt sets Y[i] = Alpha·X[i].
void ScaleAt(inout ElemParams p, uint i) {
	EwY[i] = p.Alpha * EwX[i];
}

// CopyAt sets Y[i] = X[i] (the bandwidth yardstick of the benchmarks).
void CopyAt(inout ElemParams p, uint i) {
	EwY[i] = EwX[i];
}
#endif // __ELEMENTWISE_HLSL__

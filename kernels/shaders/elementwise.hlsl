#ifndef __ELEMENTWISE_HLSL__
#define __ELEMENTWISE_HLSL__


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
#endif // __ELEMENTWISE_HLSL__

#ifndef __BINARY_HLSL__
#define __BINARY_HLSL__


[[vk::binding(0, 0)]] RWStructuredBuffer<float> EbA;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> EbB;
[[vk::binding(2, 0)]] RWStructuredBuffer<float> EbC;

// BinaryParams are the push constants of the binary kernel (Mul).
struct BinaryParams {
	// N is the number of elements of A and C.
	uint N;
	// Stride is the number of threads in the grid (see Groups1D).
	uint Stride;
	// Div and Mod map i to B's index (i / Div) % Mod.
	uint Div;
	uint Mod;
};

// MulAt sets C[i] = A[i] · B[(i/Div)%Mod].
void MulAt(inout BinaryParams p, uint i) {
	EbC[i] = EbA[i] * EbB[(i/p.Div)%p.Mod];
}
#endif // __BINARY_HLSL__

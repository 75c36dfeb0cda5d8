#ifndef __TEMBFAM_HLSL__
#define __TEMBFAM_HLSL__


[[vk::binding(0, 0)]] RWStructuredBuffer<float> TeT;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> TeY;

// TimestepParams are the push constants of TimestepEmbedding.
struct TimestepParams {
	// N is the number of elements of y [B, Dim].
	uint N;
	// Stride is the number of threads in the grid (see Groups1D).
	uint Stride;
	// Dim is the embedding width (even; 320 in SD).
	uint Dim;
	// Row b's timestep is t[TOff + b·TStep] (TStep 0: one timestep for every row).
	uint TOff;
	uint TStep;
	uint pad0;
	uint pad1;
	uint pad2;
};

// TimestepAt sets y[i] = cos(t·f_k) for k < Dim/2, sin(t·f_{k−Dim/2}) after, with
// f_k = exp(−ln(10000)·k/(Dim/2)): diffusers' get_timestep_embedding with
// flip_sin_to_cos=True and downscale_freq_shift=0, as SD's UNet uses it.
void TimestepAt(inout TimestepParams p, uint i) {
	uint half = p.Dim / 2;
	uint b = i / p.Dim;
	uint k = i % p.Dim;
	float t = TeT[p.TOff+b*p.TStep];
	uint j = k;
	if (k >= half) {
		j = k - half;
	}
	float f = exp(-9.210340371976184 * float(j) / float(half));
	float a = t * f;
	if (k < half) {
		TeY[i] = cos(a);
	} else {
		TeY[i] = sin(a);
	}
}
#endif // __TEMBFAM_HLSL__

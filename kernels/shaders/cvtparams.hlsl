#ifndef __CVTPARAMS_HLSL__
#define __CVTPARAMS_HLSL__


// ConvertParams are the push constants of ConvertF32ToF16 and ConvertF16ToF32.
struct ConvertParams {
	// N is the number of values (halves).
	uint N;
	// Stride is the number of threads in the grid: Groups1D((N+1)/2) for
	// ConvertF32ToF16 (one thread per word), Groups1D(N) for ConvertF16ToF32.
	uint Stride;
	uint pad0;
	uint pad1;
};

#endif // __CVTPARAMS_HLSL__

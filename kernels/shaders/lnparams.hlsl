#ifndef __LNPARAMS_HLSL__
#define __LNPARAMS_HLSL__


// LayerNormParams are the push constants of LayerNorm.
struct LayerNormParams {
	// Rows and D: x is [Rows, D], normalised over D.
	uint Rows;
	uint D;
	// Stride is the number of threads in the grid (Groups1D(Rows)).
	uint Stride;
	// Eps is added to the variance (1e-5 in CLIP and the UNet).
	float Eps;
};

#endif // __LNPARAMS_HLSL__

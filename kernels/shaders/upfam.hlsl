#ifndef __UPFAM_HLSL__
#define __UPFAM_HLSL__


[[vk::binding(0, 0)]] RWStructuredBuffer<float> UpX;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> UpY;

// UpsampleParams are the push constants of Upsample2x: x [B·C, H, W] → y [B·C, 2H, 2W].
struct UpsampleParams {
	// N is the number of elements of y (4·B·C·H·W).
	uint N;
	// Stride is the number of threads in the grid (see Groups1D).
	uint Stride;
	// H and W are the input's height and width.
	uint H;
	uint W;
};

// Upsample2xAt sets y[i] to its nearest input pixel.
void Upsample2xAt(inout UpsampleParams p, uint i) {
	uint w2 = 2 * p.W;
	uint plane = i / (4 * p.H * p.W);
	uint r = i % (4 * p.H * p.W);
	uint y = r / w2;
	uint x = r % w2;
	UpY[i] = UpX[plane*p.H*p.W+(y/2)*p.W+x/2];
}
#endif // __UPFAM_HLSL__

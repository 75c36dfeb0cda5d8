#ifndef __UPFAM_HLSL__
#define __UPFAM_HLSL__


[[vk::binding(0, 0)]] RWStructuredBuffer<float> UpX;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> UpY;

// UpsampleParams are the push constants of Upsample2x: x [B·C, H, W] → y [B·C, 2H, 2W],
// or with Tokens y [B, 2H·2W, C] (then Stride counts threads over pixels, not elements).
struct UpsampleParams {
	// N is the number of elements of y (4·B·C·H·W).
	uint N;
	// Stride is the number of threads in the grid (see Groups1D).
	uint Stride;
	// H and W are the input's height and width.
	uint H;
	uint W;
	// C is the number of channels (read with Tokens).
	uint C;
	// Tokens, when nonzero, writes y channels-last (the "tex" and Winograd convs' input).
	uint Tokens;
	uint pad0;
	uint pad1;
};

// Upsample2xAt sets NCHW y[i] to its nearest input pixel.
void Upsample2xAt(inout UpsampleParams p, uint i) {
	uint w2 = 2 * p.W;
	uint plane = i / (4 * p.H * p.W);
	uint r = i % (4 * p.H * p.W);
	uint y = r / w2;
	uint x = r % w2;
	UpY[i] = UpX[plane*p.H*p.W+(y/2)*p.W+x/2];
}

// Upsample2xTokensAt sets the C channels of channels-last output pixel px (b·4HW + t):
// one division per pixel, not per element (lavapipe pays ~25 cycles a lane for each).
void Upsample2xTokensAt(inout UpsampleParams p, uint px) {
	uint hw = p.H * p.W;
	uint w2 = 2 * p.W;
	uint b = px / (4 * hw);
	uint t = px % (4 * hw);
	uint src = b*p.C*hw + (t/w2/2)*p.W + (t%w2)/2;
	uint dst = px * p.C;
	for (uint c = uint(0); c < p.C; c++) {
		UpY[dst+c] = UpX[src+c*hw];
	}
}
#endif // __UPFAM_HLSL__

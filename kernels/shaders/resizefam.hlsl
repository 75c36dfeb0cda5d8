#ifndef __RESIZEFAM_HLSL__
#define __RESIZEFAM_HLSL__


[[vk::binding(0, 0)]] RWStructuredBuffer<float> RsX;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> RsY;

// ResizeParams are the push constants of ResizeNearest: x [planes, H, W] → y [planes,
// OH, OW].
struct ResizeParams {
	// N is the number of elements of y.
	uint N;
	// Stride is the number of threads in the grid (see Groups1D).
	uint Stride;
	uint H;
	uint W;
	uint OH;
	uint OW;
	uint pad0;
	uint pad1;
};

// NearestSource is torch's nearest source index of output position dst when src
// positions are resized to size: min(floor(dst·(src/size)), src−1), the scale in float.
uint NearestSource(uint dst, uint src, uint size) {
	float scale = float(src) / float(size);
	uint s = uint(float(dst) * scale);
	if (s > src-1) {
		s = src - 1;
	}
	return s;
}

// ResizeNearestAt sets y[i] to its nearest input pixel.
void ResizeNearestAt(inout ResizeParams p, uint i) {
	uint plane = i / (p.OH * p.OW);
	uint r = i % (p.OH * p.OW);
	uint y = NearestSource(r/p.OW, p.H, p.OH);
	uint x = NearestSource(r%p.OW, p.W, p.OW);
	RsY[i] = RsX[plane*p.H*p.W+y*p.W+x];
}
#endif // __RESIZEFAM_HLSL__

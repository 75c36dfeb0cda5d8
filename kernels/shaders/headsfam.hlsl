#ifndef __HEADSFAM_HLSL__
#define __HEADSFAM_HLSL__


[[vk::binding(0, 0)]] RWStructuredBuffer<float> HdX;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> HdY;

// HeadsParams are the push constants of SplitHeads and MergeHeads.
struct HeadsParams {
	// N is the number of elements (B·T·H·D).
	uint N;
	// Stride is the number of threads in the grid (see Groups1D).
	uint Stride;
	uint T;
	uint H;
	uint D;
	// Transpose (SplitHeads) writes [B·H, D, T] instead of [B·H, T, D].
	uint Transpose;
	uint pad0;
	uint pad1;
};

// SplitHeadsAt sets element i of the per-head layout from the token-major input.
void SplitHeadsAt(inout HeadsParams p, uint i) {
	uint per = p.H * p.T * p.D;
	uint b = i / per;
	uint r = i % per;
	uint h = r / (p.T * p.D);
	uint t = (r / p.D) % p.T;
	uint d = r % p.D;
	if (p.Transpose != 0) {
		d = (r / p.T) % p.D;
		t = r % p.T;
	}
	HdY[i] = HdX[(b*p.T+t)*p.H*p.D+h*p.D+d];
}

// MergeHeadsAt sets element i of the token-major output from the per-head layout.
void MergeHeadsAt(inout HeadsParams p, uint i) {
	uint per = p.T * p.H * p.D;
	uint b = i / per;
	uint r = i % per;
	uint t = r / (p.H * p.D);
	uint c = r % (p.H * p.D);
	uint h = c / p.D;
	uint d = c % p.D;
	HdY[i] = HdX[((b*p.H+h)*p.T+t)*p.D+d];
}
#endif // __HEADSFAM_HLSL__

#ifndef __CATFAM_HLSL__
#define __CATFAM_HLSL__


[[vk::binding(0, 0)]] RWStructuredBuffer<float> CatA;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> CatB;
[[vk::binding(2, 0)]] RWStructuredBuffer<float> CatY;

// ConcatParams are the push constants of Concat: y [B, C1+C2, HW] = [a [B,C1,HW], b
// [B,C2,HW]] along channels (the UNet's skip connections). Any inner size works: for
// token layout [B·T, C1] ⊕ [B·T, C2] use AInner = C1, BInner = C2.
struct ConcatParams {
	// N is the number of elements of y.
	uint N;
	// Stride is the number of threads in the grid (see Groups1D).
	uint Stride;
	// AInner = C1·HW and BInner = C2·HW are the per-batch sizes of a and b.
	uint AInner;
	uint BInner;
};

// ConcatAt sets y[i] from a or b.
void ConcatAt(inout ConcatParams p, uint i) {
	uint row = p.AInner + p.BInner;
	uint b = i / row;
	uint r = i % row;
	if (r < p.AInner) {
		CatY[i] = CatA[b*p.AInner+r];
	} else {
		CatY[i] = CatB[b*p.BInner+r-p.AInner];
	}
}
#endif // __CATFAM_HLSL__

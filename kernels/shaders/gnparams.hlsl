#ifndef __GNPARAMS_HLSL__
#define __GNPARAMS_HLSL__


// Flags of GroupNormParams.Act.

static const uint GroupNormNoAct = 0;

// GroupNormSilu fuses y = silu(norm(x)).
static const uint GroupNormSilu = 1;

// GroupNormTokens writes y channels-last, [B, HW, C] (the layout of transformer
// tokens and of the "tex" conv's input), instead of [B, C, HW]; y must not alias x.
static const uint GroupNormTokens = 2;

// GroupNormShift normalises x + v[b, c] for a shift v [B, C] (bound after x in
// GroupNormStats, after stat in GroupNormApply).
static const uint GroupNormShift = 4;

// GroupNormTexels partitions the statistics by texels of 4 elements (HW a multiple
// of 4): partial thread t takes texels t, t+T, … of its group (GroupNormStatsTex).
// NewGroupNormParams sets it on CPU devices.
static const uint GroupNormTexels = 8;

// GroupNormParams are the push constants of the three GroupNorm kernels.
struct GroupNormParams {
	// B, C, HW: x is [B, C, HW] (NCHW with HW = H·W).
	uint B;
	uint C;
	uint HW;
	// G is the number of groups (32 in SD); C must be a multiple of G.
	uint G;
	// T is the number of partial-statistics threads per (batch, group).
	uint T;
	// Stride is the number of threads in the dispatch's grid (see GroupNormGroups).
	uint Stride;
	// Eps is added to the variance (1e-5 UNet, 1e-6 VAE).
	float Eps;
	// Act is a set of GroupNormSilu, GroupNormTokens, GroupNormShift and GroupNormTexels
	// (GroupNormNoAct: none).
	uint Act;
};

// GnFinalLanes is the workgroup size of GroupNormFinal: its lanes merge their shares of
// a group's partials (GnLaneMoments), then each other's in a tree.
const uint GnFinalLanes = 64;

// GnChunkCount is how many of a group's m elements partial thread t of T visits.
uint GnChunkCount(uint m, uint t, uint tt) {
	if (t >= m) {
		return 0;
	}
	return (m - t + tt - 1) / tt;
}
#endif // __GNPARAMS_HLSL__

package kernels

import "github.com/goki/mat32"

// Normalisation kernels.
//
// GroupNorm over NCHW x [B, C, HW] with G groups runs as three dispatches, so no group is
// limited by one workgroup (a VAE group at 512×512 is 4 channels × 262144 pixels):
//
//  1. GroupNormStats: T threads per (batch, group) each run Welford over the elements
//     t, t+T, t+2T, … of the group (a group is Cg·HW contiguous floats, Cg = C/G), and
//     write (mean, M2) to part [B·G·T·2]; on CPU devices with HW % 4 == 0,
//     GroupNormStatsTex over texels of 4 elements (GroupNormTexels).
//  2. GroupNormFinal: a workgroup per (batch, group) merges the T partials with Chan's
//     formula and writes (mean, 1/√(var+eps)) to stat [B·G·2] (biased variance, as torch).
//  3. GroupNormApply: y = (x−mean)·rstd·gamma[c] + beta[c], optionally followed by SiLU,
//     one thread per element (y may alias x); on CPU devices writing channels-last
//     with C and HW multiples of 4, GroupNormApplyTex (see GroupNormApplyFor).
//
// With GroupNormShift, x + v[b, c] is normalised for a per-channel shift v [B, C] (a
// ResNet block's timestep projection): the first and last passes add it as they read x,
// instead of a pass of its own writing the sum.
//
// A tensor beyond the 128 MiB binding limit (the VAE's 256 channels at 512×512) can be
// normalised in pieces of whole groups: bind the x/y/gamma/beta ranges of groups
// [g0, g1) of one batch element (and with GroupNormShift the shift's range of their
// channels) and pass B = 1 and C, G scaled down accordingly.
//
// LayerNorm normalises each row of x [Rows, D] over its D elements (one thread per row,
// two passes: mean, then Σ(x−mean)²), with gamma/beta [D]; LayerNormFor picks its
// builds (a texel one on CPU devices, a workgroup per row on GPUs).

// GroupNormThreads returns T, the partial-statistics threads per (batch, group), for
// groups of m elements on device t: on GPUs about 32 elements per thread, at most 4096
// threads (each thread walks its elements in sequence, so there the pass is as fast as
// it is wide: with 256 elements per thread it took 72 µs per UNet norm at 512² on an
// H100); on CPU devices about 256, at most 1024 (lavapipe pays per invocation: 32 per
// thread measured 15–25% slower there at 2×320×64², in two pairs of runs).
func GroupNormThreads(m int, t Target) uint32 {
	per, most := 32, 4096
	if t.CPU {
		per, most = 256, 1024
	}
	return uint32(min(max((m+per-1)/per, 1), most))
}

// NewGroupNormParams fills GroupNormParams for x [b, c, hw] with g groups on device t;
// act is a set of GroupNormSilu, GroupNormTokens and GroupNormShift, to which it adds
// GroupNormTexels on CPU devices where hw % 4 == 0 (then the statistics must run as
// GroupNormStatsFor says). Stride is left for the caller (see GroupNormGroups).
func NewGroupNormParams(b, c, hw, g int, eps float32, act uint32, t Target) GroupNormParams {
	if t.CPU && hw%4 == 0 {
		act |= GroupNormTexels
	}
	return GroupNormParams{B: uint32(b), C: uint32(c), HW: uint32(hw), G: uint32(g),
		T: GroupNormThreads(c/g*hw, t), Eps: eps, Act: act}
}

// GroupNormGroups returns the workgroup grids and strides of the three GroupNorm
// dispatches (stats, final, apply) and the float32 sizes of the part and stat scratch
// tensors; set p.Stride to the matching stride for each dispatch (the final pass's is 0:
// it does not use one).
func GroupNormGroups(p GroupNormParams) (groups [3][3]uint32, strides [3]uint32, partFloats, statFloats int) {
	bg := int(p.B * p.G)
	var g uint32
	g, strides[0] = Groups1D(bg * int(p.T))
	groups[0] = [3]uint32{g, 1, 1}
	groups[1] = [3]uint32{p.G, p.B, 1}
	if (p.Act & GroupNormTokens) != 0 {
		groups[2] = [3]uint32{(p.HW + 15) / 16, p.B, 1}
	} else {
		// about 4 pixels per invocation
		g = min((p.HW+4*Local1D-1)/(4*Local1D), maxGroups1D)
		groups[2], strides[2] = [3]uint32{g, p.B * p.C, 1}, g*Local1D
	}
	return groups, strides, bg * int(p.T) * 2, bg * 2
}

//gosl: start cpuonly

// Go-side storage buffers of the norm kernels.
var GnX, GnShift, GnPart, GnPartIn, GnStat []float32
var LnX, LnGamma, LnBeta, LnY []float32

//gosl: end cpuonly

//gosl: start gnparams

// Flags of GroupNormParams.Act.
const (
	GroupNormNoAct uint32 = 0
	// GroupNormSilu fuses y = silu(norm(x)).
	GroupNormSilu uint32 = 1
	// GroupNormTokens writes y channels-last, [B, HW, C] (the layout of transformer
	// tokens and of the "tex" conv's input), instead of [B, C, HW]; y must not alias x.
	GroupNormTokens uint32 = 2
	// GroupNormShift normalises x + v[b, c] for a shift v [B, C] (bound after x in
	// GroupNormStats, after stat in GroupNormApply).
	GroupNormShift uint32 = 4
	// GroupNormTexels partitions the statistics by texels of 4 elements (HW a multiple
	// of 4): partial thread t takes texels t, t+T, … of its group (GroupNormStatsTex).
	// NewGroupNormParams sets it on CPU devices.
	GroupNormTexels uint32 = 8
)

// GroupNormParams are the push constants of the three GroupNorm kernels.
type GroupNormParams struct {
	// B, C, HW: x is [B, C, HW] (NCHW with HW = H·W).
	B  uint32
	C  uint32
	HW uint32
	// G is the number of groups (32 in SD); C must be a multiple of G.
	G uint32
	// T is the number of partial-statistics threads per (batch, group).
	T uint32
	// Stride is the number of threads in the dispatch's grid (see GroupNormGroups).
	Stride uint32
	// Eps is added to the variance (1e-5 UNet, 1e-6 VAE).
	Eps float32
	// Act is a set of GroupNormSilu, GroupNormTokens, GroupNormShift and GroupNormTexels
	// (GroupNormNoAct: none).
	Act uint32
}

// GnFinalLanes is the workgroup size of GroupNormFinal: its lanes merge their shares of
// a group's partials (GnLaneMoments), then each other's in a tree.
const GnFinalLanes uint32 = 64

// GnChunkCount is how many of a group's m elements partial thread t of T visits.
func GnChunkCount(m, t, tt uint32) uint32 {
	if t >= m {
		return 0
	}
	return (m - t + tt - 1) / tt
}

//gosl: end gnparams

//gosl: hlsl gnstats
// #include "gnparams.hlsl"
// [[vk::binding(0, 0)]] RWStructuredBuffer<float> GnX;
// [[vk::binding(1, 0)]] RWStructuredBuffer<float> GnShift;
// [[vk::binding(2, 0)]] RWStructuredBuffer<float> GnPart;
//gosl: end gnstats

//gosl: start gnstats

// GnStatsAt runs Welford over partial thread idx's elements and writes (mean, M2).
// With GroupNormShift it follows each element's channel c (c, r: the element's
// channel and pixel within the group, stepped without dividing) for its shift.
func GnStatsAt(p *GroupNormParams, idx uint32) {
	bg := idx / p.T
	t := idx % p.T
	cg := p.C / p.G
	m := cg * p.HW
	base := bg * m
	shifted := (p.Act & GroupNormShift) != 0
	sb := bg/p.G*p.C + bg%p.G*cg // the group's first channel's shift
	c := t / p.HW
	r := t % p.HW
	dc := p.T / p.HW
	dr := p.T % p.HW
	n := float32(0)
	mean := float32(0)
	m2 := float32(0)
	for e := t; e < m; e += p.T {
		x := GnX[base+e]
		if shifted {
			x += GnShift[sb+c]
		}
		c += dc
		r += dr
		if r >= p.HW {
			r -= p.HW
			c++
		}
		n += 1
		d := x - mean
		mean += d / n
		m2 += d * (x - mean)
	}
	GnPart[2*idx] = mean
	GnPart[2*idx+1] = m2
}

//gosl: end gnstats

//gosl: hlsl gnfinal
// #include "gnparams.hlsl"
// [[vk::binding(0, 0)]] RWStructuredBuffer<float> GnPartIn;
// [[vk::binding(1, 0)]] RWStructuredBuffer<float> GnStat;
//gosl: end gnfinal

//gosl: start gnfinal

// GnMoments are the statistics of a set of values: their count, mean and M2 (the sum of
// squared deviations from the mean).
type GnMoments struct {
	N    float32
	Mean float32
	M2   float32
	pad0 float32
}

// GnMerge returns the moments of the union of the sets a and b (Chan et al.).
func GnMerge(a GnMoments, b GnMoments) GnMoments {
	if b.N == 0 {
		return a
	}
	if a.N == 0 {
		return b
	}
	var r GnMoments
	r.N = a.N + b.N
	delta := b.Mean - a.Mean
	r.Mean = a.Mean + delta*(b.N/r.N)
	r.M2 = a.M2 + b.M2 + delta*delta*(a.N*b.N/r.N)
	return r
}

// GnLaneMoments merges, in order, the partials t = lane, lane + GnFinalLanes, … of
// group bg: one lane's share of GroupNormFinal.
func GnLaneMoments(p *GroupNormParams, bg uint32, lane uint32) GnMoments {
	m := p.C / p.G * p.HW
	var a GnMoments
	a.N = 0
	a.Mean = 0
	a.M2 = 0
	for t := lane; t < p.T; t += GnFinalLanes {
		var b GnMoments
		if (p.Act & GroupNormTexels) != 0 {
			b.N = float32(4 * GnChunkCount(m/4, t, p.T))
		} else {
			b.N = float32(GnChunkCount(m, t, p.T))
		}
		k := 2 * (bg*p.T + t)
		b.Mean = GnPartIn[k]
		b.M2 = GnPartIn[k+1]
		a = GnMerge(a, b)
	}
	return a
}

// GnWriteStat writes group bg's (mean, 1/√(var+eps)) from its moments (biased
// variance, as torch).
func GnWriteStat(p *GroupNormParams, bg uint32, a GnMoments) {
	GnStat[2*bg] = a.Mean
	GnStat[2*bg+1] = 1 / mat32.Sqrt(a.M2/a.N+p.Eps)
}

//gosl: end gnfinal

// GnFinalAt is GroupNormFinal's work for group bg, in the kernel's order.
func GnFinalAt(p *GroupNormParams, bg uint32) {
	var tree [GnFinalLanes]GnMoments
	for lane := range tree {
		tree[lane] = GnLaneMoments(p, bg, uint32(lane))
	}
	for s := GnFinalLanes / 2; s > 0; s /= 2 {
		for lane := uint32(0); lane < s; lane++ {
			tree[lane] = GnMerge(tree[lane], tree[lane+s])
		}
	}
	GnWriteStat(p, bg, tree[0])
}

//gosl: hlsl gnapply
// #include "activation.hlsl"
// #include "gnparams.hlsl"
// [[vk::binding(0, 0)]] RWStructuredBuffer<float> GnXa;
// [[vk::binding(1, 0)]] RWStructuredBuffer<float> GnGamma;
// [[vk::binding(2, 0)]] RWStructuredBuffer<float> GnBeta;
// [[vk::binding(3, 0)]] RWStructuredBuffer<float> GnStatIn;
// [[vk::binding(4, 0)]] RWStructuredBuffer<float> GnShiftIn;
// [[vk::binding(5, 0)]] RWStructuredBuffer<float> GnY;
//gosl: end gnapply

//gosl: start gnapply

// GnNorm is the normalised value of x with its group's mean and rstd and its channel's
// gamma and beta, followed by SiLU with GroupNormSilu.
func GnNorm(p *GroupNormParams, x float32, mean float32, rstd float32, gamma float32, beta float32) float32 {
	y := (x-mean)*rstd*gamma + beta
	if (p.Act & GroupNormSilu) != 0 {
		y = SiluAct(y)
	}
	return y
}

//gosl: end gnapply

//gosl: hlsl groupnorm_stats
/*
#include "gnstats.hlsl"
[[vk::push_constant]] cbuffer PC { GroupNormParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	GroupNormParams p = P;
	uint n = p.B * p.G * p.T;
	for (uint i = id.x; i < n; i += p.Stride) {
		GnStatsAt(p, i);
	}
}
*/
//gosl: end groupnorm_stats

// The texel statistics pass (GroupNormTexels, CPU devices): GnStatsTexAt's partition
// and order, with x fetched a texel of 4 elements at a time where the storage-buffer
// pass loads every element on its own.

//gosl: hlsl groupnorm_stats_tex
/*
#include "gnparams.hlsl"
[[vk::binding(0, 0)]] Buffer<uint4> GnXt;
[[vk::binding(1, 0)]] RWStructuredBuffer<float> GnShift;
[[vk::binding(2, 0)]] RWStructuredBuffer<float> GnPart;
[[vk::push_constant]] cbuffer PC { GroupNormParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	GroupNormParams p = P;
	uint cg = p.C / p.G;
	uint hw4 = p.HW / 4;
	uint m4 = cg * hw4;
	bool shifted = (p.Act & GroupNormShift) != 0;
	for (uint idx = id.x; idx < p.B * p.G * p.T; idx += p.Stride) {
		uint bg = idx / p.T;
		uint t = idx % p.T;
		uint base = bg * m4;
		uint sb = bg / p.G * p.C + bg % p.G * cg;
		uint c = t / hw4;
		uint r = t % hw4;
		uint dc = p.T / hw4;
		uint dr = p.T % hw4;
		float n = 0;
		float mean = 0;
		float m2 = 0;
		for (uint e = t; e < m4; e += p.T) {
			float4 x = asfloat(GnXt[base + e]);
			if (shifted) {
				x += GnShift[sb + c];
			}
			c += dc;
			r += dr;
			if (r >= hw4) {
				r -= hw4;
				c++;
			}
			[unroll] for (uint k = 0; k < 4; k++) {
				n += 1;
				float d = x[k] - mean;
				mean += d / n;
				m2 += d * (x[k] - mean);
			}
		}
		GnPart[2 * idx] = mean;
		GnPart[2 * idx + 1] = m2;
	}
}
*/
//gosl: end groupnorm_stats_tex

// GnStatsTexAt is GnStatsAt for GroupNormTexels, the CPU reference of
// GroupNormStatsTex: partial thread idx runs Welford over the elements of texels t,
// t+T, … of its group, 4 at a time, its channel stepped a texel at a time.
func GnStatsTexAt(p *GroupNormParams, idx uint32) {
	bg, t := idx/p.T, idx%p.T
	cg, hw4 := p.C/p.G, p.HW/4
	m4 := cg * hw4
	sb := bg/p.G*p.C + bg%p.G*cg
	c, r := t/hw4, t%hw4
	n, mean, m2 := float32(0), float32(0), float32(0)
	for e := t; e < m4; e += p.T {
		v := float32(0)
		if (p.Act & GroupNormShift) != 0 {
			v = GnShift[sb+c]
		}
		c, r = c+p.T/hw4, r+p.T%hw4
		if r >= hw4 {
			r, c = r-hw4, c+1
		}
		for k := uint32(0); k < 4; k++ {
			x := GnX[4*(bg*m4+e)+k] + v
			n++
			d := x - mean
			mean += d / n
			m2 += d * (x - mean)
		}
	}
	GnPart[2*idx] = mean
	GnPart[2*idx+1] = m2
}

// The final pass takes a workgroup per group (x: group, y: batch).

//gosl: hlsl groupnorm_final
/*
#include "gnfinal.hlsl"
[[vk::push_constant]] cbuffer PC { GroupNormParams P; };
groupshared GnMoments gnTree[GnFinalLanes];
[numthreads(GnFinalLanes, 1, 1)]
void main(uint3 gid : SV_GroupID, uint3 lid : SV_GroupThreadID) {
	GroupNormParams p = P;
	uint bg = gid.y * p.G + gid.x;
	gnTree[lid.x] = GnLaneMoments(p, bg, lid.x);
	GroupMemoryBarrierWithGroupSync();
	for (uint s = GnFinalLanes / 2; s > 0; s >>= 1) {
		if (lid.x < s) {
			gnTree[lid.x] = GnMerge(gnTree[lid.x], gnTree[lid.x + s]);
		}
		GroupMemoryBarrierWithGroupSync();
	}
	if (lid.x == 0) {
		GnWriteStat(p, bg, gnTree[0]);
	}
}
*/
//gosl: end groupnorm_final

// The apply pass loads a channel's statistics and affine once and then streams its
// pixels, with no division per element (lavapipe pays ~25 cycles per lane for each).
// NCHW output: workgroup (x, y) takes pixels x·64 + lane, stepping by Stride, of channel
// row y = b·C + c. Channels-last output (GroupNormTokens): workgroup (x, y) takes the 16
// pixels from x·16 of image y, lane l the channels l, l + 64, …, so that consecutive
// invocations write consecutive channels of a pixel.

//gosl: hlsl groupnorm_apply
/*
#include "gnapply.hlsl"
[[vk::push_constant]] cbuffer PC { GroupNormParams P; };
[numthreads(64, 1, 1)]
void main(uint3 gid : SV_GroupID, uint3 lid : SV_GroupThreadID) {
	GroupNormParams p = P;
	uint cg = p.C / p.G;
	if ((p.Act & GroupNormTokens) != 0) {
		uint b = gid.y;
		uint t0 = gid.x * 16;
		uint n = min(16, p.HW - t0);
		for (uint c = lid.x; c < p.C; c += 64) {
			uint bg = b * p.G + c / cg;
			float mean = GnStatIn[2 * bg];
			float rstd = GnStatIn[2 * bg + 1];
			float gamma = GnGamma[c];
			float beta = GnBeta[c];
			float shift = (p.Act & GroupNormShift) != 0 ? GnShiftIn[b * p.C + c] : 0;
			uint xi = (b * p.C + c) * p.HW + t0;
			uint yi = (b * p.HW + t0) * p.C + c;
			for (uint j = 0; j < n; j++) {
				GnY[yi + j * p.C] = GnNorm(p, GnXa[xi + j] + shift, mean, rstd, gamma, beta);
			}
		}
		return;
	}
	uint row = gid.y;
	uint bg = (row / p.C) * p.G + (row % p.C) / cg;
	float mean = GnStatIn[2 * bg];
	float rstd = GnStatIn[2 * bg + 1];
	float gamma = GnGamma[row % p.C];
	float beta = GnBeta[row % p.C];
	float shift = (p.Act & GroupNormShift) != 0 ? GnShiftIn[row] : 0;
	uint base = row * p.HW;
	for (uint t = gid.x * 64 + lid.x; t < p.HW; t += p.Stride) {
		GnY[base + t] = GnNorm(p, GnXa[base + t] + shift, mean, rstd, gamma, beta);
	}
}
*/
//gosl: end groupnorm_apply

// The texel apply pass (GroupNormApplyTex, CPU devices, channels-last output with C and
// HW multiples of 4): workgroup (x, y) takes the 16 pixels from x·16 of image y, lane l
// the channel quads l, l + 64, …, and for each, four quads of pixels: it fetches 4
// pixels of each of its 4 channels as one texel each, and stores each pixel's 4
// channels as one float4, where the storage-buffer pass loads and stores every element
// on its own (lavapipe runs a loop over the lanes for each load and store).

//gosl: hlsl groupnorm_apply_tex
/*
#include "gnparams.hlsl"
[[vk::binding(0, 0)]] Buffer<uint4> GnXt;
[[vk::binding(1, 0)]] Buffer<uint4> GnGammaT;
[[vk::binding(2, 0)]] Buffer<uint4> GnBetaT;
[[vk::binding(3, 0)]] RWStructuredBuffer<float> GnStatIn;
[[vk::binding(4, 0)]] Buffer<uint4> GnShiftT;
[[vk::binding(5, 0)]] RWStructuredBuffer<float4> GnY4;
[[vk::push_constant]] cbuffer PC { GroupNormParams P; };
// // GnNorm4 is GnNorm for 4 channels of a pixel, in its order of operations.
float4 GnNorm4(GroupNormParams p, float4 x, float4 shift, float4 mean, float4 rstd, float4 gamma, float4 beta) {
	float4 y = (x + shift - mean) * rstd * gamma + beta;
	if ((p.Act & GroupNormSilu) != 0) {
		y = y / (1 + exp(-y));
	}
	return y;
}
[numthreads(64, 1, 1)]
void main(uint3 gid : SV_GroupID, uint3 lid : SV_GroupThreadID) {
	GroupNormParams p = P;
	uint cg = p.C / p.G;
	uint c4n = p.C / 4;
	uint hw4 = p.HW / 4;
	uint b = gid.y;
	uint t0 = gid.x * 16;
	uint q4 = min(16, p.HW - t0) / 4;
	for (uint c4 = lid.x; c4 < c4n; c4 += 64) {
		uint c = 4 * c4;
		float4 mean;
		float4 rstd;
		if (cg % 4 == 0) { // the quad lies in one group
			uint bg = b * p.G + c / cg;
			mean = GnStatIn[2 * bg];
			rstd = GnStatIn[2 * bg + 1];
		} else {
			[unroll] for (uint k = 0; k < 4; k++) {
				uint bg = b * p.G + (c + k) / cg;
				mean[k] = GnStatIn[2 * bg];
				rstd[k] = GnStatIn[2 * bg + 1];
			}
		}
		float4 gamma = asfloat(GnGammaT[c4]);
		float4 beta = asfloat(GnBetaT[c4]);
		float4 shift = (p.Act & GroupNormShift) != 0 ? asfloat(GnShiftT[b * c4n + c4]) : float4(0, 0, 0, 0);
		uint xt = (b * p.C + c) * hw4 + t0 / 4;
		uint yi = (b * p.HW + t0) * c4n + c4;
		for (uint q = 0; q < q4; q++) {
			float4 x0 = asfloat(GnXt[xt + q]);
			float4 x1 = asfloat(GnXt[xt + q + hw4]);
			float4 x2 = asfloat(GnXt[xt + q + 2 * hw4]);
			float4 x3 = asfloat(GnXt[xt + q + 3 * hw4]);
			uint yq = yi + 4 * q * c4n;
			GnY4[yq] = GnNorm4(p, float4(x0.x, x1.x, x2.x, x3.x), shift, mean, rstd, gamma, beta);
			GnY4[yq + c4n] = GnNorm4(p, float4(x0.y, x1.y, x2.y, x3.y), shift, mean, rstd, gamma, beta);
			GnY4[yq + 2 * c4n] = GnNorm4(p, float4(x0.z, x1.z, x2.z, x3.z), shift, mean, rstd, gamma, beta);
			GnY4[yq + 3 * c4n] = GnNorm4(p, float4(x0.w, x1.w, x2.w, x3.w), shift, mean, rstd, gamma, beta);
		}
	}
}
*/
//gosl: end groupnorm_apply_tex

// GroupNormStats is GroupNorm's first pass: binding 0 x [B,C,HW], 1 the shift v [B,C]
// (read; bind any tensor without GroupNormShift), 2 part [B·G·T·2] (written). Params
// GroupNormParams with Stride of GroupNormGroups[0].
var GroupNormStats = Spec{Name: "groupnorm_stats", Reads: 2, Writes: 1, ParamsSize: 32, Local: [3]uint32{Local1D, 1, 1}}

// GroupNormStatsTex is GroupNormStats for GroupNormTexels (x bound as a texel buffer).
var GroupNormStatsTex = Spec{Name: "groupnorm_stats_tex", Reads: 2, Writes: 1, ParamsSize: 32, Local: [3]uint32{Local1D, 1, 1}, Texels: 1}

// GroupNormStatsFor returns the statistics pass for p: GroupNormStatsTex with
// GroupNormTexels, else GroupNormStats.
func GroupNormStatsFor(p GroupNormParams) Spec {
	if (p.Act & GroupNormTexels) != 0 {
		return GroupNormStatsTex
	}
	return GroupNormStats
}

// GroupNormFinal is GroupNorm's second pass: binding 0 part (read), 1 stat [B·G·2]
// (written: mean, rstd per group). Grid of GroupNormGroups[1] (Stride unused).
var GroupNormFinal = Spec{Name: "groupnorm_final", Reads: 1, Writes: 1, ParamsSize: 32, Local: [3]uint32{GnFinalLanes, 1, 1}}

// GroupNormApply is GroupNorm's third pass: binding 0 x, 1 gamma [C], 2 beta [C], 3 stat,
// 4 the shift v [B,C] (read; any tensor without GroupNormShift), 5 y [B,C,HW] (written;
// may alias x unless channels-last). Grid and Stride of GroupNormGroups[2].
var GroupNormApply = Spec{Name: "groupnorm_apply", Reads: 5, Writes: 1, ParamsSize: 32, Local: [3]uint32{Local1D, 1, 1}}

// GroupNormApplyTex is GroupNormApply for CPU devices writing channels-last, with x,
// gamma, beta and the shift bound as texel buffers (see GroupNormApplyFor).
var GroupNormApplyTex = Spec{Name: "groupnorm_apply_tex", Reads: 5, Writes: 1, ParamsSize: 32, Local: [3]uint32{Local1D, 1, 1}, Texels: 1<<0 | 1<<1 | 1<<2 | 1<<4}

// GroupNormApplyFor returns the apply pass for p on device t: GroupNormApplyTex on CPU
// devices for channels-last output with C and HW multiples of 4 (its texels are 4
// channels or 4 pixels), else GroupNormApply. Both take GroupNormGroups' grid.
func GroupNormApplyFor(p GroupNormParams, t Target) Spec {
	if t.CPU && (p.Act&GroupNormTokens) != 0 && p.C%4 == 0 && p.HW%4 == 0 {
		return GroupNormApplyTex
	}
	return GroupNormApply
}

// GroupNormCPU is the CPU reference of the three GroupNorm passes (p.Stride ignored;
// shift is read with GroupNormShift only).
func GroupNormCPU(p GroupNormParams, x, shift, gamma, beta, y []float32) {
	cpuMu.Lock()
	defer cpuMu.Unlock()
	bg := p.B * p.G
	part := make([]float32, bg*p.T*2)
	stat := make([]float32, bg*2)
	GnX, GnShift, GnPart = x, shift, part
	for i := uint32(0); i < bg*p.T; i++ {
		if (p.Act & GroupNormTexels) != 0 {
			GnStatsTexAt(&p, i)
		} else {
			GnStatsAt(&p, i)
		}
	}
	GnPartIn, GnStat = part, stat
	for i := uint32(0); i < bg; i++ {
		GnFinalAt(&p, i)
	}
	for b := uint32(0); b < p.B; b++ {
		for c := uint32(0); c < p.C; c++ {
			bg := b*p.G + c/(p.C/p.G)
			var v float32
			if (p.Act & GroupNormShift) != 0 {
				v = shift[b*p.C+c]
			}
			for t := uint32(0); t < p.HW; t++ {
				yi := (b*p.C+c)*p.HW + t
				if (p.Act & GroupNormTokens) != 0 {
					yi = (b*p.HW+t)*p.C + c
				}
				y[yi] = GnNorm(&p, x[(b*p.C+c)*p.HW+t]+v, stat[2*bg], stat[2*bg+1], gamma[c], beta[c])
			}
		}
	}
	GnX, GnShift, GnPart, GnPartIn, GnStat = nil, nil, nil, nil, nil
}

//gosl: start lnparams

// LayerNormParams are the push constants of LayerNorm.
type LayerNormParams struct {
	// Rows and D: x is [Rows, D], normalised over D.
	Rows uint32
	D    uint32
	// Stride is the number of threads in the grid (Groups1D(Rows)).
	Stride uint32
	// Eps is added to the variance (1e-5 in CLIP and the UNet).
	Eps float32
}

//gosl: end lnparams

//gosl: hlsl lnfam
// #include "lnparams.hlsl"
// [[vk::binding(0, 0)]] RWStructuredBuffer<float> LnX;
// [[vk::binding(1, 0)]] RWStructuredBuffer<float> LnGamma;
// [[vk::binding(2, 0)]] RWStructuredBuffer<float> LnBeta;
// [[vk::binding(3, 0)]] RWStructuredBuffer<float> LnY;
//gosl: end lnfam

//gosl: start lnfam

// LnRowAt normalises row r: two passes for mean and variance, then the affine.
func LnRowAt(p *LayerNormParams, r uint32) {
	base := r * p.D
	s := float32(0)
	for j := uint32(0); j < p.D; j++ {
		s += LnX[base+j]
	}
	mean := s / float32(p.D)
	v := float32(0)
	for j := uint32(0); j < p.D; j++ {
		d := LnX[base+j] - mean
		v += d * d
	}
	rstd := 1 / mat32.Sqrt(v/float32(p.D)+p.Eps)
	for j := uint32(0); j < p.D; j++ {
		LnY[base+j] = (LnX[base+j]-mean)*rstd*LnGamma[j] + LnBeta[j]
	}
}

//gosl: end lnfam

//gosl: hlsl layernorm
/*
#include "lnfam.hlsl"
[[vk::push_constant]] cbuffer PC { LayerNormParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	LayerNormParams p = P;
	for (uint r = id.x; r < p.Rows; r += p.Stride) {
		LnRowAt(p, r);
	}
}
*/
//gosl: end layernorm

// The texel layer norm for CPU devices (D a multiple of 4): LnRowAt's passes and order
// of additions, with x, gamma and beta fetched 4 elements a texel and y stored as
// float4s, where the storage-buffer kernel loads and stores every element on its own.

//gosl: hlsl layernorm_tex
/*
#include "lnparams.hlsl"
[[vk::binding(0, 0)]] Buffer<uint4> LnXt;
[[vk::binding(1, 0)]] Buffer<uint4> LnGammaT;
[[vk::binding(2, 0)]] Buffer<uint4> LnBetaT;
[[vk::binding(3, 0)]] RWStructuredBuffer<float4> LnY4;
[[vk::push_constant]] cbuffer PC { LayerNormParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	LayerNormParams p = P;
	uint d4 = p.D / 4;
	for (uint r = id.x; r < p.Rows; r += p.Stride) {
		uint base = r * d4;
		float s = 0;
		for (uint j = 0; j < d4; j++) {
			float4 x = asfloat(LnXt[base + j]);
			s += x.x;
			s += x.y;
			s += x.z;
			s += x.w;
		}
		float mean = s / float(p.D);
		float v = 0;
		for (uint j = 0; j < d4; j++) {
			float4 d = asfloat(LnXt[base + j]) - mean;
			v += d.x * d.x;
			v += d.y * d.y;
			v += d.z * d.z;
			v += d.w * d.w;
		}
		float rstd = 1 / sqrt(v / float(p.D) + p.Eps);
		for (uint j = 0; j < d4; j++) {
			LnY4[base + j] = (asfloat(LnXt[base + j]) - mean) * rstd * asfloat(LnGammaT[j]) + asfloat(LnBetaT[j]);
		}
	}
}
*/
//gosl: end layernorm_tex

// The row-per-workgroup layer norm for GPUs: 64 invocations share a row (coalesced
// reads, tree reductions in groupshared memory), where the row-per-invocation kernel
// leaves a GPU mostly idle (8192 rows are 128 workgroups) and strides its reads.

//gosl: hlsl layernorm_rows
/*
#include "lnfam.hlsl"
[[vk::push_constant]] cbuffer PC { LayerNormParams P; };
groupshared float LnRed[64];
float LnBlockSum(float v, uint lid) {
	LnRed[lid] = v;
	GroupMemoryBarrierWithGroupSync();
	[unroll] for (uint s = 32; s > 0; s >>= 1) {
		if (lid < s) {
			LnRed[lid] += LnRed[lid + s];
		}
		GroupMemoryBarrierWithGroupSync();
	}
	float r = LnRed[0];
	GroupMemoryBarrierWithGroupSync();
	return r;
}
[numthreads(64, 1, 1)]
void main(uint3 gid : SV_GroupID, uint3 lid : SV_GroupThreadID) {
	LayerNormParams p = P;
	uint r = gid.y * 65535 + gid.x; // LayerNormRowsGroups
	if (r >= p.Rows) {
		return; // the whole workgroup: r is uniform
	}
	uint base = r * p.D;
	float s = 0;
	for (uint j = lid.x; j < p.D; j += 64) { s += LnX[base + j]; }
	float mean = LnBlockSum(s, lid.x) / float(p.D);
	float v = 0;
	for (uint j = lid.x; j < p.D; j += 64) {
		float d = LnX[base + j] - mean;
		v += d * d;
	}
	float rstd = 1 / sqrt(LnBlockSum(v, lid.x) / float(p.D) + p.Eps);
	for (uint j = lid.x; j < p.D; j += 64) {
		LnY[base + j] = (LnX[base + j] - mean) * rstd * LnGamma[j] + LnBeta[j];
	}
}
*/
//gosl: end layernorm_rows

// LayerNorm normalises the rows of x [Rows, D]: binding 0 x, 1 gamma [D], 2 beta [D]
// (read), 3 y [Rows, D] (written; may alias x). Params LayerNormParams; Groups1D(Rows).
var LayerNorm = Spec{Name: "layernorm", Reads: 3, Writes: 1, ParamsSize: 16, Local: [3]uint32{Local1D, 1, 1}}

// LayerNormTex is LayerNorm for CPU devices with D a multiple of 4 (x, gamma and beta
// bound as texel buffers; y must not alias x); see LayerNormFor.
var LayerNormTex = Spec{Name: "layernorm_tex", Reads: 3, Writes: 1, ParamsSize: 16, Local: [3]uint32{Local1D, 1, 1}, Texels: 1<<0 | 1<<1 | 1<<2}

// LayerNormRows is LayerNorm with a 64-invocation workgroup per row, for GPUs: the
// same bindings and params (Stride unused); groups from LayerNormRowsGroups.
var LayerNormRows = Spec{Name: "layernorm_rows", Reads: 3, Writes: 1, ParamsSize: 16, Local: [3]uint32{64, 1, 1}}

// layerNormRowsX is the rows per grid row of LayerNormRows (65535 in its HLSL).
const layerNormRowsX = 65535

// LayerNormFor returns the layer norm of rows × d on device t, its params (Eps unset)
// and grid: LayerNormRows on GPUs, LayerNormTex on CPU devices where d is a multiple
// of 4 (its y must not alias x), else LayerNorm.
func LayerNormFor(rows, d int, t Target) (Spec, LayerNormParams, [3]uint32) {
	p := LayerNormParams{Rows: uint32(rows), D: uint32(d)}
	if !t.CPU {
		return LayerNormRows, p, LayerNormRowsGroups(rows)
	}
	g, stride := Groups1D(rows)
	p.Stride = stride
	if d%4 == 0 {
		return LayerNormTex, p, [3]uint32{g, 1, 1}
	}
	return LayerNorm, p, [3]uint32{g, 1, 1}
}

// LayerNormRowsGroups returns LayerNormRows' workgroup counts for rows rows.
func LayerNormRowsGroups(rows int) [3]uint32 {
	return [3]uint32{uint32(min(rows, layerNormRowsX)), uint32((rows + layerNormRowsX - 1) / layerNormRowsX), 1}
}

// LayerNormCPU is the CPU reference of LayerNorm.
func LayerNormCPU(p LayerNormParams, x, gamma, beta, y []float32) {
	cpuMu.Lock()
	defer cpuMu.Unlock()
	LnX, LnGamma, LnBeta, LnY = x, gamma, beta, y
	for r := uint32(0); r < p.Rows; r++ {
		LnRowAt(&p, r)
	}
	LnX, LnGamma, LnBeta, LnY = nil, nil, nil, nil
}

package kernels

import "github.com/goki/mat32"

// Layout and small tensor operations: channel concat, nearest 2× upsample, sinusoidal
// timestep embedding, NCHW ⇄ token transposes, row softmax, fp32 ⇄ fp16. All are 1-D
// grid-stride kernels (Groups1D over the element count named in their Params).

//gosl: start cpuonly

// Go-side storage buffers of the tensor operations.
var CatA, CatB, CatY []float32
var UpX, UpY []float32
var TeT, TeY []float32
var TpX, TpR, TpY []float32
var SmX, SmY []float32
var CvF32In, CvF32Out []float32
var CvF16In, CvF16Out []uint32

//gosl: end cpuonly

// ---- concat along channels ----

//gosl: hlsl catfam
// [[vk::binding(0, 0)]] RWStructuredBuffer<float> CatA;
// [[vk::binding(1, 0)]] RWStructuredBuffer<float> CatB;
// [[vk::binding(2, 0)]] RWStructuredBuffer<float> CatY;
//gosl: end catfam

//gosl: start catfam

// ConcatParams are the push constants of Concat: y [B, C1+C2, HW] = [a [B,C1,HW], b
// [B,C2,HW]] along channels (the UNet's skip connections). Any inner size works: for
// token layout [B·T, C1] ⊕ [B·T, C2] use AInner = C1, BInner = C2.
type ConcatParams struct {
	// N is the number of elements of y.
	N uint32
	// Stride is the number of threads in the grid (see Groups1D).
	Stride uint32
	// AInner = C1·HW and BInner = C2·HW are the per-batch sizes of a and b.
	AInner uint32
	BInner uint32
}

// ConcatAt sets y[i] from a or b.
func ConcatAt(p *ConcatParams, i uint32) {
	row := p.AInner + p.BInner
	b := i / row
	r := i % row
	if r < p.AInner {
		CatY[i] = CatA[b*p.AInner+r]
	} else {
		CatY[i] = CatB[b*p.BInner+r-p.AInner]
	}
}

//gosl: end catfam

//gosl: hlsl concat
/*
#include "catfam.hlsl"
[[vk::push_constant]] cbuffer PC { ConcatParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	ConcatParams p = P;
	for (uint i = id.x; i < p.N; i += p.Stride) {
		ConcatAt(p, i);
	}
}
*/
//gosl: end concat

// Concat is y = cat(a, b) along channels (ConcatParams): binding 0 a, 1 b (read), 2 y
// (written).
var Concat = Spec{Name: "concat", Reads: 2, Writes: 1, ParamsSize: 16, Local: [3]uint32{Local1D, 1, 1}}

// The texel concat for CPU devices (AInner and BInner multiples of 4): workgroup (x, y)
// copies 16-byte texels x·64 + lane, stepping by Stride (here the texels a grid row
// covers), of image y, with no division per element (ConcatAt's i / row costs lavapipe
// ≈ 25 cycles a lane).

//gosl: hlsl concat_tex
/*
#include "catfam.hlsl"
[[vk::push_constant]] cbuffer PC { ConcatParams P; };
[[vk::binding(0, 0)]] Buffer<uint4> CatAt;
[[vk::binding(1, 0)]] Buffer<uint4> CatBt;
[[vk::binding(2, 0)]] RWStructuredBuffer<uint4> CatY4;
[numthreads(64, 1, 1)]
void main(uint3 gid : SV_GroupID, uint3 lid : SV_GroupThreadID) {
	ConcatParams p = P;
	uint a4 = p.AInner / 4;
	uint b4 = p.BInner / 4;
	uint b = gid.y;
	for (uint r = gid.x * 64 + lid.x; r < a4 + b4; r += p.Stride) {
		CatY4[b * (a4 + b4) + r] = r < a4 ? CatAt[b * a4 + r] : CatBt[b * b4 + r - a4];
	}
}
*/
//gosl: end concat_tex

// ConcatTex is Concat's texel build (a and b bound as texel buffers); see ConcatFor.
var ConcatTex = Spec{Name: "concat_tex", Reads: 2, Writes: 1, ParamsSize: 16, Local: [3]uint32{Local1D, 1, 1}, Texels: 1<<0 | 1<<1}

// ConcatFor returns the concat of a [batch, aInner] and b [batch, bInner] (per-batch
// sizes) on device t, its params and grid: ConcatTex on CPU devices where both sizes
// are multiples of 4, else Concat.
func ConcatFor(batch, aInner, bInner int, t Target) (Spec, ConcatParams, [3]uint32) {
	p := ConcatParams{N: uint32(batch * (aInner + bInner)), AInner: uint32(aInner), BInner: uint32(bInner)}
	if t.CPU && aInner%4 == 0 && bInner%4 == 0 {
		g := min(((aInner+bInner)/4+Local1D-1)/Local1D, maxGroups1D)
		p.Stride = uint32(g * Local1D)
		return ConcatTex, p, [3]uint32{uint32(g), uint32(batch), 1}
	}
	g, stride := Groups1D(int(p.N))
	p.Stride = stride
	return Concat, p, [3]uint32{g, 1, 1}
}

// ConcatCPU is the CPU reference of Concat.
func ConcatCPU(p ConcatParams, a, b, y []float32) {
	cpuMu.Lock()
	defer cpuMu.Unlock()
	CatA, CatB, CatY = a, b, y
	for i := uint32(0); i < p.N; i++ {
		ConcatAt(&p, i)
	}
	CatA, CatB, CatY = nil, nil, nil
}

// ---- nearest-neighbour 2× upsample ----

//gosl: hlsl upfam
// [[vk::binding(0, 0)]] RWStructuredBuffer<float> UpX;
// [[vk::binding(1, 0)]] RWStructuredBuffer<float> UpY;
//gosl: end upfam

//gosl: start upfam

// UpsampleParams are the push constants of Upsample2x: x [B·C, H, W] → y [B·C, 2H, 2W],
// or with Tokens y [B, 2H·2W, C] (then Stride counts threads over pixels, not elements).
type UpsampleParams struct {
	// N is the number of elements of y (4·B·C·H·W).
	N uint32
	// Stride is the number of threads in the grid (see Groups1D).
	Stride uint32
	// H and W are the input's height and width.
	H uint32
	W uint32
	// C is the number of channels (read with Tokens).
	C uint32
	// Tokens, when nonzero, writes y channels-last (the "tex" and Winograd convs' input).
	Tokens uint32
	pad0   uint32
	pad1   uint32
}

// Upsample2xAt sets NCHW y[i] to its nearest input pixel.
func Upsample2xAt(p *UpsampleParams, i uint32) {
	w2 := 2 * p.W
	plane := i / (4 * p.H * p.W)
	r := i % (4 * p.H * p.W)
	y := r / w2
	x := r % w2
	UpY[i] = UpX[plane*p.H*p.W+(y/2)*p.W+x/2]
}

// Upsample2xTokensAt sets the C channels of channels-last output pixel px (b·4HW + t):
// one division per pixel, not per element (lavapipe pays ~25 cycles a lane for each).
func Upsample2xTokensAt(p *UpsampleParams, px uint32) {
	hw := p.H * p.W
	w2 := 2 * p.W
	b := px / (4 * hw)
	t := px % (4 * hw)
	src := b*p.C*hw + (t/w2/2)*p.W + (t%w2)/2
	dst := px * p.C
	for c := uint32(0); c < p.C; c++ {
		UpY[dst+c] = UpX[src+c*hw]
	}
}

//gosl: end upfam

//gosl: hlsl upsample2x
/*
#include "upfam.hlsl"
[[vk::push_constant]] cbuffer PC { UpsampleParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	UpsampleParams p = P;
	if (p.Tokens != 0) {
		uint pixels = p.N / p.C;
		for (uint px = id.x; px < pixels; px += p.Stride) {
			Upsample2xTokensAt(p, px);
		}
		return;
	}
	for (uint i = id.x; i < p.N; i += p.Stride) {
		Upsample2xAt(p, i);
	}
}
*/
//gosl: end upsample2x

// Upsample2x is nearest 2× upsampling of NCHW (UpsampleParams): binding 0 x (read), 1 y
// (written; NCHW, or channels-last with Tokens).
var Upsample2x = Spec{Name: "upsample2x", Reads: 1, Writes: 1, ParamsSize: 32, Local: [3]uint32{Local1D, 1, 1}}

// Upsample2xCPU is the CPU reference of Upsample2x.
func Upsample2xCPU(p UpsampleParams, x, y []float32) {
	cpuMu.Lock()
	defer cpuMu.Unlock()
	UpX, UpY = x, y
	if p.Tokens != 0 {
		for px := uint32(0); px < p.N/p.C; px++ {
			Upsample2xTokensAt(&p, px)
		}
	} else {
		for i := uint32(0); i < p.N; i++ {
			Upsample2xAt(&p, i)
		}
	}
	UpX, UpY = nil, nil
}

// ---- sinusoidal timestep embedding ----

//gosl: hlsl tembfam
// [[vk::binding(0, 0)]] RWStructuredBuffer<float> TeT;
// [[vk::binding(1, 0)]] RWStructuredBuffer<float> TeY;
//gosl: end tembfam

//gosl: start tembfam

// TimestepParams are the push constants of TimestepEmbedding.
type TimestepParams struct {
	// N is the number of elements of y [B, Dim].
	N uint32
	// Stride is the number of threads in the grid (see Groups1D).
	Stride uint32
	// Dim is the embedding width (even; 320 in SD).
	Dim uint32
	// Row b's timestep is t[TOff + b·TStep] (TStep 0: one timestep for every row).
	TOff  uint32
	TStep uint32
	pad0  uint32
	pad1  uint32
	pad2  uint32
}

// TimestepAt sets y[i] = cos(t·f_k) for k < Dim/2, sin(t·f_{k−Dim/2}) after, with
// f_k = exp(−ln(10000)·k/(Dim/2)): diffusers' get_timestep_embedding with
// flip_sin_to_cos=True and downscale_freq_shift=0, as SD's UNet uses it.
func TimestepAt(p *TimestepParams, i uint32) {
	half := p.Dim / 2
	b := i / p.Dim
	k := i % p.Dim
	t := TeT[p.TOff+b*p.TStep]
	j := k
	if k >= half {
		j = k - half
	}
	f := mat32.Exp(-9.210340371976184 * float32(j) / float32(half))
	a := t * f
	if k < half {
		TeY[i] = mat32.Cos(a)
	} else {
		TeY[i] = mat32.Sin(a)
	}
}

//gosl: end tembfam

//gosl: hlsl timestep_embedding
/*
#include "tembfam.hlsl"
[[vk::push_constant]] cbuffer PC { TimestepParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	TimestepParams p = P;
	for (uint i = id.x; i < p.N; i += p.Stride) {
		TimestepAt(p, i);
	}
}
*/
//gosl: end timestep_embedding

// TimestepEmbedding writes the sinusoidal embedding of timesteps read from a tensor
// (so a recorded plan replays with a new timestep written by the host)
// (TimestepParams): binding 0 t (read), 1 y [B, Dim] (written).
var TimestepEmbedding = Spec{Name: "timestep_embedding", Reads: 1, Writes: 1, ParamsSize: 32, Local: [3]uint32{Local1D, 1, 1}}

// TimestepEmbeddingCPU is the CPU reference of TimestepEmbedding.
func TimestepEmbeddingCPU(p TimestepParams, t, y []float32) {
	cpuMu.Lock()
	defer cpuMu.Unlock()
	TeT, TeY = t, y
	for i := uint32(0); i < p.N; i++ {
		TimestepAt(&p, i)
	}
	TeT, TeY = nil, nil
}

// ---- NCHW ⇄ tokens ----

// Layout kernels work in chunks: rows of l output elements cut into chunks of up to
// 16, none crossing a row, so that the index arithmetic (integer divisions, ~25 cycles
// a lane on lavapipe) is paid once per chunk instead of once per element.

//gosl: start chunks

// ChunkCount is the number of chunks of rows rows of l elements.
func ChunkCount(rows uint32, l uint32) uint32 {
	return rows * ((l + 15) / 16)
}

// ChunkRow is the row of chunk j of rows of l elements.
func ChunkRow(j uint32, l uint32) uint32 {
	return j / ((l + 15) / 16)
}

// ChunkStart is the first element, within its row, of chunk j of rows of l elements.
func ChunkStart(j uint32, l uint32) uint32 {
	return (j % ((l + 15) / 16)) * 16
}

// ChunkLen is the number of elements (1..16) of chunk j of rows of l elements.
func ChunkLen(j uint32, l uint32) uint32 {
	n := l - ChunkStart(j, l)
	if n > 16 {
		n = 16
	}
	return n
}

//gosl: end chunks

//gosl: hlsl tpfam
// #include "chunks.hlsl"
// [[vk::binding(0, 0)]] RWStructuredBuffer<float> TpX;
// [[vk::binding(1, 0)]] RWStructuredBuffer<float> TpR;
// [[vk::binding(2, 0)]] RWStructuredBuffer<float> TpY;
//gosl: end tpfam

//gosl: start tpfam

// TransposeParams are the push constants of NCHWToTokens and TokensToNCHW.
type TransposeParams struct {
	// N is the number of elements (B·C·HW).
	N uint32
	// Stride is the number of threads in the grid (see NewTransposeParams).
	Stride uint32
	// C channels, HW pixels (tokens).
	C  uint32
	HW uint32
	// Residual, when nonzero, adds r (in y's layout) to y.
	Residual uint32
	pad0     uint32
	pad1     uint32
	pad2     uint32
}

// TpChunks is the number of chunks (the kernels' work items) of a transpose to tokens
// (toTokens, output rows of C) or to NCHW (rows of HW).
func TpChunks(p *TransposeParams, toTokens bool) uint32 {
	if toTokens {
		return ChunkCount(p.N/p.C, p.C)
	}
	return ChunkCount(p.N/p.HW, p.HW)
}

// TpTransposeChunk sets chunk j of y [B, s, r] (output row b·s + t, r long) from
// x [B, r, s] (+ the residual): both transposes are this one with (r, s) = (C, HW) or
// (HW, C).
func TpTransposeChunk(p *TransposeParams, j uint32, r uint32, s uint32) {
	row := ChunkRow(j, r)
	k0 := ChunkStart(j, r)
	n := ChunkLen(j, r)
	t := row % s
	b := row / s
	src := (b*r+k0)*s + t
	dst := row*r + k0
	for k := uint32(0); k < n; k++ {
		v := TpX[src+k*s]
		if p.Residual != 0 {
			v += TpR[dst+k]
		}
		TpY[dst+k] = v
	}
}

// NCHWToTokensChunk sets chunk j of y [B, HW, C] (row b·HW + t) from x [B, C, HW].
func NCHWToTokensChunk(p *TransposeParams, j uint32) {
	TpTransposeChunk(p, j, p.C, p.HW)
}

// TokensToNCHWChunk sets chunk j of y [B, C, HW] (row b·C + c) from x [B, HW, C].
func TokensToNCHWChunk(p *TransposeParams, j uint32) {
	TpTransposeChunk(p, j, p.HW, p.C)
}

//gosl: end tpfam

//gosl: hlsl nchw_to_tokens
/*
#include "tpfam.hlsl"
[[vk::push_constant]] cbuffer PC { TransposeParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	TransposeParams p = P;
	uint chunks = TpChunks(p, true);
	for (uint j = id.x; j < chunks; j += p.Stride) {
		NCHWToTokensChunk(p, j);
	}
}
*/
//gosl: end nchw_to_tokens

//gosl: hlsl tokens_to_nchw
/*
#include "tpfam.hlsl"
[[vk::push_constant]] cbuffer PC { TransposeParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	TransposeParams p = P;
	uint chunks = TpChunks(p, false);
	for (uint j = id.x; j < chunks; j += p.Stride) {
		TokensToNCHWChunk(p, j);
	}
}
*/
//gosl: end tokens_to_nchw

// The texel transposes (CPU devices, C and HW multiples of 4), y [B, s, r] from
// x [B, r, s]: each invocation moves 4×4 blocks, fetching 4 input rows' 16 bytes as one
// texel each and storing 4 output rows' as one float4 each (the residual fetched as
// texels too), where the storage-buffer transposes load and store every element on its
// own. Invocation x·64 + lane of workgroup (x, y, z) takes output rows 4·(x·64 + lane)
// to +3 of image z, and in them the 4-element columns y, y + Stride, … (Stride: the
// grid's y size here, not a thread count).

//gosl: hlsl nchw_to_tokens_tex
/*
#include "tpfam.hlsl"
// // sdgo:variant tokens_to_nchw_tex -DTP_TO_NCHW=1
[[vk::push_constant]] cbuffer PC { TransposeParams P; };
[[vk::binding(0, 0)]] Buffer<uint4> TpXt;
[[vk::binding(1, 0)]] Buffer<uint4> TpRt;
[[vk::binding(2, 0)]] RWStructuredBuffer<float4> TpY4;
[numthreads(64, 1, 1)]
void main(uint3 gid : SV_GroupID, uint3 lid : SV_GroupThreadID) {
	TransposeParams p = P;
#ifdef TP_TO_NCHW
	uint r4n = p.HW / 4; // x [B, r, s] → y [B, s, r]
	uint s4n = p.C / 4;
#else
	uint r4n = p.C / 4;
	uint s4n = p.HW / 4;
#endif
	uint s4 = gid.x * 64 + lid.x;
	if (s4 >= s4n) {
		return;
	}
	uint b = gid.z;
	for (uint r4 = gid.y; r4 < r4n; r4 += p.Stride) {
		uint xt = (b * r4n + r4) * 4 * s4n + s4;
		float4 x0 = asfloat(TpXt[xt]);
		float4 x1 = asfloat(TpXt[xt + s4n]);
		float4 x2 = asfloat(TpXt[xt + 2 * s4n]);
		float4 x3 = asfloat(TpXt[xt + 3 * s4n]);
		uint yt = (b * s4n + s4) * 4 * r4n + r4;
		float4 y0 = float4(x0.x, x1.x, x2.x, x3.x);
		float4 y1 = float4(x0.y, x1.y, x2.y, x3.y);
		float4 y2 = float4(x0.z, x1.z, x2.z, x3.z);
		float4 y3 = float4(x0.w, x1.w, x2.w, x3.w);
		if (p.Residual != 0) {
			y0 += asfloat(TpRt[yt]);
			y1 += asfloat(TpRt[yt + r4n]);
			y2 += asfloat(TpRt[yt + 2 * r4n]);
			y3 += asfloat(TpRt[yt + 3 * r4n]);
		}
		TpY4[yt] = y0;
		TpY4[yt + r4n] = y1;
		TpY4[yt + 2 * r4n] = y2;
		TpY4[yt + 3 * r4n] = y3;
	}
}
*/
//gosl: end nchw_to_tokens_tex

// NCHWToTokens transposes x [B, C, HW] to y [B, HW, C] (TransposeParams and grid from
// NewTransposeParams): binding 0 x, 1 the residual r [B, HW, C] (read; any tensor
// unless p.Residual), 2 y (written).
var NCHWToTokens = Spec{Name: "nchw_to_tokens", Reads: 2, Writes: 1, ParamsSize: 32, Local: [3]uint32{Local1D, 1, 1}}

// TokensToNCHW transposes x [B, HW, C] to y [B, C, HW] (TransposeParams and grid from
// NewTransposeParams): binding 0 x, 1 the residual r [B, C, HW] (read; any tensor
// unless p.Residual), 2 y (written).
var TokensToNCHW = Spec{Name: "tokens_to_nchw", Reads: 2, Writes: 1, ParamsSize: 32, Local: [3]uint32{Local1D, 1, 1}}

// NCHWToTokensCPU is the CPU reference of NCHWToTokens (r read when p.Residual).
func NCHWToTokensCPU(p TransposeParams, x, r, y []float32) {
	runTranspose(p, x, r, y, TpChunks(&p, true), NCHWToTokensChunk)
}

// TokensToNCHWCPU is the CPU reference of TokensToNCHW (r read when p.Residual).
func TokensToNCHWCPU(p TransposeParams, x, r, y []float32) {
	runTranspose(p, x, r, y, TpChunks(&p, false), TokensToNCHWChunk)
}

func runTranspose(p TransposeParams, x, r, y []float32, chunks uint32, f func(*TransposeParams, uint32)) {
	cpuMu.Lock()
	defer cpuMu.Unlock()
	TpX, TpR, TpY = x, r, y
	for j := uint32(0); j < chunks; j++ {
		f(&p, j)
	}
	TpX, TpR, TpY = nil, nil, nil
}

// NewTransposeParams fills TransposeParams for [b, c, hw] ⇄ [b, hw, c] and returns the
// grid of a NCHWToTokens (toTokens) or TokensToNCHW dispatch.
func NewTransposeParams(b, c, hw int, toTokens bool) (TransposeParams, [3]uint32) {
	p := TransposeParams{N: uint32(b * c * hw), C: uint32(c), HW: uint32(hw)}
	g, stride := Groups1D(int(TpChunks(&p, toTokens)))
	p.Stride = stride
	return p, [3]uint32{g, 1, 1}
}

// NCHWToTokensTex and TokensToNCHWTex are the transposes' texel builds for CPU devices,
// with NCHWToTokens' and TokensToNCHW's bindings (x and the residual bound as texel
// buffers); see TransposeFor.
var (
	NCHWToTokensTex = Spec{Name: "nchw_to_tokens_tex", Reads: 2, Writes: 1, ParamsSize: 32, Local: [3]uint32{Local1D, 1, 1}, Texels: 1<<0 | 1<<1}
	TokensToNCHWTex = Spec{Name: "tokens_to_nchw_tex", Reads: 2, Writes: 1, ParamsSize: 32, Local: [3]uint32{Local1D, 1, 1}, Texels: 1<<0 | 1<<1}
)

// TransposeFor returns the transpose of x [b, c, hw] to tokens (toTokens) or of tokens
// to NCHW on device t, its params (Residual unset) and grid: the texel build on CPU
// devices where c and hw are multiples of 4, else NCHWToTokens or TokensToNCHW.
func TransposeFor(b, c, hw int, toTokens bool, t Target) (Spec, TransposeParams, [3]uint32) {
	if !t.CPU || c%4 != 0 || hw%4 != 0 {
		p, grid := NewTransposeParams(b, c, hw, toTokens)
		if toTokens {
			return NCHWToTokens, p, grid
		}
		return TokensToNCHW, p, grid
	}
	p := TransposeParams{N: uint32(b * c * hw), C: uint32(c), HW: uint32(hw)}
	r4n, s4n, spec := c/4, hw/4, NCHWToTokensTex
	if !toTokens {
		r4n, s4n, spec = hw/4, c/4, TokensToNCHWTex
	}
	gy := min(r4n, maxGroups1D)
	p.Stride = uint32(gy)
	return spec, p, [3]uint32{uint32((s4n + Local1D - 1) / Local1D), uint32(gy), uint32(b)}
}

// ---- softmax over the last dim ----

//gosl: hlsl smfam
// [[vk::binding(0, 0)]] RWStructuredBuffer<float> SmX;
// [[vk::binding(1, 0)]] RWStructuredBuffer<float> SmY;
//gosl: end smfam

//gosl: start smfam

// SoftmaxParams are the push constants of Softmax.
type SoftmaxParams struct {
	// Rows and Cols: x is [Rows, Cols], normalised over Cols.
	Rows uint32
	Cols uint32
	// Stride is the number of threads in the grid (Groups1D(Rows)).
	Stride uint32
	// Scale multiplies x first: y = softmax(Scale·x) (Scale > 0; 1 for plain softmax).
	Scale float32
}

// SoftmaxRowAt normalises row r: max, then exp and sum (written to y), then 1/sum.
func SoftmaxRowAt(p *SoftmaxParams, r uint32) {
	base := r * p.Cols
	m := SmX[base]
	for j := uint32(1); j < p.Cols; j++ {
		m = mat32.Max(m, SmX[base+j])
	}
	s := float32(0)
	for j := uint32(0); j < p.Cols; j++ {
		e := mat32.Exp((SmX[base+j] - m) * p.Scale)
		SmY[base+j] = e
		s += e
	}
	inv := 1 / s
	for j := uint32(0); j < p.Cols; j++ {
		SmY[base+j] = SmY[base+j] * inv
	}
}

//gosl: end smfam

//gosl: hlsl softmax
/*
#include "smfam.hlsl"
[[vk::push_constant]] cbuffer PC { SoftmaxParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	SoftmaxParams p = P;
	for (uint r = id.x; r < p.Rows; r += p.Stride) {
		SoftmaxRowAt(p, r);
	}
}
*/
//gosl: end softmax

// The texel-fetch softmax for CPU devices: x is read as uint4 texels (4 values per
// fetch for all lanes at once, where a storage-buffer load loops over the lanes) in two
// passes instead of three: an online max and sum (the sum rescaled whenever the max
// grows), then y = exp((x − max)·Scale)/sum. Needs Cols % 4 == 0 (SoftmaxTexFits).

//gosl: hlsl softmax_tex
/*
#include "smfam.hlsl"
[[vk::push_constant]] cbuffer PC { SoftmaxParams P; };
[[vk::binding(0, 0)]] Buffer<uint4> SmTexX;
float SmMax4(float4 v) { return max(max(v.x, v.y), max(v.z, v.w)); }
float SmSum4(float4 v) { return v.x + v.y + v.z + v.w; }
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	SoftmaxParams p = P;
	uint n4 = p.Cols / 4;
	for (uint r = id.x; r < p.Rows; r += p.Stride) {
		uint t0 = r * n4;
		float m = SmMax4(asfloat(SmTexX[t0]));
		float s = 0;
		for (uint j = 0; j < n4; j++) {
			float4 v = asfloat(SmTexX[t0 + j]);
			float mn = max(m, SmMax4(v));
			s = s * exp((m - mn) * p.Scale) + SmSum4(exp((v - mn) * p.Scale));
			m = mn;
		}
		float inv = 1 / s;
		for (uint j = 0; j < n4; j++) {
			float4 e = exp((asfloat(SmTexX[t0 + j]) - m) * p.Scale) * inv;
			uint o = (t0 + j) * 4;
			SmY[o] = e.x;
			SmY[o + 1] = e.y;
			SmY[o + 2] = e.z;
			SmY[o + 3] = e.w;
		}
	}
}
*/
//gosl: end softmax_tex

// Softmax is y = softmax(Scale·x) over the last dim (SoftmaxParams): binding 0 x (read),
// 1 y (written; may alias x). Groups1D(Rows).
var Softmax = Spec{Name: "softmax", Reads: 1, Writes: 1, ParamsSize: 16, Local: [3]uint32{Local1D, 1, 1}}

// SoftmaxTex is Softmax reading x through a texel buffer (binding 0; y may alias it),
// for CPU devices where SoftmaxTexFits; the same params and groups.
var SoftmaxTex = Spec{Name: "softmax_tex", Reads: 1, Writes: 1, ParamsSize: 16, Local: [3]uint32{Local1D, 1, 1}, Texels: 1}

// SoftmaxTexFits reports whether SoftmaxTex can run p: rows of whole texels.
func SoftmaxTexFits(p SoftmaxParams) bool { return p.Cols%4 == 0 }

// SoftmaxCPU is the CPU reference of Softmax.
func SoftmaxCPU(p SoftmaxParams, x, y []float32) {
	cpuMu.Lock()
	defer cpuMu.Unlock()
	SmX, SmY = x, y
	for r := uint32(0); r < p.Rows; r++ {
		SoftmaxRowAt(&p, r)
	}
	SmX, SmY = nil, nil
}

// ---- fp32 ⇄ fp16 ----
//
// fp16 tensors are packed two halves per 32-bit word, element 2k in the low half.

//gosl: start cvtparams

// ConvertParams are the push constants of ConvertF32ToF16 and ConvertF16ToF32.
type ConvertParams struct {
	// N is the number of values (halves).
	N uint32
	// Stride is the number of threads in the grid: Groups1D((N+1)/2) for
	// ConvertF32ToF16 (one thread per word), Groups1D(N) for ConvertF16ToF32.
	Stride uint32
	pad0   uint32
	pad1   uint32
}

//gosl: end cvtparams

//gosl: hlsl cvt16fam
// #include "cvtparams.hlsl"
// [[vk::binding(0, 0)]] RWStructuredBuffer<float> CvF32In;
// [[vk::binding(1, 0)]] RWStructuredBuffer<uint> CvF16Out;
//gosl: end cvt16fam

//gosl: start cvt16fam

// F32ToF16At packs values 2w and 2w+1 (round to nearest even) into word w.
func F32ToF16At(p *ConvertParams, w uint32) {
	var lo uint32 = f32tof16(CvF32In[2*w])
	var hi uint32 = 0
	if 2*w+1 < p.N {
		hi = f32tof16(CvF32In[2*w+1])
	}
	CvF16Out[w] = lo | (hi << 16)
}

//gosl: end cvt16fam

//gosl: hlsl cvt32fam
// #include "cvtparams.hlsl"
// [[vk::binding(0, 0)]] RWStructuredBuffer<uint> CvF16In;
// [[vk::binding(1, 0)]] RWStructuredBuffer<float> CvF32Out;
//gosl: end cvt32fam

//gosl: start cvt32fam

// F16ToF32At unpacks value i.
func F16ToF32At(p *ConvertParams, i uint32) {
	u := CvF16In[i/2]
	if i%2 == 1 {
		u = u >> 16
	}
	var v float32 = f16tof32(u & 65535)
	CvF32Out[i] = v
}

//gosl: end cvt32fam

//gosl: hlsl f32_to_f16
/*
#include "cvt16fam.hlsl"
[[vk::push_constant]] cbuffer PC { ConvertParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	ConvertParams p = P;
	uint n = (p.N + 1) / 2;
	for (uint w = id.x; w < n; w += p.Stride) {
		F32ToF16At(p, w);
	}
}
*/
//gosl: end f32_to_f16

//gosl: hlsl f16_to_f32
/*
#include "cvt32fam.hlsl"
[[vk::push_constant]] cbuffer PC { ConvertParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	ConvertParams p = P;
	for (uint i = id.x; i < p.N; i += p.Stride) {
		F16ToF32At(p, i);
	}
}
*/
//gosl: end f16_to_f32

// ConvertF32ToF16 converts float32 x [N] to packed fp16 y [(N+1)/2 words] (ConvertParams):
// binding 0 x (read), 1 y (written).
var ConvertF32ToF16 = Spec{Name: "f32_to_f16", Reads: 1, Writes: 1, ParamsSize: 16, Local: [3]uint32{Local1D, 1, 1}}

// ConvertF16ToF32 converts packed fp16 x to float32 y [N] (ConvertParams): binding 0 x (read),
// 1 y (written).
var ConvertF16ToF32 = Spec{Name: "f16_to_f32", Reads: 1, Writes: 1, ParamsSize: 16, Local: [3]uint32{Local1D, 1, 1}}

// ConvertF32ToF16CPU is the CPU reference of ConvertF32ToF16.
func ConvertF32ToF16CPU(x []float32, y []uint32) {
	cpuMu.Lock()
	defer cpuMu.Unlock()
	p := ConvertParams{N: uint32(len(x))}
	CvF32In, CvF16Out = x, y
	for w := uint32(0); w < (p.N+1)/2; w++ {
		F32ToF16At(&p, w)
	}
	CvF32In, CvF16Out = nil, nil
}

// ConvertF16ToF32CPU is the CPU reference of ConvertF16ToF32.
func ConvertF16ToF32CPU(x []uint32, y []float32) {
	cpuMu.Lock()
	defer cpuMu.Unlock()
	p := ConvertParams{N: uint32(len(y))}
	CvF16In, CvF32Out = x, y
	for i := uint32(0); i < p.N; i++ {
		F16ToF32At(&p, i)
	}
	CvF16In, CvF32Out = nil, nil
}

// f32tof16 is HLSL's intrinsic of that name in Go (gosl passes the call through): the
// IEEE half nearest to x (ties to even) in the low 16 bits (see F32ToF16 in f16.go, whose
// f16tof32 is the matching decoder).
func f32tof16(x float32) uint32 { return uint32(F32ToF16(x)) }

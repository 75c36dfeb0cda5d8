package nn

import (
	"math"
	"os"
	"slices"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/kernels"
)

// Epilogue is the activation fused after a Linear's bias.
type Epilogue int

// The epilogues. GEGLU takes a weight of 2N rows and gives N columns:
// (x·W[:N]ᵀ + b[:N]) · gelu(x·W[N:]ᵀ + b[N:]), as diffusers' GEGLU.
const (
	EpilogueNone Epilogue = iota
	EpilogueSiLU
	EpilogueGELU
	EpilogueQuickGELU
	EpilogueGEGLU
)

func (n *Net) isCPU() bool { return n.d.Info.Type == gpu.CPU }

// target is what the kernel variant choice knows of the device.
func (n *Net) target() kernels.Target {
	return kernels.Target{CPU: n.isCPU(), CoopMatrix: n.d.Info.CoopMatrix}
}

// elementwise records a 1-D kernel y = f(x) over all elements.
func (n *Net) elementwise(spec kernels.Spec, x Tensor, alpha float32) Tensor {
	y := n.Act(x.Shape...)
	g, stride := kernels.Groups1D(x.Numel())
	n.dispatch(spec, gpu.Params(kernels.ElemParams{N: uint32(x.Numel()), Stride: stride, Alpha: alpha}), [3]uint32{g, 1, 1}, x, y)
	return y
}

// Silu returns x·sigmoid(x).
func (n *Net) Silu(x Tensor) Tensor { return n.elementwise(kernels.Silu, x, 0) }

// Scale returns alpha·x.
func (n *Net) Scale(x Tensor, alpha float32) Tensor { return n.elementwise(kernels.Scale, x, alpha) }

// Concat joins a [B, C1, H, W] and b [B, C2, H, W] along channels.
func (n *Net) Concat(a, b Tensor) Tensor {
	if n.err != nil {
		return Tensor{}
	}
	if len(a.Shape) != 4 || len(b.Shape) != 4 || a.Shape[0] != b.Shape[0] || a.Shape[2] != b.Shape[2] || a.Shape[3] != b.Shape[3] {
		n.Failf("concat: %v and %v do not match", a.Shape, b.Shape)
		return Tensor{}
	}
	hw := a.Shape[2] * a.Shape[3]
	y := n.Act(a.Shape[0], a.Shape[1]+b.Shape[1], a.Shape[2], a.Shape[3])
	spec, p, grid := kernels.ConcatFor(a.Shape[0], a.Shape[1]*hw, b.Shape[1]*hw, n.target())
	n.dispatch(spec, gpu.Params(p), grid, a, b, y)
	return y
}

// BatchConcat stacks a [A, ...] and b [B, ...] (equal beyond the batch) into [A+B, ...].
func (n *Net) BatchConcat(a, b Tensor) Tensor {
	if n.err != nil {
		return Tensor{}
	}
	if len(a.Shape) == 0 || len(b.Shape) != len(a.Shape) || !slices.Equal(a.Shape[1:], b.Shape[1:]) {
		n.Failf("batch concat: %v and %v do not match", a.Shape, b.Shape)
		return Tensor{}
	}
	y := n.Act(append([]int{a.Shape[0] + b.Shape[0]}, a.Shape[1:]...)...)
	spec, p, grid := kernels.ConcatFor(1, a.Numel(), b.Numel(), n.target())
	n.dispatch(spec, gpu.Params(p), grid, a, b, y)
	return y
}

// UpsampleNearest resizes x [B, C, H, W] to [B, C, h, w] by nearest neighbour (torch's
// rule); exact doubling takes the faster 2× kernel.
func (n *Net) UpsampleNearest(x Tensor, h, w int) Tensor {
	if n.err != nil {
		return Tensor{}
	}
	if h < 1 || w < 1 {
		n.Failf("upsample %v to %dx%d", x.Shape, h, w)
		return Tensor{}
	}
	if h == 2*x.Shape[2] && w == 2*x.Shape[3] {
		return n.upsample2x(x, false)
	}
	y := n.Act(x.Shape[0], x.Shape[1], h, w)
	g, stride := kernels.Groups1D(y.Numel())
	n.dispatch(kernels.ResizeNearest, gpu.Params(kernels.ResizeParams{N: uint32(y.Numel()), Stride: stride,
		H: uint32(x.Shape[2]), W: uint32(x.Shape[3]), OH: uint32(h), OW: uint32(w)}), [3]uint32{g, 1, 1}, x, y)
	return y
}

// ToTokens transposes x [B, C, H, W] to tokens [B, H·W, C].
func (n *Net) ToTokens(x Tensor) Tensor {
	if n.err != nil {
		return Tensor{}
	}
	b, c, hw := x.Shape[0], x.Shape[1], x.Shape[2]*x.Shape[3]
	y := n.Act(b, hw, c)
	spec, p, grid := kernels.TransposeFor(b, c, hw, true, n.target())
	n.dispatch(spec, gpu.Params(p), grid, x, x, y)
	return y
}

// ToNCHW transposes tokens x [B, h·w, C] to [B, C, h, w] and adds res when valid.
func (n *Net) ToNCHW(x Tensor, h, w int, res Tensor) Tensor {
	if n.err != nil {
		return Tensor{}
	}
	b, c := x.Shape[0], x.Shape[2]
	y := n.Act(b, c, h, w)
	spec, p, grid := kernels.TransposeFor(b, c, h*w, false, n.target())
	if !res.Valid() {
		res = x // bound, not read
	} else if !n.same("tokens to NCHW residual", res, y) {
		return Tensor{}
	} else {
		p.Residual = 1
	}
	n.dispatch(spec, gpu.Params(p), grid, x, res, y)
	return y
}

// TimestepEmbedding returns the sinusoidal embedding [B, dim] of timesteps t [B].
func (n *Net) TimestepEmbedding(t Tensor, dim int) Tensor {
	if n.err != nil {
		return Tensor{}
	}
	y := n.Act(t.Shape[0], dim)
	g, stride := kernels.Groups1D(y.Numel())
	n.dispatch(kernels.TimestepEmbedding, gpu.Params(kernels.TimestepParams{N: uint32(y.Numel()), Stride: stride, Dim: uint32(dim), TStep: 1}), [3]uint32{g, 1, 1}, t, y)
	return y
}

// GroupNorm normalises x [B, C, H, W] over groups of channels, applies the affine,
// and optionally SiLU.
func (n *Net) GroupNorm(x Tensor, nrm Norm, groups int, eps float32, silu bool) Tensor {
	act := kernels.GroupNormNoAct
	if silu {
		act = kernels.GroupNormSilu
	}
	return n.groupNorm(x, Tensor{}, nrm, groups, eps, act)
}

// GroupNormTokens is GroupNorm (without SiLU) written as tokens [B, H·W, C]: the
// transformer's norm and ToTokens in one pass.
func (n *Net) GroupNormTokens(x Tensor, nrm Norm, groups int, eps float32) Tensor {
	return n.groupNorm(x, Tensor{}, nrm, groups, eps, kernels.GroupNormTokens)
}

// groupNorm is GroupNorm of x + shift[b, c] (shift [B, C], when valid) with kernel flags
// act (kernels.GroupNormSilu, GroupNormTokens).
func (n *Net) groupNorm(x, shift Tensor, nrm Norm, groups int, eps float32, act uint32) Tensor {
	if n.err != nil {
		return Tensor{}
	}
	b, c := x.Shape[0], x.Shape[1]
	hw := x.Numel() / (b * c)
	if c%groups != 0 || nrm.G.Numel() != c {
		n.Failf("group norm: %d channels, %d groups, gain of %d", c, groups, nrm.G.Numel())
		return Tensor{}
	}
	if !shift.Valid() {
		shift = x // bound, not read
	} else if len(shift.Shape) != 2 || shift.Shape[0] != b || shift.Shape[1] != c {
		n.Failf("group norm: shift %v for input %v, want [%d, %d]", shift.Shape, x.Shape, b, c)
		return Tensor{}
	} else {
		act |= kernels.GroupNormShift
	}
	p := kernels.NewGroupNormParams(b, c, hw, groups, eps, act, n.target())
	grid, strides, partFloats, statFloats := kernels.GroupNormGroups(p)
	part, stat, y := n.Act(partFloats), n.Act(statFloats), n.Act(x.Shape...)
	if act&kernels.GroupNormTokens != 0 {
		y = n.Act(b, hw, c)
	}
	for i, step := range []struct {
		spec kernels.Spec
		ts   []Tensor
	}{
		{kernels.GroupNormStatsFor(p), []Tensor{x, shift, part}},
		{kernels.GroupNormFinal, []Tensor{part, stat}},
		{kernels.GroupNormApplyFor(p, n.target()), []Tensor{x, nrm.G, nrm.B, stat, shift, y}},
	} {
		p.Stride = strides[i]
		n.dispatch(step.spec, gpu.Params(p), grid[i], step.ts...)
	}
	return y
}

// LayerNorm normalises x over its last dimension and applies the affine.
func (n *Net) LayerNorm(x Tensor, nrm Norm, eps float32) Tensor {
	if n.err != nil {
		return Tensor{}
	}
	d := x.Shape[len(x.Shape)-1]
	rows := x.Numel() / d
	y := n.Act(x.Shape...)
	spec, p, groups := kernels.LayerNormFor(rows, d, n.target())
	p.Eps = eps
	n.dispatch(spec, gpu.Params(p), groups, x, nrm.G, nrm.B, y)
	return y
}

// Linear returns act(x·Wᵀ + b) + res for x [..., K] and W [N, K] (res may be absent).
func (n *Net) Linear(x Tensor, l Linear, ep Epilogue, res Tensor) Tensor {
	if n.err != nil {
		return Tensor{}
	}
	k := x.Shape[len(x.Shape)-1]
	rowsW, kw := l.W.Shape[0], l.W.Shape[1]
	if kw != k {
		n.Failf("linear: input %v, weight %v", x.Shape, l.W.Shape)
		return Tensor{}
	}
	out := rowsW
	act := kernels.GemmActNone
	switch ep {
	case EpilogueSiLU:
		act = kernels.GemmActSilu
	case EpilogueGELU:
		act = kernels.GemmActGelu
	case EpilogueGEGLU:
		act, out = kernels.GemmActGeglu, rowsW/2
	}
	m := x.Numel() / k
	shape := append(append([]int(nil), x.Shape[:len(x.Shape)-1]...), out)
	y := n.Act(shape...)
	bias := l.B
	if !bias.Valid() {
		bias = x
	}
	r := res
	if res.Valid() && ep == EpilogueQuickGELU {
		n.Failf("linear: quick_gelu with a residual is not supported")
		return Tensor{}
	}
	if !res.Valid() {
		r = x
	} else if !n.same("linear residual", res, y) {
		return Tensor{}
	}
	p := kernels.NewGemmParams(1, m, out, k, l.W.F16, l.B.Valid(), res.Valid(), act, true)
	variant := kernels.GemmVariant(n.target(), "", p)
	p = kernels.GemmSplitK(variant, p)
	spec, err := kernels.GemmKernel(variant, l.W.F16)
	if err != nil {
		n.Fail("linear", err)
		return Tensor{}
	}
	n.tiled(spec, gpu.Params(p), kernels.GemmGroups(variant, p), kernels.GemmPartLen(p), kernels.GemmSplitSum, kernels.GemmSplitSumGroups(p), x, l.W, bias, r, y)
	if ep == EpilogueQuickGELU {
		return n.elementwise(kernels.QuickGelu, y, 0)
	}
	return y
}

// upsample2x returns x [B, C, H, W] upsampled 2× by nearest neighbour: [B, C, 2H, 2W],
// or with tokens channels-last [B, 2H·2W, C].
func (n *Net) upsample2x(x Tensor, tokens bool) Tensor {
	b, c, h, w := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	p := kernels.UpsampleParams{N: uint32(4 * b * c * h * w), H: uint32(h), W: uint32(w), C: uint32(c)}
	var y Tensor
	items := int(p.N)
	if tokens {
		y = n.Act(b, 4*h*w, c)
		p.Tokens, items = 1, b*4*h*w // a thread per pixel
	} else {
		y = n.Act(b, c, 2*h, 2*w)
	}
	g, stride := kernels.Groups1D(items)
	p.Stride = stride
	n.dispatch(kernels.Upsample2x, gpu.Params(p), [3]uint32{g, 1, 1}, x, y)
	return y
}

// UpsampleConv returns conv(UpsampleNearest(x, h, w)) + bias + res. A 2× upsampling
// for the "tex" and Winograd convs writes their channels-last input itself, instead
// of NCHW for a transpose to read.
func (n *Net) UpsampleConv(x Tensor, h, w int, c Conv, res Tensor) Tensor {
	if c.Layout == ConvPlain || len(x.Shape) != 4 || h != 2*x.Shape[2] || w != 2*x.Shape[3] {
		return n.Conv2d(n.UpsampleNearest(x, h, w), c, res)
	}
	if !n.convInput(x, c) {
		return Tensor{}
	}
	return n.conv(n.upsample2x(x, true), []int{x.Shape[0], x.Shape[1], h, w}, c, res)
}

// Conv2d returns conv(x) + bias + res for x [B, Cin, H, W] (res may be absent).
func (n *Net) Conv2d(x Tensor, c Conv, res Tensor) Tensor {
	if !n.convInput(x, c) {
		return Tensor{}
	}
	in := x
	if c.Layout != ConvPlain {
		in = n.ToTokens(x) // the "tex" and Winograd convs read channels-last input
	}
	return n.conv(in, x.Shape, c, res)
}

// NormConv returns conv(silu(groupnorm(x + shift))) + bias + res, the ResNet block's
// norm → SiLU → conv, with the norm writing the channels-last input the "tex" and
// Winograd convs read directly. A valid shift [B, C] (the UNet ResNets' timestep
// projection) is added to x's channels as the norm reads them.
func (n *Net) NormConv(x, shift Tensor, nrm Norm, groups int, eps float32, c Conv, res Tensor) Tensor {
	if c.Layout == ConvPlain {
		return n.Conv2d(n.groupNorm(x, shift, nrm, groups, eps, kernels.GroupNormSilu), c, res)
	}
	if !n.convInput(x, c) {
		return Tensor{}
	}
	return n.conv(n.groupNorm(x, shift, nrm, groups, eps, kernels.GroupNormSilu|kernels.GroupNormTokens), x.Shape, c, res)
}

// convInput checks x [B, Cin, H, W] against c.
func (n *Net) convInput(x Tensor, c Conv) bool {
	if n.err != nil {
		return false
	}
	if _, cin, _ := c.dims(); len(x.Shape) != 4 || x.Shape[1] != cin {
		n.Failf("conv: input %v, weight %v", x.Shape, c.W.Shape)
		return false
	}
	return true
}

// conv dispatches the conv of input in, laid out as [B, Cin, H, W] (shape) or, for
// the tap-major and Winograd layouts, channels-last [B, H·W, Cin].
func (n *Net) conv(in Tensor, shape []int, c Conv, res Tensor) Tensor {
	if n.err != nil {
		return Tensor{}
	}
	b, cin, h, w := shape[0], shape[1], shape[2], shape[3]
	cout, _, k := c.dims()
	p := kernels.NewConvParams(b, cin, h, w, cout, k, c.Stride, c.PadT, c.W.F16, c.B.Valid(), res.Valid())
	p.PadL = uint32(c.PadL)
	p.OH = uint32((h+c.PadT+c.PadB-k)/c.Stride + 1)
	p.OW = uint32((w+c.PadL+c.PadR-k)/c.Stride + 1)
	p.Rows = p.OH
	y := n.Act(b, cout, int(p.OH), int(p.OW))
	bias, r := c.B, res
	if !bias.Valid() {
		bias = in
	}
	if !res.Valid() {
		r = in
	} else if !n.same("conv residual", res, y) {
		return Tensor{}
	}
	variant := kernels.ConvVariant(n.target(), "", p)
	if (c.Layout != ConvPlain) != kernels.ConvReadsTokens(variant) {
		n.Failf("conv: the weights were loaded for another conv kernel than %q (was SDGO_CONV_VARIANT changed after loading?)", variant)
		return Tensor{}
	}
	if c.Layout == ConvWinograd {
		n.winograd(p, in, c, kernels.WinoTileOf(c.W.Shape[0]), bias, r, y)
		return y
	}
	if c.Layout == ConvTapMajor && c.W.F16 && n.isCPU() { // WinoTapTile's model is lavapipe's
		if m := kernels.WinoTapTile(p); m != 0 {
			n.winograd(p, in, c, m, bias, r, y)
			return y
		}
	}
	p = kernels.ConvSplitK(variant, p)
	spec, err := kernels.ConvKernel(variant, c.W.F16)
	if err != nil {
		n.Fail("conv", err)
		return Tensor{}
	}
	n.tiled(spec, gpu.Params(p), kernels.ConvGroups(variant, p), kernels.ConvPartLen(p), kernels.ConvSplitSum, kernels.ConvSplitSumGroups(p), in, c.W, bias, r, y)
	return y
}

// tiled dispatches a GEMM or conv (spec over groups, with params; in, w, bias and r
// are the family's bindings 0..3) into out. Split over K (parts > 0 partial sums, see
// kernels.GemmSplitK), it writes a scratch activation that sum (the family's split-K
// sum kernel, over sumGroups) adds up into out through the epilogue.
func (n *Net) tiled(spec kernels.Spec, params []byte, groups [3]uint32, parts int, sum kernels.Spec, sumGroups [3]uint32, in, w, bias, r, out Tensor) {
	if parts == 0 {
		n.dispatch(spec, params, groups, in, w, bias, r, out)
		return
	}
	part := n.Act(parts)
	n.dispatch(spec, params, groups, in, w, bias, r, part)
	n.dispatch(sum, params, sumGroups, part, w, bias, r, out)
}

// winoChunkBytes bounds the Winograd transforms' V and M of one chunk of tile rows.
const winoChunkBytes = 16 << 20

// winograd dispatches conv p (3×3, stride 1, padding 1) as Winograd F(m×m, 3×3) in
// chunks of tile rows: input transform, (m+2)² batched GEMMs, output transform (+bias,
// +r). The GEMMs read U (the ConvWinograd layout), or form it from the fp16 tap-major
// kernel as they load it (the tap GEMMs, kernels.WinoTapGemms).
func (n *Net) winograd(p kernels.ConvParams, in Tensor, c Conv, m int, bias, r, y Tensor) {
	nb, cin, cout := int(p.N), int(p.Cin), int(p.Cout)
	pos := kernels.WinoPositions(m)
	tilesW, tileRows := kernels.WinoGrid(m, int(p.H), int(p.W))
	rows := kernels.WinoChunkRows(m, nb, tilesW, tileRows, cin, cout, winoChunkBytes)
	v, mm := n.Act(pos*nb*rows*tilesW*cin), n.Act(pos*nb*rows*tilesW*cout)
	for _, st := range kernels.WinoSteps(p, m, c.W.F16, rows) {
		n.dispatch(st.In, gpu.Params(st.InParams), st.InGroups, in, v)
		if c.Layout == ConvTapMajor {
			for _, tg := range kernels.WinoTapGemms(m, st.Gemm) {
				n.dispatch(kernels.WinoTapGemm, gpu.Params(tg), kernels.QueueGrid(), v, c.W, v, v, mm)
			}
		} else {
			gemm, groups, err := kernels.WinoGemm(st.Gemm, c.W.F16)
			if err != nil {
				n.Fail("conv", err)
				return
			}
			n.dispatch(gemm, gpu.Params(st.Gemm), groups, v, c.W, v, v, mm)
		}
		n.dispatch(st.Out, gpu.Params(st.OutParams), st.OutGroups, mm, bias, r, y)
	}
}

// SelfAttention returns out(attention(q(x), k(x), v(x))) + res over tokens x [B, T, C]
// (causal: each token sees itself and earlier ones).
func (n *Net) SelfAttention(x Tensor, a Attention, causal bool, res Tensor) Tensor {
	k, v := n.ProjectKV(x, a)
	return n.attend(x, k, v, a, causal, res)
}

// ProjectKV returns a's keys k(ctx) and values v(ctx) [B, T, C], for CrossAttentionKV:
// a context that stays the same over many evaluations is projected once.
func (n *Net) ProjectKV(ctx Tensor, a Attention) (k, v Tensor) {
	return n.Linear(ctx, a.K, EpilogueNone, Tensor{}), n.Linear(ctx, a.V, EpilogueNone, Tensor{})
}

// CrossAttentionKV returns out(attention(q(x), k, v)) + res for a context's keys and
// values projected by ProjectKV.
func (n *Net) CrossAttentionKV(x, k, v Tensor, a Attention, res Tensor) Tensor {
	return n.attend(x, k, v, a, false, res)
}

// attend returns out(attention(q(x), k, v)) + res.
func (n *Net) attend(x, k, v Tensor, a Attention, causal bool, res Tensor) Tensor {
	if n.err != nil {
		return Tensor{}
	}
	q := n.Linear(x, a.Q, EpilogueNone, Tensor{})
	return n.Linear(n.attention(q, k, v, a.Heads, causal), a.Out, EpilogueNone, res)
}

// attention returns softmax(Q·Kᵀ/√D)·V of every head, [B, Tq, C], for q [B, Tq, C] and
// k, v [B, Tk, C], by the path attentionPath picks.
func (n *Net) attention(q, k, v Tensor, heads int, causal bool) Tensor {
	if n.err != nil {
		return Tensor{}
	}
	b, tq, width := q.Shape[0], q.Shape[1], q.Shape[2]
	p := kernels.NewAttentionParams(b, tq, k.Shape[1], heads, width/heads, causal)
	switch n.attentionPath(p) {
	case attentionTex:
		spec, groups := kernels.FlashTex(p)
		vt := n.splitHeadsTransposed(v, heads, kernels.FlashTexVtRow(k.Shape[1]))
		o := n.Act(b, tq, width)
		n.dispatch(spec, gpu.Params(p), groups, q, k, vt, o)
		return o
	case attentionGEMM:
		return n.gemmAttention(q, k, v, heads)
	}
	spec, groups, err := kernels.FlashAttentionFor(p, n.target())
	if err != nil {
		n.Fail("attention", err)
		return Tensor{}
	}
	o := n.Act(b, tq, width)
	n.dispatch(spec, gpu.Params(p), groups, q, k, v, o)
	return o
}

// The ways attention runs: a flash kernel (storage-buffer or tensor-core builds), the
// texel flash kernel for CPU devices, or two GEMMs and a softmax.
const (
	attentionFlash = "flash"
	attentionTex   = "tex"
	attentionGEMM  = "gemm"
)

// attentionPath picks how attention p runs:
//   - on CPU devices, the texel flash kernel where it fits (kernels.FlashTexFits: SD's
//     self- and cross-attention at their head dims; a cross-attention over the text's
//     77 keys at 4096 tokens takes 60 ms on lavapipe, 136 ms as GEMMs), else GEMMs
//     (the VAE's 512-wide head): the texel GEMMs run several times faster than the
//     storage-buffer flash kernels, short attention included (lavapipe
//     at 256²: SD 1.x's 160-wide heads at 8² latents took 27 ms per flash dispatch,
//     1.9 GFLOP/s; with them as GEMMs too, whole UNet evaluations interleaved ran 1.03×
//     as fast, 0.95–1.08 over seven pairs);
//   - on GPUs, GEMMs for head dims without a specialised flash kernel (the VAE's single
//     512-wide head: 54 ms in the generic kernel at 512² on the H100, a few ms as GEMMs)
//     and for short attention (at most 2¹⁶ scores per head) that the tensor-core flash
//     kernel does not take: the other flash kernels give each query row one thread,
//     which leaves a GPU nearly idle on a few hundred rows (SD 1.x's 160-wide heads at
//     16² and 8² latents: 0.5 ms per attention on the H100, 0.14 ms as GEMMs). The
//     UNet's long attention stays on the flash kernels (as GEMMs their softmax passes
//     took 3× longer);
//   - causal attention (the text encoder) always on the flash kernels.
//
// SDGO_ATTENTION=flash, tex or gemm forces one where it can run.
func (n *Net) attentionPath(p kernels.AttentionParams) string {
	causal := p.Causal != 0
	switch os.Getenv("SDGO_ATTENTION") {
	case attentionFlash:
		return attentionFlash
	case attentionGEMM:
		if !causal {
			return attentionGEMM
		}
	case attentionTex:
		if kernels.FlashTexFits(p) {
			return attentionTex
		}
	}
	switch {
	case causal:
		return attentionFlash
	case n.isCPU() && kernels.FlashTexFits(p):
		return attentionTex
	case n.isCPU() || !kernels.FlashSpecialised(int(p.D)):
		return attentionGEMM
	case int(p.Tq)*int(p.Tk) <= 1<<16 && !(n.d.Info.CoopMatrix && kernels.FlashCMFits(p)):
		return attentionGEMM
	}
	return attentionFlash
}

// splitHeads returns x [B, T, H·D] as [B·H, T, D].
func (n *Net) splitHeads(x Tensor, heads int) Tensor {
	b, t, dh := x.Shape[0], x.Shape[1], x.Shape[2]/heads
	y := n.Act(b*heads, t, dh)
	p, grid := kernels.NewHeadsParams(b, t, heads, dh)
	n.dispatch(kernels.SplitHeads, gpu.Params(p), grid, x, y)
	return y
}

// splitHeadsTransposed returns x [B, T, H·D] as [B·H, D, tp], rows padded with zeros to
// tp ≥ T.
func (n *Net) splitHeadsTransposed(x Tensor, heads, tp int) Tensor {
	b, t, dh := x.Shape[0], x.Shape[1], x.Shape[2]/heads
	y := n.Act(b*heads, dh, tp)
	p, grid := kernels.NewTransposedHeadsParams(b, t, heads, dh, tp)
	n.dispatch(kernels.SplitHeads, gpu.Params(p), grid, x, y)
	return y
}

// scoreChunkBytes bounds the score matrices GEMM attention materialises at once.
const scoreChunkBytes = 64 << 20

// gemmAttention computes softmax(Q·Kᵀ/√D)·V per (batch, head) with two batched GEMMs
// and a softmax, for chunks of (batch, head) pairs whose scores fit scoreChunkBytes, so
// memory grows with Tq·Tk of one pair, not of the batch.
func (n *Net) gemmAttention(q, k, v Tensor, heads int) Tensor {
	b, tq, width := q.Shape[0], q.Shape[1], q.Shape[2]
	tk, dh := k.Shape[1], width/heads
	pairs := b * heads
	qh, kh, vt := n.splitHeads(q, heads), n.splitHeads(k, heads), n.splitHeadsTransposed(v, heads, tk)
	oh := n.Act(pairs, tq, dh)
	chunk := max(1, min(pairs, scoreChunkBytes/(4*tq*tk)))
	scores := n.Act(chunk, tq, tk)
	gemm := func(p kernels.GemmParams, a, b, c Tensor) {
		variant := kernels.GemmVariant(n.target(), "", p)
		spec, err := kernels.GemmKernel(variant, false)
		if err != nil {
			n.Fail("attention", err)
			return
		}
		n.dispatch(spec, gpu.Params(p), kernels.GemmGroups(variant, p), a, b, a, a, c)
	}
	slice := func(x Tensor, p0, cnt, per int) Tensor {
		return Tensor{ref: x.ref.Slice(int64(4*p0*per), int64(4*cnt*per)), Shape: []int{cnt * per}}
	}
	for p0 := 0; p0 < pairs; p0 += chunk {
		cnt := min(chunk, pairs-p0)
		s := slice(scores, 0, cnt, tq*tk)
		qk := kernels.NewGemmParams(cnt, tq, tk, dh, false, false, false, kernels.GemmActNone, false)
		qs := slice(qh, p0, cnt, tq*dh)
		gemm(qk, qs, slice(kh, p0, cnt, tk*dh), s)
		g, stride := kernels.Groups1D(cnt * tq)
		sp := kernels.SoftmaxParams{Rows: uint32(cnt * tq), Cols: uint32(tk), Stride: stride, Scale: 1 / float32(math.Sqrt(float64(dh)))}
		softmax := kernels.Softmax
		if n.isCPU() && kernels.SoftmaxTexFits(sp) {
			softmax = kernels.SoftmaxTex
		}
		n.dispatch(softmax, gpu.Params(sp), [3]uint32{g, 1, 1}, s, s)
		pv := kernels.NewGemmParams(cnt, tq, dh, tk, false, false, false, kernels.GemmActNone, false)
		gemm(pv, s, slice(vt, p0, cnt, dh*tk), slice(oh, p0, cnt, tq*dh))
	}
	o := n.Act(b, tq, width)
	mp, grid := kernels.NewHeadsParams(b, tq, heads, dh)
	n.dispatch(kernels.MergeHeads, gpu.Params(mp), grid, oh, o)
	return o
}

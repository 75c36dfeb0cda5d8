// Package unet builds the Stable Diffusion UNet (diffusers' UNet2DConditionModel for
// SD 1.x / 2.x and their 9-channel inpainting variants) as an nn graph, configured from
// the checkpoint's shapes.
package unet

import (
	"fmt"

	"github.com/sdgo/sdgo/model/nn"
	"github.com/sdgo/sdgo/model/weights"
)

// Norm epsilons and group count of SD's UNet.
const (
	groups        = 32
	resnetEps     = 1e-5
	transformerGN = 1e-6 // Transformer2DModel's GroupNorm
	layerNormEps  = 1e-5
)

// UNet holds the parameters of every layer.
type UNet struct {
	cfg     weights.UNetConfig
	timeIn  int
	time1   nn.Linear
	time2   nn.Linear
	convIn  nn.Conv
	down    []downBlock
	mid     midBlock
	up      []upBlock
	normOut nn.Norm
	convOut nn.Conv
}

type downBlock struct {
	resnets    []resnet
	attentions []transformer // empty for blocks without attention
	downsample *nn.Conv
}

type midBlock struct {
	res1, res2 resnet
	attn       transformer
}

type upBlock struct {
	resnets    []resnet
	attentions []transformer
	upsample   *nn.Conv
}

// Load uploads the UNet's parameters onto the net's device, with the 3×3 convs at the
// latent's full size as Winograd on CPU devices (LoadWinograd with one level).
func Load(n *nn.Net, w *weights.Weights, cfg weights.UNetConfig) *UNet {
	return LoadWinograd(n, w, cfg, 1)
}

// LoadWinograd is Load with the 3×3 convs of the first winoLevels levels (from the
// latent's full size down; conv_out too when winoLevels > 0) as Winograd on CPU devices
// (see nn.Net.Winograd). SD 1.x's 17 M parameters at the full size do a third of its
// conv multiplies, the 63 M of the next level another third; their U takes 8× their
// fp16 size (+220 and +840 MiB). The strided downsamplers and 1×1 convs never do.
func LoadWinograd(n *nn.Net, w *weights.Weights, cfg weights.UNetConfig, winoLevels int) *UNet {
	u := &UNet{cfg: cfg, timeIn: cfg.BlockOutChannels[0]}
	u.time1 = n.LoadLinear(w, "time_embedding.linear_1")
	u.time2 = n.LoadLinear(w, "time_embedding.linear_2")
	u.convIn = n.LoadConv(w, "conv_in", 1, 1)
	ch := cfg.BlockOutChannels
	last := len(ch) - 1
	defer func() { n.Winograd = false }()
	for i := range ch {
		p := fmt.Sprintf("down_blocks.%d.", i)
		var b downBlock
		n.Winograd = i < winoLevels
		for j := 0; j < cfg.LayersPerBlock; j++ {
			b.resnets = append(b.resnets, loadResnet(n, w, fmt.Sprintf("%sresnets.%d.", p, j)))
			if cfg.DownAttention[i] {
				b.attentions = append(b.attentions, loadTransformer(n, w, fmt.Sprintf("%sattentions.%d.", p, j), cfg, cfg.Heads[i]))
			}
		}
		if i < last {
			c := n.LoadConv(w, p+"downsamplers.0.conv", 2, 1)
			b.downsample = &c
		}
		u.down = append(u.down, b)
	}
	n.Winograd = false
	u.mid = midBlock{
		res1: loadResnet(n, w, "mid_block.resnets.0."),
		attn: loadTransformer(n, w, "mid_block.attentions.0.", cfg, cfg.Heads[last]),
		res2: loadResnet(n, w, "mid_block.resnets.1."),
	}
	for i := range ch {
		p := fmt.Sprintf("up_blocks.%d.", i)
		var b upBlock
		n.Winograd = last-i < winoLevels // up block i runs at level last−i
		for j := 0; j <= cfg.LayersPerBlock; j++ {
			b.resnets = append(b.resnets, loadResnet(n, w, fmt.Sprintf("%sresnets.%d.", p, j)))
			if cfg.UpAttention[i] {
				b.attentions = append(b.attentions, loadTransformer(n, w, fmt.Sprintf("%sattentions.%d.", p, j), cfg, cfg.Heads[last-i]))
			}
		}
		if i < last {
			n.Winograd = last-i-1 < winoLevels // it convolves at the next level's size
			c := n.LoadConv(w, p+"upsamplers.0.conv", 1, 1)
			b.upsample = &c
		}
		u.up = append(u.up, b)
	}
	u.normOut = n.LoadNorm(w, "conv_norm_out")
	n.Winograd = winoLevels > 0
	u.convOut = n.LoadConv(w, "conv_out", 1, 1)
	return u
}

// Conditioning is what an evaluation's cross-attentions attend to: every
// cross-attention's keys and values, projected from the encoded text (ProjectText). A
// sampling loop's text does not change between steps, so it projects once, in a graph
// of its own, and conditions every step's evaluation on the results
// (FromProjections); FromText projects within the evaluation's graph.
type Conditioning struct {
	kv   []nn.Tensor // keys and values of each cross-attention, in evaluation order
	next int         // the next pair of kv an evaluation takes
}

// FromProjections conditions on the keys and values ProjectText made, in its order.
func FromProjections(kv []nn.Tensor) *Conditioning { return &Conditioning{kv: kv} }

// FromText records the projections of text [B, T, CrossAttentionDim] in n's graph and
// conditions on them.
func (u *UNet) FromText(n *nn.Net, text nn.Tensor) *Conditioning {
	return FromProjections(u.ProjectText(n, text))
}

// ProjectText records the projection of text [B, T, CrossAttentionDim] into the keys
// and values of every cross-attention ([B, T, C] each), in the order FromProjections
// takes them.
func (u *UNet) ProjectText(n *nn.Net, text nn.Tensor) []nn.Tensor {
	var kv []nn.Tensor
	for _, t := range u.transformers() {
		for _, b := range t.blocks {
			k, v := n.ProjectKV(text, b.attn2)
			kv = append(kv, k, v)
		}
	}
	return kv
}

// transformers returns the UNet's transformers in evaluation order.
func (u *UNet) transformers() []transformer {
	var ts []transformer
	for _, b := range u.down {
		ts = append(ts, b.attentions...)
	}
	ts = append(ts, u.mid.attn)
	for _, b := range u.up {
		ts = append(ts, b.attentions...)
	}
	return ts
}

// crossAttention is the cross-attention of the next transformer block in evaluation
// order, from its projected keys and values.
func (c *Conditioning) crossAttention(n *nn.Net, x nn.Tensor, a nn.Attention, res nn.Tensor) nn.Tensor {
	if c.next+1 >= len(c.kv) {
		n.Failf("unet: %d projected text tensors for more than %d cross-attentions", len(c.kv), len(c.kv)/2)
		return nn.Tensor{}
	}
	k, v := c.kv[c.next], c.kv[c.next+1]
	c.next += 2
	return n.CrossAttentionKV(stack(n, x, k), k, v, a, stack(n, res, k))
}

// stack returns x, or where x holds a shared latent's rows and like twice as many, x
// stacked twice along the batch (see Forward).
func stack(n *nn.Net, x, like nn.Tensor) nn.Tensor {
	if !x.Valid() || !like.Valid() || x.Shape[0] == like.Shape[0] {
		return x
	}
	return n.BatchConcat(x, x)
}

// Forward records one evaluation: sample [N, Cin, h, w], timesteps [N] (fp32) and the
// text conditioning (reusable: each evaluation takes its projections from the first)
// give the prediction [B, 4, h, w], B the conditioning's batch: N, or 2N where both
// halves of the conditioning see the same latents (classifier-free guidance's
// unconditional and conditional halves). Such a shared latent is evaluated once up to
// the first cross-attention, the first layer that sees the text, and stacked twice
// there, which gives what evaluating [sample; sample] gives with that prefix's work
// halved. Every intermediate named like diffusers' modules is passed to tap (if not
// nil), so tests can compare them with reference activations.
func (u *UNet) Forward(n *nn.Net, sample, timesteps nn.Tensor, cond *Conditioning, tap func(name string, t nn.Tensor)) nn.Tensor {
	if n.Err() != nil {
		return nn.Tensor{}
	}
	if tap == nil {
		tap = func(string, nn.Tensor) {}
	}
	if cond == nil || len(cond.kv) == 0 {
		n.Failf("unet: an evaluation without text conditioning")
		return nn.Tensor{}
	}
	rows := cond.kv[0].Shape[0]
	if len(sample.Shape) != 4 || (sample.Shape[0] != rows && 2*sample.Shape[0] != rows) || len(timesteps.Shape) != 1 || timesteps.Shape[0] != sample.Shape[0] {
		n.Failf("unet: sample %v and timesteps %v for a conditioning of %d rows (the same count, or half of it)", sample.Shape, timesteps.Shape, rows)
		return nn.Tensor{}
	}
	cond.next = 0
	tProj := n.TimestepEmbedding(timesteps, u.timeIn)
	tap("time_proj", tProj)
	emb := n.Linear(n.Linear(tProj, u.time1, nn.EpilogueSiLU, nn.Tensor{}), u.time2, nn.EpilogueNone, nn.Tensor{})
	tap("time_embedding", emb)
	embAct := n.Silu(emb) // every resnet projects silu(emb)
	// attend runs transformer t; the timestep's embedding follows h's rows when the
	// first cross-attention stacks a shared latent.
	attend := func(t transformer, h nn.Tensor) nn.Tensor {
		h = t.forward(n, h, cond)
		embAct = stack(n, embAct, h)
		return h
	}

	h := n.Conv2d(sample, u.convIn, nn.Tensor{})
	tap("conv_in", h)
	skips := []nn.Tensor{h}
	for i, b := range u.down {
		for j, r := range b.resnets {
			h = r.forward(n, h, embAct)
			tap(fmt.Sprintf("down_blocks.%d.resnets.%d", i, j), h)
			if len(b.attentions) > 0 {
				h = attend(b.attentions[j], h)
				tap(fmt.Sprintf("down_blocks.%d.attentions.%d", i, j), h)
			}
			skips = append(skips, h)
		}
		if b.downsample != nil {
			h = n.Conv2d(h, *b.downsample, nn.Tensor{})
			skips = append(skips, h)
		}
		tap(fmt.Sprintf("down_blocks.%d.hidden", i), h)
	}
	h = u.mid.res1.forward(n, h, embAct)
	h = attend(u.mid.attn, h)
	h = u.mid.res2.forward(n, h, embAct)
	tap("mid_block", h)
	for i, b := range u.up {
		for j, r := range b.resnets {
			skip := skips[len(skips)-1]
			skips = skips[:len(skips)-1]
			h = r.forward(n, n.Concat(h, stack(n, skip, h)), embAct)
			if len(b.attentions) > 0 {
				h = attend(b.attentions[j], h)
			}
		}
		if b.upsample != nil {
			// Upsample to the next skip's size (they differ when the latent is not
			// divisible by the total downsampling).
			next := skips[len(skips)-1]
			h = n.UpsampleConv(h, next.Shape[2], next.Shape[3], *b.upsample, nn.Tensor{})
		}
		tap(fmt.Sprintf("up_blocks.%d", i), h)
	}
	h = n.GroupNorm(h, u.normOut, groups, resnetEps, true) // conv_norm_out + conv_act, fused
	tap("conv_act", h)
	out := n.Conv2d(h, u.convOut, nn.Tensor{})
	tap("conv_out", out)
	if cond.next != len(cond.kv) {
		n.Failf("unet: %d projected text tensors for %d cross-attentions", len(cond.kv), cond.next/2)
	}
	return out
}

// resnet is diffusers' ResnetBlock2D with a timestep projection.
type resnet struct {
	norm1, norm2 nn.Norm
	conv1, conv2 nn.Conv
	timeProj     nn.Linear
	shortcut     *nn.Conv
}

func loadResnet(n *nn.Net, w *weights.Weights, p string) resnet {
	r := resnet{
		norm1:    n.LoadNorm(w, p+"norm1"),
		conv1:    n.LoadConv(w, p+"conv1", 1, 1),
		timeProj: n.LoadLinear(w, p+"time_emb_proj"),
		norm2:    n.LoadNorm(w, p+"norm2"),
		conv2:    n.LoadConv(w, p+"conv2", 1, 1),
	}
	if n.HasParam(w, p+"conv_shortcut.weight") {
		c := n.LoadConv(w, p+"conv_shortcut", 1, 0)
		r.shortcut = &c
	}
	return r
}

// forward: conv2(silu(norm2(conv1(silu(norm1(x))) + proj(silu(emb))))) + shortcut(x).
func (r resnet) forward(n *nn.Net, x, embAct nn.Tensor) nn.Tensor {
	h := n.NormConv(x, nn.Tensor{}, r.norm1, groups, resnetEps, r.conv1, nn.Tensor{})
	temb := n.Linear(embAct, r.timeProj, nn.EpilogueNone, nn.Tensor{})
	skip := x
	if r.shortcut != nil {
		skip = n.Conv2d(x, *r.shortcut, nn.Tensor{})
	}
	return n.NormConv(h, temb, r.norm2, groups, resnetEps, r.conv2, skip)
}

// transformer is diffusers' Transformer2DModel with its BasicTransformerBlocks.
type transformer struct {
	heads int
	norm  nn.Norm
	// proj_in/proj_out: linears on tokens (SD 2.x), or 1x1 convs (SD 1.x) loaded as
	// the same linears
	linIn  nn.Linear
	linOut nn.Linear
	blocks []basicBlock
}

type basicBlock struct {
	norm1, norm2, norm3 nn.Norm
	attn1, attn2        nn.Attention
	ffIn, ffOut         nn.Linear // GEGLU projection (2×inner) and output
}

func loadTransformer(n *nn.Net, w *weights.Weights, p string, cfg weights.UNetConfig, heads int) transformer {
	t := transformer{heads: heads, norm: n.LoadNorm(w, p+"norm")}
	if cfg.UseLinearProjection {
		t.linIn = n.LoadLinear(w, p+"proj_in")
		t.linOut = n.LoadLinear(w, p+"proj_out")
	} else {
		t.linIn = n.LoadConv(w, p+"proj_in", 1, 0).AsLinear()
		t.linOut = n.LoadConv(w, p+"proj_out", 1, 0).AsLinear()
	}
	for i := 0; i < cfg.TransformerDepth; i++ {
		q := fmt.Sprintf("%stransformer_blocks.%d.", p, i)
		t.blocks = append(t.blocks, basicBlock{
			norm1: n.LoadNorm(w, q+"norm1"),
			attn1: n.LoadAttention(w, q+"attn1", heads),
			norm2: n.LoadNorm(w, q+"norm2"),
			attn2: n.LoadAttention(w, q+"attn2", heads),
			norm3: n.LoadNorm(w, q+"norm3"),
			ffIn:  n.LoadLinear(w, q+"ff.net.0.proj"),
			ffOut: n.LoadLinear(w, q+"ff.net.2"),
		})
	}
	return t
}

func (t transformer) forward(n *nn.Net, x nn.Tensor, cond *Conditioning) nn.Tensor {
	if !x.Valid() { // an error earlier in the graph
		return x
	}
	hgt, wid := x.Shape[2], x.Shape[3]
	h := n.Linear(n.GroupNormTokens(x, t.norm, groups, transformerGN), t.linIn, nn.EpilogueNone, nn.Tensor{})
	for _, b := range t.blocks {
		h = n.SelfAttention(n.LayerNorm(h, b.norm1, layerNormEps), b.attn1, false, h)
		h = cond.crossAttention(n, n.LayerNorm(h, b.norm2, layerNormEps), b.attn2, h)
		gated := n.Linear(n.LayerNorm(h, b.norm3, layerNormEps), b.ffIn, nn.EpilogueGEGLU, nn.Tensor{})
		h = n.Linear(gated, b.ffOut, nn.EpilogueNone, h)
	}
	return n.ToNCHW(n.Linear(h, t.linOut, nn.EpilogueNone, nn.Tensor{}), hgt, wid, stack(n, x, h))
}

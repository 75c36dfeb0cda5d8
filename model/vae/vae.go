// Package vae builds Stable Diffusion's KL autoencoder (diffusers' AutoencoderKL): the
// decoder that turns latents into images and the encoder that turns images into latents,
// configured from the checkpoint's shapes.
package vae

import (
	"fmt"

	"github.com/sdgo/sdgo/model/nn"
	"github.com/sdgo/sdgo/model/weights"
)

const (
	groups = 32
	eps    = 1e-6
)

// VAE holds the decoder's and (when loaded) the encoder's parameters.
type VAE struct {
	Config weights.VAEConfig
	dec    coder
	enc    *coder
	post   nn.Conv // post_quant_conv
	quant  nn.Conv // quant_conv
}

// coder is an encoder or a decoder: conv_in, a stack of levels, a mid block, and the
// output norm and conv.
type coder struct {
	convIn  nn.Conv
	levels  []level
	mid     mid
	normOut nn.Norm
	convOut nn.Conv
}

type level struct {
	resnets []resnet
	resize  *nn.Conv // downsample (encoder) or the conv after upsampling (decoder)
}

type mid struct {
	res1, res2 resnet
	norm       nn.Norm
	attn       nn.Attention
}

type resnet struct {
	norm1, norm2 nn.Norm
	conv1, conv2 nn.Conv
	shortcut     *nn.Conv
}

// Load uploads the decoder, and the encoder too when withEncoder is set (img2img and
// inpainting need it).
func Load(n *nn.Net, w *weights.Weights, cfg weights.VAEConfig, withEncoder bool) *VAE {
	v := &VAE{Config: cfg}
	last := len(cfg.BlockOutChannels) - 1
	v.post = n.LoadConv(w, "post_quant_conv", 1, 0)
	// The decoder's 3×3 convs at 2× the latent size and above run as Winograd on CPU
	// devices (see nn.Net.Winograd): ~90% of its multiplies, for 4× their weights in
	// fp32 (+209 MiB for SD's VAE); the mid block and level 0 run at the latent size.
	v.dec = loadCoder(n, w, "decoder.", "up_blocks", "upsamplers", cfg.LayersPerBlock+1, last, 1, func(c *nn.Conv) {})
	if withEncoder {
		v.quant = n.LoadConv(w, "quant_conv", 1, 0)
		// diffusers' Downsample2D in the VAE pads (0,1,0,1) and convolves with stride 2.
		enc := loadCoder(n, w, "encoder.", "down_blocks", "downsamplers", cfg.LayersPerBlock, last, last+1, func(c *nn.Conv) {
			c.Stride, c.PadT, c.PadL, c.PadB, c.PadR = 2, 0, 0, 1, 1
		})
		v.enc = &enc
	}
	return v
}

// loadCoder loads an encoder or decoder; the convs of levels ≥ winoFrom, the resize
// conv of level winoFrom−1 and conv_out (when winoFrom ≤ last) are loaded for Winograd.
func loadCoder(n *nn.Net, w *weights.Weights, p, blocks, resizers string, layers, last, winoFrom int, shapeResize func(*nn.Conv)) coder {
	defer func() { n.Winograd = false }()
	c := coder{convIn: n.LoadConv(w, p+"conv_in", 1, 1)}
	for i := 0; i <= last; i++ {
		var l level
		n.Winograd = i >= winoFrom
		for j := 0; j < layers; j++ {
			l.resnets = append(l.resnets, loadResnet(n, w, fmt.Sprintf("%s%s.%d.resnets.%d.", p, blocks, i, j)))
		}
		if i < last {
			n.Winograd = i+1 >= winoFrom
			r := n.LoadConv(w, fmt.Sprintf("%s%s.%d.%s.0.conv", p, blocks, i, resizers), 1, 1)
			shapeResize(&r)
			l.resize = &r
		}
		c.levels = append(c.levels, l)
	}
	n.Winograd = false
	m := p + "mid_block."
	c.mid = mid{
		res1: loadResnet(n, w, m+"resnets.0."),
		norm: n.LoadNorm(w, m+"attentions.0.group_norm"),
		attn: n.LoadAttention(w, m+"attentions.0", 1),
		res2: loadResnet(n, w, m+"resnets.1."),
	}
	c.normOut = n.LoadNorm(w, p+"conv_norm_out")
	n.Winograd = winoFrom <= last
	c.convOut = n.LoadConv(w, p+"conv_out", 1, 1)
	return c
}

func loadResnet(n *nn.Net, w *weights.Weights, p string) resnet {
	r := resnet{
		norm1: n.LoadNorm(w, p+"norm1"),
		conv1: n.LoadConv(w, p+"conv1", 1, 1),
		norm2: n.LoadNorm(w, p+"norm2"),
		conv2: n.LoadConv(w, p+"conv2", 1, 1),
	}
	if n.HasParam(w, p+"conv_shortcut.weight") {
		c := n.LoadConv(w, p+"conv_shortcut", 1, 0)
		r.shortcut = &c
	}
	return r
}

func (r resnet) forward(n *nn.Net, x nn.Tensor) nn.Tensor {
	h := n.NormConv(x, nn.Tensor{}, r.norm1, groups, eps, r.conv1, nn.Tensor{})
	skip := x
	if r.shortcut != nil {
		skip = n.Conv2d(x, *r.shortcut, nn.Tensor{})
	}
	return n.NormConv(h, nn.Tensor{}, r.norm2, groups, eps, r.conv2, skip)
}

// forward runs the mid block: resnet, single-head attention over all pixels, resnet.
func (m mid) forward(n *nn.Net, x nn.Tensor) nn.Tensor {
	h := m.res1.forward(n, x)
	hgt, wid := h.Shape[2], h.Shape[3]
	tokens := n.GroupNormTokens(h, m.norm, groups, eps)
	a := n.SelfAttention(tokens, m.attn, false, nn.Tensor{})
	h = n.ToNCHW(a, hgt, wid, h)
	return m.res2.forward(n, h)
}

// Decode records latents [B, 4, h, w] (already divided by the scaling factor) →
// images [B, 3, 8h, 8w] in about [-1, 1]. tap sees diffusers-named intermediates.
func (v *VAE) Decode(n *nn.Net, z nn.Tensor, tap func(string, nn.Tensor)) nn.Tensor {
	if tap == nil {
		tap = func(string, nn.Tensor) {}
	}
	h := n.Conv2d(z, v.post, nn.Tensor{})
	tap("post_quant_conv", h)
	h = n.Conv2d(h, v.dec.convIn, nn.Tensor{})
	tap("decoder.conv_in", h)
	h = v.dec.mid.forward(n, h)
	tap("decoder.mid_block", h)
	for i, l := range v.dec.levels {
		for _, r := range l.resnets {
			h = r.forward(n, h)
		}
		if l.resize != nil {
			h = n.UpsampleConv(h, 2*h.Shape[2], 2*h.Shape[3], *l.resize, nn.Tensor{})
		}
		tap(fmt.Sprintf("decoder.up_blocks.%d", i), h)
	}
	return n.NormConv(h, nn.Tensor{}, v.dec.normOut, groups, eps, v.dec.convOut, nn.Tensor{})
}

// Encode records images [B, 3, H, W] in [-1, 1] → the moments [B, 2·latent, H/8, W/8]
// (mean, then log-variance), as quant_conv produces them.
func (v *VAE) Encode(n *nn.Net, x nn.Tensor, tap func(string, nn.Tensor)) nn.Tensor {
	if v.enc == nil {
		n.Failf("vae: encoder not loaded")
		return nn.Tensor{}
	}
	if tap == nil {
		tap = func(string, nn.Tensor) {}
	}
	h := n.Conv2d(x, v.enc.convIn, nn.Tensor{})
	for _, l := range v.enc.levels {
		for _, r := range l.resnets {
			h = r.forward(n, h)
		}
		if l.resize != nil {
			h = n.Conv2d(h, *l.resize, nn.Tensor{})
		}
	}
	h = v.enc.mid.forward(n, h)
	tap("encoder.mid_block", h)
	h = n.NormConv(h, nn.Tensor{}, v.enc.normOut, groups, eps, v.enc.convOut, nn.Tensor{})
	moments := n.Conv2d(h, v.quant, nn.Tensor{})
	tap("quant_conv", moments)
	return moments
}

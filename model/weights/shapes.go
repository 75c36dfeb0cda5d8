package weights

import (
	"fmt"
	"slices"
)

// TensorShapes lists every tensor of component comp that a model with this Config has,
// under internal names. It is the inverse of deriving a Config from weights, and lets
// callers (a random-weight checkpoint generator, planners) work without a file.
func (c Config) TensorShapes(comp Component) map[string][]int {
	s := shapeList{}
	switch comp {
	case UNet:
		s.unet(c.UNet)
	case VAE:
		s.vae(c.VAE)
	case TextEncoder:
		s.text(c.Text)
	}
	return s
}

type shapeList map[string][]int

// module adds name.weight with the given shape and, if bias, name.bias [shape[0]].
func (s shapeList) module(name string, bias bool, shape ...int) {
	s[name+".weight"] = shape
	if bias {
		s[name+".bias"] = []int{shape[0]}
	}
}

func (s shapeList) norm(name string, ch int) { s.module(name, true, ch) }

func (s shapeList) conv(name string, out, in, k int) { s.module(name, true, out, in, k, k) }

// resnet adds a ResnetBlock2D; temb 0 means none (VAE).
func (s shapeList) resnet(name string, in, out, temb int) {
	s.norm(name+".norm1", in)
	s.conv(name+".conv1", out, in, 3)
	if temb > 0 {
		s.module(name+".time_emb_proj", true, out, temb)
	}
	s.norm(name+".norm2", out)
	s.conv(name+".conv2", out, out, 3)
	if in != out {
		s.conv(name+".conv_shortcut", out, in, 1)
	}
}

// transformer adds a Transformer2DModel with depth blocks of self- and cross-attention.
func (s shapeList) transformer(name string, ch int, u UNetConfig) {
	proj := []int{ch, ch, 1, 1}
	if u.UseLinearProjection {
		proj = proj[:2]
	}
	s.norm(name+".norm", ch)
	s.module(name+".proj_in", true, proj...)
	s.module(name+".proj_out", true, proj...)
	for d := range u.TransformerDepth {
		b := fmt.Sprintf("%s.transformer_blocks.%d", name, d)
		for _, n := range []string{"norm1", "norm2", "norm3"} {
			s.norm(b+"."+n, ch)
		}
		for attn, ctx := range map[string]int{"attn1": ch, "attn2": u.CrossAttentionDim} {
			s.module(b+"."+attn+".to_q", false, ch, ch)
			s.module(b+"."+attn+".to_k", false, ch, ctx)
			s.module(b+"."+attn+".to_v", false, ch, ctx)
			s.module(b+"."+attn+".to_out.0", true, ch, ch)
		}
		s.module(b+".ff.net.0.proj", true, 8*ch, ch) // GEGLU: two halves of 4C
		s.module(b+".ff.net.2", true, ch, 4*ch)
	}
}

func (s shapeList) unet(u UNetConfig) {
	ch := u.BlockOutChannels
	if len(ch) == 0 {
		return
	}
	n, temb := len(ch), u.TimeEmbedDim
	s.conv("conv_in", ch[0], u.InChannels, 3)
	s.module("time_embedding.linear_1", true, temb, ch[0])
	s.module("time_embedding.linear_2", true, temb, temb)
	skips := []int{ch[0]} // channels of each skip connection, in push order
	prev := ch[0]
	for i, c := range ch {
		for j := range u.LayersPerBlock {
			s.resnet(fmt.Sprintf("down_blocks.%d.resnets.%d", i, j), prev, c, temb)
			if u.DownAttention[i] {
				s.transformer(fmt.Sprintf("down_blocks.%d.attentions.%d", i, j), c, u)
			}
			prev = c
			skips = append(skips, c)
		}
		if i < n-1 {
			s.conv(fmt.Sprintf("down_blocks.%d.downsamplers.0.conv", i), c, c, 3)
			skips = append(skips, c)
		}
	}
	s.resnet("mid_block.resnets.0", prev, prev, temb)
	s.transformer("mid_block.attentions.0", prev, u)
	s.resnet("mid_block.resnets.1", prev, prev, temb)
	for i := range n {
		c := ch[n-1-i]
		for j := range u.LayersPerBlock + 1 {
			skip := skips[len(skips)-1]
			skips = skips[:len(skips)-1]
			s.resnet(fmt.Sprintf("up_blocks.%d.resnets.%d", i, j), prev+skip, c, temb)
			if u.UpAttention[i] {
				s.transformer(fmt.Sprintf("up_blocks.%d.attentions.%d", i, j), c, u)
			}
			prev = c
		}
		if i < n-1 {
			s.conv(fmt.Sprintf("up_blocks.%d.upsamplers.0.conv", i), c, c, 3)
		}
	}
	s.norm("conv_norm_out", ch[0])
	s.conv("conv_out", u.OutChannels, ch[0], 3)
}

func (s shapeList) vae(v VAEConfig) {
	ch := v.BlockOutChannels
	if len(ch) == 0 {
		return
	}
	n, top := len(ch), ch[len(ch)-1]
	mid := func(side string) {
		s.resnet(side+".mid_block.resnets.0", top, top, 0)
		s.resnet(side+".mid_block.resnets.1", top, top, 0)
		a := side + ".mid_block.attentions.0"
		s.norm(a+".group_norm", top)
		for _, p := range []string{"to_q", "to_k", "to_v", "to_out.0"} {
			s.module(a+"."+p, true, top, top)
		}
	}
	s.conv("encoder.conv_in", ch[0], v.InChannels, 3)
	prev := ch[0]
	for i, c := range ch {
		for j := range v.LayersPerBlock {
			s.resnet(fmt.Sprintf("encoder.down_blocks.%d.resnets.%d", i, j), prev, c, 0)
			prev = c
		}
		if i < n-1 {
			s.conv(fmt.Sprintf("encoder.down_blocks.%d.downsamplers.0.conv", i), c, c, 3)
		}
	}
	mid("encoder")
	s.norm("encoder.conv_norm_out", top)
	s.conv("encoder.conv_out", 2*v.LatentChannels, top, 3)
	s.conv("quant_conv", 2*v.LatentChannels, 2*v.LatentChannels, 1)
	s.conv("post_quant_conv", v.LatentChannels, v.LatentChannels, 1)
	s.conv("decoder.conv_in", top, v.LatentChannels, 3)
	mid("decoder")
	prev = top
	for i, c := range slices.Backward(ch) {
		up := n - 1 - i
		for j := range v.LayersPerBlock + 1 {
			s.resnet(fmt.Sprintf("decoder.up_blocks.%d.resnets.%d", up, j), prev, c, 0)
			prev = c
		}
		if up < n-1 {
			s.conv(fmt.Sprintf("decoder.up_blocks.%d.upsamplers.0.conv", up), c, c, 3)
		}
	}
	s.norm("decoder.conv_norm_out", ch[0])
	s.conv("decoder.conv_out", v.OutChannels, ch[0], 3)
}

func (s shapeList) text(t TextConfig) {
	h := t.Hidden
	s.module("text_model.embeddings.token_embedding", false, t.VocabSize, h)
	s.module("text_model.embeddings.position_embedding", false, t.MaxPositions, h)
	for i := range t.Layers {
		l := fmt.Sprintf("text_model.encoder.layers.%d", i)
		s.norm(l+".layer_norm1", h)
		s.norm(l+".layer_norm2", h)
		for _, p := range []string{"q_proj", "k_proj", "v_proj", "out_proj"} {
			s.module(l+".self_attn."+p, true, h, h)
		}
		s.module(l+".mlp.fc1", true, t.Intermediate, h)
		s.module(l+".mlp.fc2", true, h, t.Intermediate)
	}
	s.norm("text_model.final_layer_norm", h)
}

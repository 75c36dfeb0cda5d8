package checkpoint

import "fmt"

// kind says how a tensor's random values are drawn.
type kind int

const (
	weight      kind = iota // N(0, 1/fan_in)
	bias                    // N(0, 0.02²)
	normGain                // 1 + N(0, 0.02²)
	embedding               // N(0, 0.02²)
	schedule                // an LDM schedule buffer, computed
	positionIDs             // 0..76, int64
	scalar                  // logit_scale
)

// tensor is one entry of the checkpoint.
type tensor struct {
	name  string
	shape []int
	kind  kind
}

// keys lists every tensor of the checkpoint in LDM layout.
func (a Arch) keys() []tensor {
	var ts []tensor
	add := func(name string, k kind, shape ...int) { ts = append(ts, tensor{name, shape, k}) }
	linear := func(p string, out, in int, withBias bool) {
		add(p+".weight", weight, out, in)
		if withBias {
			add(p+".bias", bias, out)
		}
	}
	conv := func(p string, out, in, k int) {
		add(p+".weight", weight, out, in, k, k)
		add(p+".bias", bias, out)
	}
	norm := func(p string, c int) {
		add(p+".weight", normGain, c)
		add(p+".bias", bias, c)
	}
	a.unetKeys(add, linear, conv, norm)
	a.vaeKeys(conv, norm)
	a.textKeys(add, linear, norm)
	for _, s := range scheduleNames {
		add(s, schedule, 1000)
	}
	return ts
}

type (
	addFunc    func(name string, k kind, shape ...int)
	linearFunc func(p string, out, in int, withBias bool)
	convFunc   func(p string, out, in, k int)
	normFunc   func(p string, c int)
)

func (a Arch) unetKeys(add addFunc, linear linearFunc, conv convFunc, norm normFunc) {
	const p = "model.diffusion_model."
	ch := a.UNetChannels
	temb := 4 * ch[0]
	linear(p+"time_embed.0", temb, a.TimeEmbedInput, true)
	linear(p+"time_embed.2", temb, temb, true)
	resnet := func(q string, in, out int) {
		norm(q+".in_layers.0", in)
		conv(q+".in_layers.2", out, in, 3)
		linear(q+".emb_layers.1", out, temb, true)
		norm(q+".out_layers.0", out)
		conv(q+".out_layers.3", out, out, 3)
		if in != out {
			conv(q+".skip_connection", out, in, 1)
		}
	}
	transformer := func(q string, c int) {
		norm(q+".norm", c)
		proj := func(r string) {
			if a.LinearProj {
				linear(r, c, c, true)
			} else {
				conv(r, c, c, 1)
			}
		}
		proj(q + ".proj_in")
		b := q + ".transformer_blocks.0."
		for _, at := range []struct {
			name string
			kv   int
		}{{"attn1", c}, {"attn2", a.ContextDim}} {
			linear(b+at.name+".to_q", c, c, false)
			linear(b+at.name+".to_k", c, at.kv, false)
			linear(b+at.name+".to_v", c, at.kv, false)
			linear(b+at.name+".to_out.0", c, c, true)
		}
		linear(b+"ff.net.0.proj", 8*c, c, true)
		linear(b+"ff.net.2", c, 4*c, true)
		for _, n := range []string{"norm1", "norm2", "norm3"} {
			norm(b+n, c)
		}
		proj(q + ".proj_out")
	}
	conv(p+"input_blocks.0.0", ch[0], a.UNetIn, 3)
	skips := []int{ch[0]}
	block, in := 1, ch[0]
	for level, out := range ch {
		for j := 0; j < a.UNetLayers; j++ {
			q := fmt.Sprintf("%sinput_blocks.%d", p, block)
			resnet(q+".0", in, out)
			if a.UNetAttention[level] {
				transformer(q+".1", out)
			}
			in = out
			skips = append(skips, out)
			block++
		}
		if level < len(ch)-1 {
			conv(fmt.Sprintf("%sinput_blocks.%d.0.op", p, block), out, out, 3)
			skips = append(skips, out)
			block++
		}
	}
	last := ch[len(ch)-1]
	resnet(p+"middle_block.0", last, last)
	transformer(p+"middle_block.1", last)
	resnet(p+"middle_block.2", last, last)
	block = 0
	for level := len(ch) - 1; level >= 0; level-- {
		out := ch[level]
		for j := 0; j <= a.UNetLayers; j++ {
			skip := skips[len(skips)-1]
			skips = skips[:len(skips)-1]
			q := fmt.Sprintf("%soutput_blocks.%d", p, block)
			resnet(q+".0", in+skip, out)
			in = out
			sub := 1
			if a.UNetAttention[level] {
				transformer(q+".1", out)
				sub = 2
			}
			if j == a.UNetLayers && level > 0 {
				conv(fmt.Sprintf("%s.%d.conv", q, sub), out, out, 3)
			}
			block++
		}
	}
	norm(p+"out.0", ch[0])
	conv(p+"out.2", 4, ch[0], 3)
}

func (a Arch) vaeKeys(conv convFunc, norm normFunc) {
	const p = "first_stage_model."
	ch := a.VAEChannels
	resnet := func(q string, in, out int) {
		norm(q+".norm1", in)
		conv(q+".conv1", out, in, 3)
		norm(q+".norm2", out)
		conv(q+".conv2", out, out, 3)
		if in != out {
			conv(q+".nin_shortcut", out, in, 1)
		}
	}
	mid := func(q string, c int) {
		resnet(q+".block_1", c, c)
		norm(q+".attn_1.norm", c)
		for _, n := range []string{"q", "k", "v", "proj_out"} {
			conv(q+".attn_1."+n, c, c, 1)
		}
		resnet(q+".block_2", c, c)
	}
	last := ch[len(ch)-1]
	// Encoder.
	conv(p+"encoder.conv_in", ch[0], 3, 3)
	in := ch[0]
	for level, out := range ch {
		for j := 0; j < a.VAELayers; j++ {
			resnet(fmt.Sprintf("%sencoder.down.%d.block.%d", p, level, j), in, out)
			in = out
		}
		if level < len(ch)-1 {
			conv(fmt.Sprintf("%sencoder.down.%d.downsample.conv", p, level), out, out, 3)
		}
	}
	mid(p+"encoder.mid", last)
	norm(p+"encoder.norm_out", last)
	conv(p+"encoder.conv_out", 2*a.Latent, last, 3)
	conv(p+"quant_conv", 2*a.Latent, 2*a.Latent, 1)
	// Decoder: LDM numbers its levels like the encoder's (up.0 is the full-resolution
	// level), though it runs them from the last to the first.
	conv(p+"post_quant_conv", a.Latent, a.Latent, 1)
	conv(p+"decoder.conv_in", last, a.Latent, 3)
	mid(p+"decoder.mid", last)
	in = last
	for level := len(ch) - 1; level >= 0; level-- {
		out := ch[level]
		for j := 0; j <= a.VAELayers; j++ {
			resnet(fmt.Sprintf("%sdecoder.up.%d.block.%d", p, level, j), in, out)
			in = out
		}
		if level > 0 {
			conv(fmt.Sprintf("%sdecoder.up.%d.upsample.conv", p, level), out, out, 3)
		}
	}
	norm(p+"decoder.norm_out", ch[0])
	conv(p+"decoder.conv_out", 3, ch[0], 3)
}

const vocab, positions = 49408, 77

func (a Arch) textKeys(add addFunc, linear linearFunc, norm normFunc) {
	w := a.TextWidth
	if a.OpenCLIP {
		const p = "cond_stage_model.model."
		add(p+"token_embedding.weight", embedding, vocab, w)
		add(p+"positional_embedding", embedding, positions, w)
		for i := 0; i < a.TextLayers; i++ {
			q := fmt.Sprintf("%stransformer.resblocks.%d.", p, i)
			norm(q+"ln_1", w)
			add(q+"attn.in_proj_weight", weight, 3*w, w)
			add(q+"attn.in_proj_bias", bias, 3*w)
			linear(q+"attn.out_proj", w, w, true)
			norm(q+"ln_2", w)
			linear(q+"mlp.c_fc", a.TextMLP, w, true)
			linear(q+"mlp.c_proj", w, a.TextMLP, true)
		}
		norm(p+"ln_final", w)
		add(p+"text_projection", weight, w, w)
		add(p+"logit_scale", scalar)
		return
	}
	const p = "cond_stage_model.transformer.text_model."
	add(p+"embeddings.token_embedding.weight", embedding, vocab, w)
	add(p+"embeddings.position_embedding.weight", embedding, positions, w)
	add(p+"embeddings.position_ids", positionIDs, 1, positions)
	for i := 0; i < a.TextLayers; i++ {
		q := fmt.Sprintf("%sencoder.layers.%d.", p, i)
		norm(q+"layer_norm1", w)
		for _, n := range []string{"q_proj", "k_proj", "v_proj", "out_proj"} {
			linear(q+"self_attn."+n, w, w, true)
		}
		norm(q+"layer_norm2", w)
		linear(q+"mlp.fc1", a.TextMLP, w, true)
		linear(q+"mlp.fc2", w, a.TextMLP, true)
	}
	norm(p+"final_layer_norm", w)
}

package weights

import (
	"fmt"
	"strconv"
	"strings"
)

// Name mapping between the CompVis/LDM layout and the internal (diffusers) layout. The
// tables are generated from the numbering rules and the block/layer counts found in the
// keys, so the tiny test models and full-size SD 1.x/2.x go through the same code:
//
//	UNet, L = layers per block, i = block, j = layer:
//	  input_blocks.0.0                     conv_in
//	  input_blocks.{1+i(L+1)+j}.0 / .1     down_blocks.i.resnets.j / attentions.j
//	  input_blocks.{(i+1)(L+1)}.0.op       down_blocks.i.downsamplers.0.conv
//	  middle_block.0 / .1 / .2             mid_block.resnets.0 / attentions.0 / resnets.1
//	  output_blocks.{i(L+1)+j}.0 / .1      up_blocks.i.resnets.j / attentions.j   (j <= L)
//	  output_blocks.{i(L+1)+L}.{1|2}.conv  up_blocks.i.upsamplers.0.conv (.2 after an attention)
//	  time_embed.0/.2, out.0/.2            time_embedding.linear_1/2, conv_norm_out/conv_out
//	  resnet parts: in_layers.0 norm1, in_layers.2 conv1, emb_layers.1 time_emb_proj,
//	                out_layers.0 norm2, out_layers.3 conv2, skip_connection conv_shortcut
//	VAE, n = levels:
//	  {encoder.down|decoder.up}.k.block.j  encoder.down_blocks.k / decoder.up_blocks.{n-1-k} .resnets.j
//	  encoder.down.k.downsample / decoder.up.k.upsample   .downsamplers.0 / .upsamplers.0
//	  mid.block_1 / attn_1 / block_2       mid_block.resnets.0 / attentions.0 / resnets.1
//	  attn_1.norm/q/k/v/proj_out           attentions.0.group_norm/to_q/to_k/to_v/to_out.0
//	  norm_out, nin_shortcut               conv_norm_out, conv_shortcut
//	OpenCLIP text tower (SD 2.x):
//	  token_embedding, positional_embedding, ln_final    text_model.embeddings.token_embedding,
//	                                        .position_embedding.weight, text_model.final_layer_norm
//	  transformer.resblocks.i.ln_1/ln_2     text_model.encoder.layers.i.layer_norm1/layer_norm2
//	  .attn.in_proj_{weight,bias} [3C,..]   .self_attn.{q,k,v}_proj (rows split in that order)
//	  .attn.out_proj, .mlp.c_fc, .mlp.c_proj  .self_attn.out_proj, .mlp.fc1, .mlp.fc2

// nameTable maps module prefixes between the LDM layout and the internal layout; a name is
// mapped through its longest registered prefix, the rest of the name is kept.
type nameTable struct{ toInternal, toLDM map[string]string }

func newNameTable() *nameTable {
	return &nameTable{toInternal: map[string]string{}, toLDM: map[string]string{}}
}

func (t *nameTable) add(ldm, internal string) {
	t.toInternal[ldm] = internal
	t.toLDM[internal] = ldm
}

// internal maps an LDM name to the internal name.
func (t *nameTable) internal(ldm string) (string, bool) { return lookupPrefix(t.toInternal, ldm) }

// ldm maps an internal name to the LDM name.
func (t *nameTable) ldm(internal string) (string, bool) { return lookupPrefix(t.toLDM, internal) }

func lookupPrefix(m map[string]string, name string) (string, bool) {
	for p := name; ; {
		if v, ok := m[p]; ok {
			return v + name[len(p):], true
		}
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			return "", false
		}
		p = p[:i]
	}
}

// indexAfter parses the integer that follows prefix in name ("input_blocks.", "input_blocks.4.0.op" → 4).
func indexAfter(name, prefix string) (int, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return 0, false
	}
	digits, _, _ := strings.Cut(rest, ".")
	n, err := strconv.Atoi(digits)
	return n, err == nil && n >= 0 && n < 1<<16
}

// countIndexed returns 1 + the largest index that follows prefix in any name (0 if none).
func countIndexed(names []string, prefix string) int {
	count := 0
	for _, n := range names {
		if i, ok := indexAfter(n, prefix); ok {
			count = max(count, i+1)
		}
	}
	return count
}

func hasPrefix(names []string, prefix string) bool {
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			return true
		}
	}
	return false
}

// unetLayout is what the UNet numbering depends on.
type unetLayout struct {
	blocks, layers int
	upAttention    []bool // up block i has transformers
}

// unetLayoutFromLDM reads the layout from LDM names: the first downsampler sits at
// input_blocks.{L+1}, and there are blocks*(L+1) input blocks.
func unetLayoutFromLDM(names []string) (unetLayout, error) {
	inputs := countIndexed(names, "input_blocks.")
	stride, ops := inputs, map[int]bool{}
	for _, n := range names {
		if i, ok := indexAfter(n, "input_blocks."); ok && strings.HasPrefix(n, fmt.Sprintf("input_blocks.%d.0.op.", i)) {
			ops[i] = true
			stride = min(stride, i)
		}
	}
	if stride < 2 || inputs%stride != 0 || len(ops) != inputs/stride-1 {
		return unetLayout{}, fmt.Errorf("unrecognised UNet numbering: %d input blocks with %d downsamplers", inputs, len(ops))
	}
	l := unetLayout{blocks: inputs / stride, layers: stride - 1}
	for i := range l.blocks {
		l.upAttention = append(l.upAttention, hasPrefix(names, fmt.Sprintf("output_blocks.%d.1.", i*stride)))
	}
	return l, nil
}

func unetLayoutFromInternal(names []string) unetLayout {
	l := unetLayout{blocks: countIndexed(names, "down_blocks."), layers: countIndexed(names, "down_blocks.0.resnets.")}
	for i := range l.blocks {
		l.upAttention = append(l.upAttention, hasPrefix(names, fmt.Sprintf("up_blocks.%d.attentions.", i)))
	}
	return l
}

func (l unetLayout) table() *nameTable {
	t := newNameTable()
	t.add("time_embed.0", "time_embedding.linear_1")
	t.add("time_embed.2", "time_embedding.linear_2")
	t.add("input_blocks.0.0", "conv_in")
	t.add("out.0", "conv_norm_out")
	t.add("out.2", "conv_out")
	addResnet := func(ldm, internal string) {
		for _, p := range [][2]string{{"in_layers.0", "norm1"}, {"in_layers.2", "conv1"}, {"emb_layers.1", "time_emb_proj"},
			{"out_layers.0", "norm2"}, {"out_layers.3", "conv2"}, {"skip_connection", "conv_shortcut"}} {
			t.add(ldm+"."+p[0], internal+"."+p[1])
		}
	}
	stride := l.layers + 1
	for i := range l.blocks {
		for j := range l.layers {
			n := 1 + i*stride + j
			addResnet(fmt.Sprintf("input_blocks.%d.0", n), fmt.Sprintf("down_blocks.%d.resnets.%d", i, j))
			t.add(fmt.Sprintf("input_blocks.%d.1", n), fmt.Sprintf("down_blocks.%d.attentions.%d", i, j))
		}
		if i < l.blocks-1 {
			t.add(fmt.Sprintf("input_blocks.%d.0.op", (i+1)*stride), fmt.Sprintf("down_blocks.%d.downsamplers.0.conv", i))
		}
		for j := range stride {
			n := i*stride + j
			addResnet(fmt.Sprintf("output_blocks.%d.0", n), fmt.Sprintf("up_blocks.%d.resnets.%d", i, j))
			if l.upAttention[i] {
				t.add(fmt.Sprintf("output_blocks.%d.1", n), fmt.Sprintf("up_blocks.%d.attentions.%d", i, j))
			}
		}
		if i < l.blocks-1 {
			slot := 1
			if l.upAttention[i] {
				slot = 2
			}
			t.add(fmt.Sprintf("output_blocks.%d.%d.conv", i*stride+l.layers, slot), fmt.Sprintf("up_blocks.%d.upsamplers.0.conv", i))
		}
	}
	addResnet("middle_block.0", "mid_block.resnets.0")
	t.add("middle_block.1", "mid_block.attentions.0")
	addResnet("middle_block.2", "mid_block.resnets.1")
	return t
}

// vaeLayout is what the VAE numbering depends on: the encoder has levels × layers resnets,
// the decoder levels × (layers+1).
type vaeLayout struct{ levels, layers int }

func vaeLayoutFromLDM(names []string) vaeLayout {
	return vaeLayout{countIndexed(names, "encoder.down."), countIndexed(names, "encoder.down.0.block.")}
}

func vaeLayoutFromInternal(names []string) vaeLayout {
	return vaeLayout{countIndexed(names, "encoder.down_blocks."), countIndexed(names, "encoder.down_blocks.0.resnets.")}
}

func (l vaeLayout) table() *nameTable {
	t := newNameTable()
	for _, n := range []string{"quant_conv", "post_quant_conv"} {
		t.add(n, n)
	}
	addResnet := func(ldm, internal string) {
		for _, p := range []string{"norm1", "conv1", "norm2", "conv2"} {
			t.add(ldm+"."+p, internal+"."+p)
		}
		t.add(ldm+".nin_shortcut", internal+".conv_shortcut")
	}
	for _, side := range []string{"encoder", "decoder"} {
		t.add(side+".conv_in", side+".conv_in")
		t.add(side+".conv_out", side+".conv_out")
		t.add(side+".norm_out", side+".conv_norm_out")
		addResnet(side+".mid.block_1", side+".mid_block.resnets.0")
		addResnet(side+".mid.block_2", side+".mid_block.resnets.1")
		for _, p := range [][2]string{{"norm", "group_norm"}, {"q", "to_q"}, {"k", "to_k"}, {"v", "to_v"}, {"proj_out", "to_out.0"}} {
			t.add(side+".mid.attn_1."+p[0], side+".mid_block.attentions.0."+p[1])
		}
	}
	for k := range l.levels {
		for j := range l.layers {
			addResnet(fmt.Sprintf("encoder.down.%d.block.%d", k, j), fmt.Sprintf("encoder.down_blocks.%d.resnets.%d", k, j))
		}
		if k < l.levels-1 {
			t.add(fmt.Sprintf("encoder.down.%d.downsample.conv", k), fmt.Sprintf("encoder.down_blocks.%d.downsamplers.0.conv", k))
		}
		up := l.levels - 1 - k // LDM decoder.up.k runs last-to-first
		for j := range l.layers + 1 {
			addResnet(fmt.Sprintf("decoder.up.%d.block.%d", k, j), fmt.Sprintf("decoder.up_blocks.%d.resnets.%d", up, j))
		}
		if k > 0 {
			t.add(fmt.Sprintf("decoder.up.%d.upsample.conv", k), fmt.Sprintf("decoder.up_blocks.%d.upsamplers.0.conv", up))
		}
	}
	return t
}

// clipTable lists the names of a Hugging Face CLIPTextModel with the given number of
// layers; it maps them to themselves and so validates them.
func clipTable(layers int) *nameTable {
	t := newNameTable()
	for _, n := range []string{"text_model.embeddings.token_embedding", "text_model.embeddings.position_embedding", "text_model.final_layer_norm"} {
		t.add(n, n)
	}
	for i := range layers {
		for _, p := range []string{"layer_norm1", "layer_norm2", "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.out_proj", "mlp.fc1", "mlp.fc2"} {
			n := fmt.Sprintf("text_model.encoder.layers.%d.%s", i, p)
			t.add(n, n)
		}
	}
	return t
}

// openCLIPTable maps the OpenCLIP text tower of SD 2.x; the fused in_proj appears as the
// attn.in_proj.{q,k,v} row blocks that splitInProj makes of it.
func openCLIPTable(layers int) *nameTable {
	t := newNameTable()
	t.add("token_embedding", "text_model.embeddings.token_embedding")
	t.add("positional_embedding", "text_model.embeddings.position_embedding.weight")
	t.add("ln_final", "text_model.final_layer_norm")
	for i := range layers {
		for _, p := range [][2]string{{"ln_1", "layer_norm1"}, {"ln_2", "layer_norm2"}, {"attn.out_proj", "self_attn.out_proj"},
			{"mlp.c_fc", "mlp.fc1"}, {"mlp.c_proj", "mlp.fc2"},
			{"attn.in_proj.q", "self_attn.q_proj"}, {"attn.in_proj.k", "self_attn.k_proj"}, {"attn.in_proj.v", "self_attn.v_proj"}} {
			t.add(fmt.Sprintf("transformer.resblocks.%d.%s", i, p[0]), fmt.Sprintf("text_model.encoder.layers.%d.%s", i, p[1]))
		}
	}
	return t
}

package weights

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Config describes a loaded model's architecture. Everything except the attention head
// counts is derived from tensor names and shapes; a diffusers config.json, when present,
// is checked against them and supplies the head counts.
type Config struct {
	Arch Arch
	// Prediction is decided by the first rule that applies:
	//  1. Options.Prediction;
	//  2. prediction_type in the diffusers scheduler/scheduler_config.json (of the model
	//     folder, or of Options.Config for a single file);
	//  3. `parameterization: "v"` (or "eps") in a YAML config next to a single file
	//     (model.safetensors → model.yaml), as the original LDM configs spell it;
	//  4. for SD 2.x single files, the file name: "768", or a word "v" or "vpred", in the
	//     name (v2-1_768-ema-pruned, 768-v-ema) means v-prediction — the 768-pixel SD 2.x
	//     models are v-prediction, the 512-pixel "base" ones epsilon;
	//  5. epsilon.
	Prediction Prediction
	UNet       UNetConfig
	Text       TextConfig
	VAE        VAEConfig
}

// UNetConfig is the shape of a UNet2DConditionModel.
type UNetConfig struct {
	InChannels, OutChannels int   // 4 and 4; InChannels 9 for inpainting UNets
	BlockOutChannels        []int // per down block, e.g. [320 640 1280 1280]
	LayersPerBlock          int   // resnets per down block (up blocks have one more)
	DownAttention           []bool
	UpAttention             []bool // whether each down / up block has transformers
	TransformerDepth        int    // transformer blocks per attention
	// Heads is the number of attention heads per down block; the mid block uses the last
	// entry and up block i uses Heads[len-1-i]. Heads cannot be read from shapes: they come
	// from a diffusers config (num_attention_heads, else the misnamed attention_head_dim)
	// or from the rule SD 1.x = 8 heads, SD 2.x = channels/64 (head width 64).
	Heads               []int
	CrossAttentionDim   int  // width of the text context, 768 (SD 1.x) or 1024 (SD 2.x)
	UseLinearProjection bool // transformer proj_in/proj_out are [C,C] linears, not [C,C,1,1] convs
	TimeEmbedDim        int  // 4 × BlockOutChannels[0]
}

// Inpainting reports a 9-channel UNet (4 latent, 1 mask, 4 masked-image latent channels).
func (c UNetConfig) Inpainting() bool { return c.InChannels == 9 }

// TextConfig is the shape of the CLIP text transformer.
type TextConfig struct {
	VocabSize, MaxPositions int
	Hidden, Intermediate    int
	Layers                  int // layers present in the weights
	// SkipLayers is the number of final layers SD does not use: the conditioning is
	// final_layer_norm(output of layer Layers-SkipLayers). 1 for an SD 2.x OpenCLIP tower
	// from a single file (SD 2.x uses the penultimate layer); 0 for diffusers exports,
	// which already dropped that layer.
	SkipLayers int
	Heads      int
	Act        string // "quick_gelu" (SD 1.x CLIP) or "gelu" (SD 2.x OpenCLIP)
}

// VAEConfig is the shape of the AutoencoderKL.
type VAEConfig struct {
	InChannels, OutChannels int
	LatentChannels          int
	BlockOutChannels        []int
	LayersPerBlock          int
	ScalingFactor           float64 // latents = encoder mean × ScalingFactor
}

// sdScalingFactor is the VAE latent scale of SD 1.x and 2.x.
const sdScalingFactor = 0.18215

// The parts of diffusers config files this package reads.
type (
	unetJSON struct {
		InChannels          int             `json:"in_channels"`
		OutChannels         int             `json:"out_channels"`
		BlockOutChannels    []int           `json:"block_out_channels"`
		LayersPerBlock      int             `json:"layers_per_block"`
		CrossAttentionDim   int             `json:"cross_attention_dim"`
		AttentionHeadDim    json.RawMessage `json:"attention_head_dim"`
		NumAttentionHeads   json.RawMessage `json:"num_attention_heads"`
		UseLinearProjection *bool           `json:"use_linear_projection"`
		AdditionEmbedType   *string         `json:"addition_embed_type"`
	}
	textJSON struct {
		HiddenSize        int    `json:"hidden_size"`
		IntermediateSize  int    `json:"intermediate_size"`
		NumHiddenLayers   int    `json:"num_hidden_layers"`
		NumAttentionHeads int    `json:"num_attention_heads"`
		HiddenAct         string `json:"hidden_act"`
	}
	vaeJSON struct {
		BlockOutChannels []int    `json:"block_out_channels"`
		LayersPerBlock   int      `json:"layers_per_block"`
		LatentChannels   int      `json:"latent_channels"`
		ScalingFactor    *float64 `json:"scaling_factor"`
	}
	schedulerJSON struct {
		PredictionType string `json:"prediction_type"`
	}
)

// jsonFile is a parsed config file and where it came from.
type jsonFile[T any] struct {
	path string
	v    T
}

// shapeOf returns the shape of a required tensor, checking its rank.
func shapeOf(w *Weights, name string, rank int) ([]int, error) {
	t, err := w.Tensor(name)
	if err != nil {
		return nil, err
	}
	if len(t.Shape) != rank {
		return nil, fmt.Errorf("%s: tensor %q (%s %q) has shape %v, want rank %d", t.File, t.Key, w.Component, name, t.Shape, rank)
	}
	return t.Shape, nil
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// mismatch checks one config value against the weights; a zero (absent) value is not checked.
func mismatch[T comparable](file, field string, config, weights T) error {
	var absent T
	if config != absent && config != weights {
		return fmt.Errorf("%s: %s is %v but the weights have %v", file, field, config, weights)
	}
	return nil
}

func unetConfig(w *Weights, arch Arch, js *jsonFile[unetJSON]) (UNetConfig, error) {
	var c UNetConfig
	in, err := shapeOf(w, "conv_in.weight", 4)
	if err != nil {
		return c, err
	}
	out, err := shapeOf(w, "conv_out.weight", 4)
	if err != nil {
		return c, err
	}
	temb, err := shapeOf(w, "time_embedding.linear_1.weight", 2)
	if err != nil {
		return c, err
	}
	c.InChannels, c.OutChannels, c.TimeEmbedDim = in[1], out[0], temb[0]
	layout := unetLayoutFromInternal(w.Names())
	c.LayersPerBlock, c.UpAttention = layout.layers, layout.upAttention
	for i := range layout.blocks {
		s, err := shapeOf(w, fmt.Sprintf("down_blocks.%d.resnets.0.conv1.weight", i), 4)
		if err != nil {
			return c, err
		}
		c.BlockOutChannels = append(c.BlockOutChannels, s[0])
		c.DownAttention = append(c.DownAttention, hasPrefix(w.Names(), fmt.Sprintf("down_blocks.%d.attentions.", i)))
	}
	const mid = "mid_block.attentions.0."
	c.TransformerDepth = countIndexed(w.Names(), mid+"transformer_blocks.")
	k, err := shapeOf(w, mid+"transformer_blocks.0.attn2.to_k.weight", 2)
	if err != nil {
		return c, err
	}
	c.CrossAttentionDim = k[1]
	proj, err := w.Tensor(mid + "proj_in.weight")
	if err != nil {
		return c, err
	}
	c.UseLinearProjection = len(proj.Shape) == 2
	if js == nil {
		c.Heads, err = ruleHeads(arch, c.BlockOutChannels)
		return c, err
	}
	j := js.v
	if err := firstErr(
		mismatch(js.path, "in_channels", j.InChannels, c.InChannels),
		mismatch(js.path, "out_channels", j.OutChannels, c.OutChannels),
		mismatch(js.path, "block_out_channels", listString(j.BlockOutChannels), listString(c.BlockOutChannels)),
		mismatch(js.path, "layers_per_block", j.LayersPerBlock, c.LayersPerBlock),
		mismatch(js.path, "cross_attention_dim", j.CrossAttentionDim, c.CrossAttentionDim),
	); err != nil {
		return c, err
	}
	if j.UseLinearProjection != nil {
		if err := mismatch(js.path, "use_linear_projection", *j.UseLinearProjection, c.UseLinearProjection); err != nil {
			return c, err
		}
	}
	heads := j.NumAttentionHeads // diffusers: attention_head_dim is the head COUNT unless this is set
	if len(heads) == 0 || string(heads) == "null" {
		heads = j.AttentionHeadDim
	}
	if c.Heads, err = parseHeads(heads, len(c.BlockOutChannels)); err != nil {
		return c, fmt.Errorf("%s: attention heads: %w", js.path, err)
	}
	if c.Heads == nil {
		c.Heads, err = ruleHeads(arch, c.BlockOutChannels)
	}
	for i, h := range c.Heads {
		if err == nil && (h <= 0 || c.BlockOutChannels[i]%h != 0) {
			err = fmt.Errorf("%s: %d attention heads do not divide the %d channels of down block %d", js.path, h, c.BlockOutChannels[i], i)
		}
	}
	return c, err
}

// listString formats a list for comparison; empty (absent) is "".
func listString(xs []int) string {
	if len(xs) == 0 {
		return ""
	}
	return fmt.Sprint(xs)
}

// parseHeads reads a head count given as a number or a per-block list; nil if absent.
func parseHeads(raw json.RawMessage, blocks int) ([]int, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var n int
	if json.Unmarshal(raw, &n) == nil {
		return slices.Repeat([]int{n}, blocks), nil
	}
	var list []int
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, fmt.Errorf("%s is neither a number nor a list of numbers", raw)
	}
	if len(list) != blocks {
		return nil, fmt.Errorf("%d entries for %d blocks", len(list), blocks)
	}
	return list, nil
}

// ruleHeads applies the head rule of the architecture: 8 heads in SD 1.x, head width 64
// in SD 2.x.
func ruleHeads(arch Arch, channels []int) ([]int, error) {
	heads := make([]int, len(channels))
	for i, ch := range channels {
		switch {
		case arch == SD1:
			heads[i] = 8
		case ch%64 == 0:
			heads[i] = ch / 64
		default:
			return nil, fmt.Errorf("cannot infer the attention heads of a %d-channel %s block (head width 64 does not divide it); supply a diffusers config (Options.Config, sdgo --config)", ch, arch)
		}
	}
	return heads, nil
}

func textConfig(w *Weights, arch Arch, skip int, js *jsonFile[textJSON]) (TextConfig, error) {
	c := TextConfig{SkipLayers: skip, Act: "quick_gelu"}
	if arch == SD2 {
		c.Act = "gelu"
	}
	tok, err := shapeOf(w, "text_model.embeddings.token_embedding.weight", 2)
	if err != nil {
		return c, err
	}
	pos, err := shapeOf(w, "text_model.embeddings.position_embedding.weight", 2)
	if err != nil {
		return c, err
	}
	fc1, err := shapeOf(w, "text_model.encoder.layers.0.mlp.fc1.weight", 2)
	if err != nil {
		return c, err
	}
	c.VocabSize, c.Hidden, c.MaxPositions, c.Intermediate = tok[0], tok[1], pos[0], fc1[0]
	c.Layers = countIndexed(w.Names(), "text_model.encoder.layers.")
	if js == nil {
		if c.Hidden%64 != 0 {
			return c, fmt.Errorf("%s: cannot infer the text encoder heads for width %d (head width 64 does not divide it); supply a diffusers config (Options.Config, sdgo --config)", w.Source, c.Hidden)
		}
		c.Heads = c.Hidden / 64
		return c, nil
	}
	j := js.v
	if err := firstErr(
		mismatch(js.path, "hidden_size", j.HiddenSize, c.Hidden),
		mismatch(js.path, "intermediate_size", j.IntermediateSize, c.Intermediate),
		mismatch(js.path, "num_hidden_layers (layers used)", j.NumHiddenLayers, c.Layers-c.SkipLayers),
	); err != nil {
		return c, err
	}
	if j.NumAttentionHeads <= 0 || c.Hidden%j.NumAttentionHeads != 0 {
		return c, fmt.Errorf("%s: num_attention_heads %d does not divide hidden_size %d", js.path, j.NumAttentionHeads, c.Hidden)
	}
	c.Heads = j.NumAttentionHeads
	if j.HiddenAct != "" {
		c.Act = j.HiddenAct
	}
	return c, nil
}

func vaeConfig(w *Weights, js *jsonFile[vaeJSON]) (VAEConfig, error) {
	c := VAEConfig{ScalingFactor: sdScalingFactor}
	in, err := shapeOf(w, "encoder.conv_in.weight", 4)
	if err != nil {
		return c, err
	}
	out, err := shapeOf(w, "decoder.conv_out.weight", 4)
	if err != nil {
		return c, err
	}
	latent, err := shapeOf(w, "decoder.conv_in.weight", 4)
	if err != nil {
		return c, err
	}
	c.InChannels, c.OutChannels, c.LatentChannels = in[1], out[0], latent[1]
	layout := vaeLayoutFromInternal(w.Names())
	c.LayersPerBlock = layout.layers
	for i := range layout.levels {
		s, err := shapeOf(w, fmt.Sprintf("encoder.down_blocks.%d.resnets.0.conv1.weight", i), 4)
		if err != nil {
			return c, err
		}
		c.BlockOutChannels = append(c.BlockOutChannels, s[0])
	}
	if js == nil {
		return c, nil
	}
	j := js.v
	if err := firstErr(
		mismatch(js.path, "block_out_channels", listString(j.BlockOutChannels), listString(c.BlockOutChannels)),
		mismatch(js.path, "layers_per_block", j.LayersPerBlock, c.LayersPerBlock),
		mismatch(js.path, "latent_channels", j.LatentChannels, c.LatentChannels),
	); err != nil {
		return c, err
	}
	if j.ScalingFactor != nil {
		c.ScalingFactor = *j.ScalingFactor
	}
	return c, nil
}

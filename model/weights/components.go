package weights

import (
	"fmt"
	"strings"
)

// ldmPrefixes are the key prefixes of each component in a single-file LDM checkpoint.
var ldmPrefixes = map[Component][]string{
	UNet:        {"model.diffusion_model."},
	VAE:         {"first_stage_model."},
	TextEncoder: {"cond_stage_model.transformer.", "cond_stage_model.model."},
}

// vaeTopLevel are the first name segments of VAE tensors in a standalone VAE file; other
// keys (a training loss's discriminator, EMA copies) are ignored.
var vaeTopLevel = []string{"encoder.", "decoder.", "quant_conv.", "post_quant_conv."}

// splitLDM returns the tensors of component c from a single-file checkpoint, named without
// the component prefix. Keys outside every component (EMA copies, noise schedule buffers)
// belong to none.
func splitLDM(c Component, ts []*Tensor) []*Tensor {
	var out []*Tensor
	for _, t := range ts {
		for _, p := range ldmPrefixes[c] {
			if rest, ok := strings.CutPrefix(t.Key, p); ok {
				out = append(out, t.renamed(rest))
			}
		}
	}
	return out
}

// standaloneTensors returns the tensors of component c from a file that holds only that
// component, with or without its LDM prefix.
func standaloneTensors(c Component, ts []*Tensor) []*Tensor {
	if out := splitLDM(c, ts); len(out) > 0 {
		return out
	}
	if c != VAE {
		return ts
	}
	var out []*Tensor
	for _, t := range ts {
		for _, p := range vaeTopLevel {
			if strings.HasPrefix(t.Key, p) {
				out = append(out, t)
				break
			}
		}
	}
	return out
}

// componentWeights renames one component's tensors (Name = name within the component, LDM
// or diffusers layout, detected from the names) to internal names.
func componentWeights(c Component, source string, ts []*Tensor) (*Weights, error) {
	if len(ts) == 0 {
		return nil, fmt.Errorf("%s: no %s weights found", source, c)
	}
	var mapped []*Tensor
	var err error
	switch c {
	case UNet:
		mapped, err = unetToInternal(ts)
	case VAE:
		mapped, err = vaeToInternal(ts)
	case TextEncoder:
		mapped, err = textToInternal(ts)
	}
	if err != nil {
		return nil, err
	}
	return newWeights(c, source, mapped)
}

func tensorNames(ts []*Tensor) []string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Name
	}
	return names
}

// renameAll maps every tensor through rename; a name rename does not know is an error
// naming the file and the tensor.
func renameAll(c Component, ts []*Tensor, rename func(string) (string, bool)) ([]*Tensor, error) {
	out := make([]*Tensor, 0, len(ts))
	for _, t := range ts {
		if c == TextEncoder && unusedTextTensor(t.Name) {
			continue
		}
		name, ok := rename(t.Name)
		if !ok {
			return nil, fmt.Errorf("%s: unrecognised %s tensor %q", t.File, c, t.Key)
		}
		out = append(out, t.renamed(name))
	}
	return out, nil
}

// validNames accepts exactly the internal names that table knows.
func validNames(table *nameTable) func(string) (string, bool) {
	return func(n string) (string, bool) {
		_, ok := table.ldm(n)
		return n, ok
	}
}

// unusedTextTensor reports buffers and heads of a text tower that SD does not use.
func unusedTextTensor(name string) bool {
	for _, s := range []string{"position_ids", "text_projection", "text_projection.weight", "logit_scale", "attn_mask"} {
		if name == s || strings.HasSuffix(name, "."+s) {
			return true
		}
	}
	return false
}

func unetToInternal(ts []*Tensor) ([]*Tensor, error) {
	names := tensorNames(ts)
	if !hasPrefix(names, "input_blocks.") {
		return renameAll(UNet, ts, validNames(unetLayoutFromInternal(names).table()))
	}
	layout, err := unetLayoutFromLDM(names)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ts[0].File, err)
	}
	return renameAll(UNet, ts, layout.table().internal)
}

// legacyVAEAttention renames the attention names of diffusers VAEs saved before diffusers
// 0.14 (e.g. sd-vae-ft-mse).
var legacyVAEAttention = strings.NewReplacer(
	".attentions.0.query.", ".attentions.0.to_q.", ".attentions.0.key.", ".attentions.0.to_k.",
	".attentions.0.value.", ".attentions.0.to_v.", ".attentions.0.proj_attn.", ".attentions.0.to_out.0.")

func vaeToInternal(ts []*Tensor) ([]*Tensor, error) {
	names := tensorNames(ts)
	var out []*Tensor
	var err error
	if hasPrefix(names, "encoder.down.") {
		out, err = renameAll(VAE, ts, vaeLayoutFromLDM(names).table().internal)
	} else {
		table := vaeLayoutFromInternal(names).table()
		out, err = renameAll(VAE, ts, func(n string) (string, bool) { return validNames(table)(legacyVAEAttention.Replace(n)) })
	}
	if err != nil {
		return nil, err
	}
	for i, t := range out {
		// LDM stores the mid-block attention projections as 1x1 convolutions.
		if strings.Contains(t.Name, "mid_block.attentions.0.to_") && strings.HasSuffix(t.Name, ".weight") && len(t.Shape) == 4 {
			out[i] = t.squeezed()
		}
	}
	return out, nil
}

func textToInternal(ts []*Tensor) ([]*Tensor, error) {
	names := tensorNames(ts)
	if hasPrefix(names, "transformer.resblocks.") {
		split, err := splitInProj(ts)
		if err != nil {
			return nil, err
		}
		return renameAll(TextEncoder, split, openCLIPTable(countIndexed(names, "transformer.resblocks.")).internal)
	}
	prefixed := make([]*Tensor, len(ts))
	for i, t := range ts { // some checkpoints store the CLIP text model without its "text_model." level
		prefixed[i] = t
		if !strings.HasPrefix(t.Name, "text_model.") {
			prefixed[i] = t.renamed("text_model." + t.Name)
		}
	}
	layers := countIndexed(tensorNames(prefixed), "text_model.encoder.layers.")
	return renameAll(TextEncoder, prefixed, validNames(clipTable(layers)))
}

// splitInProj replaces each OpenCLIP fused attn.in_proj_{weight,bias} [3C, ...] by its q,
// k and v row blocks, named attn.in_proj.{q,k,v}.{weight,bias} for openCLIPTable.
func splitInProj(ts []*Tensor) ([]*Tensor, error) {
	var out []*Tensor
	for _, t := range ts {
		module, kind, ok := strings.Cut(t.Name, ".attn.in_proj_")
		if !ok {
			out = append(out, t)
			continue
		}
		for part, qkv := range []string{"q", "k", "v"} {
			b, err := t.rowBlock(part, 3)
			if err != nil {
				return nil, err
			}
			out = append(out, b.renamed(module+".attn.in_proj."+qkv+"."+kind))
		}
	}
	return out, nil
}

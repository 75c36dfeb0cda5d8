// Package weights loads Stable Diffusion 1.x / 2.x weights from the files users have —
// single-file CompVis/LDM checkpoints (.safetensors or PyTorch .ckpt), diffusers folders,
// Hugging Face cache entries — and presents them under ONE internal naming, the diffusers
// names of each component:
//
//	unet:         conv_in.weight, time_embedding.linear_1.weight,
//	              down_blocks.0.resnets.0.norm1.weight,
//	              down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight, ...
//	vae:          encoder.down_blocks.0.resnets.0.conv1.weight,
//	              decoder.up_blocks.0.upsamplers.0.conv.weight,
//	              decoder.mid_block.attentions.0.to_q.weight ([C,C] linear), ...
//	text_encoder: text_model.encoder.layers.0.self_attn.q_proj.weight, ...
//
// Shapes are kept as stored, with two exceptions that make both layouts identical: the VAE
// mid-block attention q/k/v/out projections, stored by LDM as [C,C,1,1] convolutions, are
// [C,C] linears (as in diffusers); and the OpenCLIP fused attn.in_proj of SD 2.x is split
// into q_proj/k_proj/v_proj. The transformer proj_in/proj_out of SD 1.x stay [C,C,1,1] 1x1
// convolutions (SD 2.x stores [C,C] linears); Config.UNet.UseLinearProjection says which.
//
// Tensors are views into memory-mapped files and are converted chunk by chunk into
// caller buffers (Tensor.ReadFloat32, Tensor.ReadFloat16), so loading never needs host
// memory proportional to the model.
package weights

import (
	"fmt"
	"slices"
	"sort"

	"github.com/sdgo/sdgo/model/safetensors"
)

// Component names one of the three networks of a Stable Diffusion model.
type Component int

// The components, in the order the pipeline uses them.
const (
	TextEncoder Component = iota
	UNet
	VAE
)

// String returns the diffusers folder name of the component.
func (c Component) String() string {
	switch c {
	case TextEncoder:
		return "text_encoder"
	case UNet:
		return "unet"
	case VAE:
		return "vae"
	}
	return fmt.Sprintf("component(%d)", int(c))
}

// Weights holds one component's tensors under their internal names.
type Weights struct {
	Component Component
	Source    string // the file or folder the tensors came from
	tensors   map[string]*Tensor
	names     []string
}

// newWeights indexes tensors that already carry internal names; two tensors mapping to one
// name is an error naming both.
func newWeights(c Component, source string, tensors []*Tensor) (*Weights, error) {
	w := &Weights{Component: c, Source: source, tensors: make(map[string]*Tensor, len(tensors))}
	for _, t := range tensors {
		if old, dup := w.tensors[t.Name]; dup {
			return nil, fmt.Errorf("%s: %s tensors %q and %q both map to %q", source, c, old.Key, t.Key, t.Name)
		}
		if !isFloat(t.DType) {
			return nil, fmt.Errorf("%s: tensor %q: dtype %s, want a float type (F32, F16, BF16 or F64)", t.File, t.Key, t.DType)
		}
		w.tensors[t.Name] = t
		w.names = append(w.names, t.Name)
	}
	sort.Strings(w.names)
	return w, nil
}

func isFloat(dt safetensors.DType) bool {
	return dt == safetensors.F32 || dt == safetensors.F16 || dt == safetensors.BF16 || dt == safetensors.F64
}

// Names returns the internal tensor names in sorted order.
func (w *Weights) Names() []string { return w.names }

// Tensor returns the tensor with the given internal name. When shape is given, the
// tensor's shape must equal it. Errors name the component, the tensor and its file.
func (w *Weights) Tensor(name string, shape ...int) (*Tensor, error) {
	t, ok := w.tensors[name]
	if !ok {
		return nil, fmt.Errorf("%s: %s tensor %q is missing", w.Source, w.Component, name)
	}
	if len(shape) > 0 && !slices.Equal(shape, t.Shape) {
		return nil, fmt.Errorf("%s: tensor %q (%s %q) has shape %v, want %v", t.File, t.Key, w.Component, name, t.Shape, shape)
	}
	return t, nil
}

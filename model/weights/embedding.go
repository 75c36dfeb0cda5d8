package weights

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Embedding is a textual-inversion embedding: Rows vectors of width Dim (row-major in
// Vectors) that replace its trigger word in a prompt.
type Embedding struct {
	Rows, Dim int
	Vectors   []float32
}

// LoadEmbeddings reads a textual-inversion file and returns its embeddings by trigger
// name. Understood formats:
//
//	A1111 .pt:          {"string_to_param": {"*": [n, dim]}, ...} (a dict or a ParameterDict),
//	                    named after the file (my-style.pt → "my-style");
//	A1111 .safetensors: {"emb_params": [n, dim]}, named after the file;
//	diffusers:          {"<token>": [dim] or [n, dim]} (learned_embeds.bin / .safetensors).
//
// dim is the text encoder width the vectors must have (768 for SD 1.x, 1024 for SD 2.x);
// 0 accepts any width.
func LoadEmbeddings(path string, dim int) (map[string]Embedding, error) {
	tensors, release, err := embeddingTensors(path)
	if err != nil {
		return nil, err
	}
	defer release()
	out := map[string]Embedding{}
	for name, t := range tensors {
		if name == "clip_l" || name == "clip_g" {
			return nil, fmt.Errorf("%s: SDXL embedding (clip_l/clip_g) is not supported: only Stable Diffusion 1.x and 2.x", path)
		}
		if name == "*" || name == "emb_params" {
			name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		}
		e, err := embeddingFrom(t, dim)
		if err != nil {
			return nil, err
		}
		out[name] = e
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no embedding vectors found", path)
	}
	return out, nil
}

// embeddingTensors returns the embedding tensors of a file by key ("*" for A1111 pickles).
func embeddingTensors(path string) (map[string]*Tensor, func() error, error) {
	torch, err := isTorchFile(path)
	if err != nil {
		return nil, nil, err
	}
	if !torch {
		tf, err := openSafetensors(path)
		if err != nil {
			return nil, nil, err
		}
		return tensorsByKey(tf.tensors), tf.close, nil
	}
	root, unmap, err := openTorchFile(path)
	if err != nil {
		return nil, nil, err
	}
	if d, ok := root.(*pickleDict); ok {
		if params, ok := d.get("string_to_param"); ok {
			root = parameterDict(params)
		}
	}
	tensors, err := torchStateDict(path, root)
	if err != nil {
		unmap()
		return nil, nil, err
	}
	return tensorsByKey(tensors), unmap, nil
}

// parameterDict returns the parameters of a pickled torch ParameterDict (kept in its
// state's _parameters), or v itself when it is a plain dict.
func parameterDict(v any) any {
	if obj, ok := v.(*pickleObject); ok {
		if state, ok := obj.state.(*pickleDict); ok {
			if params, ok := state.get("_parameters"); ok {
				return params
			}
		}
	}
	return v
}

func tensorsByKey(ts []*Tensor) map[string]*Tensor {
	m := make(map[string]*Tensor, len(ts))
	for _, t := range ts {
		m[t.Key] = t
	}
	return m
}

// embeddingFrom reads a [dim], [n, dim] (or [1, n, dim]) tensor as rows of width dim.
func embeddingFrom(t *Tensor, dim int) (Embedding, error) {
	if len(t.Shape) == 0 || t.NumElements() == 0 {
		return Embedding{}, fmt.Errorf("%s: tensor %q: shape %v is not a list of vectors", t.File, t.Key, t.Shape)
	}
	width := t.Shape[len(t.Shape)-1]
	if dim > 0 && width != dim {
		return Embedding{}, fmt.Errorf("%s: tensor %q: embedding width %d does not match the text encoder width %d (an embedding for another SD version?)", t.File, t.Key, width, dim)
	}
	v, err := t.Float32()
	if err != nil {
		return Embedding{}, err
	}
	return Embedding{Rows: len(v) / width, Dim: width, Vectors: v}, nil
}

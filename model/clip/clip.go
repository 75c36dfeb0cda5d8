// Package clip builds the CLIP text encoder Stable Diffusion conditions on: CLIP
// ViT-L/14 (SD 1.x, quick_gelu) or OpenCLIP ViT-H/14 (SD 2.x, gelu, penultimate layer),
// configured from the checkpoint's shapes.
package clip

import (
	"fmt"

	"github.com/sdgo/sdgo/model/nn"
	"github.com/sdgo/sdgo/model/weights"
)

const layerNormEps = 1e-5

// Encoder holds the text tower's parameters. The token embedding stays in the
// (memory-mapped) checkpoint: Embed gathers the 77 rows a prompt needs on the host.
type Encoder struct {
	Config    weights.TextConfig
	tokens    *weights.Tensor // [vocab, width]
	positions []float32       // [positions, width]
	layers    []layer
	final     nn.Norm
}

type layer struct {
	norm1, norm2 nn.Norm
	attn         nn.Attention
	fc1, fc2     nn.Linear
}

// Load uploads the layers SD uses: all but the Config.SkipLayers last ones.
func Load(n *nn.Net, w *weights.Weights, cfg weights.TextConfig) *Encoder {
	e := &Encoder{Config: cfg}
	var err error
	if e.tokens, err = w.Tensor("text_model.embeddings.token_embedding.weight", cfg.VocabSize, cfg.Hidden); err != nil {
		n.Fail("load", err)
		return e
	}
	pos, err := w.Tensor("text_model.embeddings.position_embedding.weight", cfg.MaxPositions, cfg.Hidden)
	if err == nil {
		e.positions, err = pos.Float32()
	}
	if err != nil {
		n.Fail("load", err)
		return e
	}
	for i := 0; i < cfg.Layers-cfg.SkipLayers; i++ {
		p := fmt.Sprintf("text_model.encoder.layers.%d.", i)
		e.layers = append(e.layers, layer{
			norm1: n.LoadNorm(w, p+"layer_norm1"),
			attn: n.LoadAttentionNamed(w, p+"self_attn", cfg.Heads,
				[4]string{"q_proj", "k_proj", "v_proj", "out_proj"}),
			norm2: n.LoadNorm(w, p+"layer_norm2"),
			fc1:   n.LoadLinear(w, p+"mlp.fc1"),
			fc2:   n.LoadLinear(w, p+"mlp.fc2"),
		})
	}
	e.final = n.LoadNorm(w, "text_model.final_layer_norm")
	return e
}

// Embed returns the input of the transformer for rows of token ids (each at most
// MaxPositions long): token embedding plus position embedding, [len(ids), T, width].
// Vectors that replace a token's embedding (textual inversion) are given in override,
// keyed by (row, position).
func (e *Encoder) Embed(ids [][]int, override map[[2]int][]float32) ([]float32, error) {
	c := e.Config.Hidden
	var out []float32
	for r, row := range ids {
		if len(row) > e.Config.MaxPositions {
			return nil, fmt.Errorf("text encoder: %d tokens, at most %d fit", len(row), e.Config.MaxPositions)
		}
		for t, id := range row {
			vec := make([]float32, c)
			if v, ok := override[[2]int{r, t}]; ok {
				if len(v) != c {
					return nil, fmt.Errorf("text encoder: embedding vector of width %d, want %d", len(v), c)
				}
				copy(vec, v)
			} else {
				if id < 0 || id >= e.Config.VocabSize {
					return nil, fmt.Errorf("text encoder: token id %d outside the %d-token vocabulary", id, e.Config.VocabSize)
				}
				if err := e.tokens.ReadFloat32(vec, id*c); err != nil {
					return nil, err
				}
			}
			for i := range vec {
				vec[i] += e.positions[t*c+i]
			}
			out = append(out, vec...)
		}
	}
	return out, nil
}

// Forward records the transformer over embedded tokens [B, T, width] (from Embed) →
// hidden states [B, T, width] after the final layer norm, using the output of layer
// len(layers)-clipSkip (clipSkip 0 = the last loaded layer; A1111's "clip skip 2" is
// clipSkip 1). tap sees the embeddings and each layer's output.
func (e *Encoder) Forward(n *nn.Net, embedded nn.Tensor, clipSkip int, tap func(string, nn.Tensor)) nn.Tensor {
	if tap == nil {
		tap = func(string, nn.Tensor) {}
	}
	if clipSkip < 0 || clipSkip >= len(e.layers) {
		n.Failf("clip skip %d: the text encoder has %d layers", clipSkip, len(e.layers))
		return nn.Tensor{}
	}
	act := nn.EpilogueQuickGELU
	if e.Config.Act == "gelu" {
		act = nn.EpilogueGELU
	}
	h := embedded
	tap("embeddings", h)
	for i, l := range e.layers[:len(e.layers)-clipSkip] {
		h = n.SelfAttention(n.LayerNorm(h, l.norm1, layerNormEps), l.attn, true, h)
		mlp := n.Linear(n.LayerNorm(h, l.norm2, layerNormEps), l.fc1, act, nn.Tensor{})
		h = n.Linear(mlp, l.fc2, nn.EpilogueNone, h)
		tap(fmt.Sprintf("layers.%d", i), h)
	}
	return n.LayerNorm(h, e.final, layerNormEps)
}

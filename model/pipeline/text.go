package pipeline

import (
	"fmt"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/model/nn"
	"github.com/sdgo/sdgo/model/weights"
	"github.com/sdgo/sdgo/tokenizer"
)

// encodeText encodes the prompts (and, with guidance, the negative prompts, whose rows
// come first as in diffusers) into the UNet's context [rows, chunks·77, width]. Long
// prompts give several 77-token chunks, encoded separately and concatenated; every row
// is padded with empty-prompt chunks to the same count. Emphasis weights are applied to
// each chunk's output as AUTOMATIC1111 does.
func (g *generation) encodeText() (*gpu.Tensor, int, error) {
	p, r := g.p, g.r
	counts := map[string]int{}
	for name, e := range r.Embeddings {
		if e.Dim != p.Model.Config.Text.Hidden {
			return nil, 0, fmt.Errorf("embedding %q has width %d; this text encoder needs %d", name, e.Dim, p.Model.Config.Text.Hidden)
		}
		counts[name] = e.Rows
	}
	var pos, neg [][]tokenizer.Chunk
	for b, prompt := range r.Prompts {
		negative := ""
		if r.Negatives != nil {
			negative = r.Negatives[b]
		}
		pc, nc, err := p.Tok.EncodePromptPair(prompt, negative, counts)
		if err != nil {
			return nil, 0, err
		}
		pos, neg = append(pos, pc), append(neg, nc)
	}
	rows := pos
	if g.cfg {
		rows = append(neg, pos...)
	}
	chunks := 0
	for _, cs := range rows {
		chunks = max(chunks, len(cs))
	}
	empty, err := p.Tok.EncodePrompt("", nil)
	if err != nil {
		return nil, 0, err
	}
	var ids [][]int
	var all []tokenizer.Chunk
	override := map[[2]int][]float32{}
	for _, cs := range rows {
		for len(cs) < chunks {
			cs = append(cs, empty[0])
		}
		for _, c := range cs {
			for _, slot := range c.Embeddings {
				e := r.Embeddings[slot.Name]
				for v := 0; v < slot.Vectors; v++ {
					override[[2]int{len(ids), slot.Pos + v}] = e.Vectors[v*e.Dim : (v+1)*e.Dim]
				}
			}
			ids = append(ids, c.IDs)
			all = append(all, c)
		}
	}
	hidden, err := g.runTextEncoder(ids, override)
	if err != nil {
		return nil, 0, err
	}
	width := p.Model.Config.Text.Hidden
	per := tokenizer.ContextLength * width
	for i, c := range all {
		if weighted(c.Weights) {
			if err := tokenizer.ApplyEmphasis(hidden[i*per:(i+1)*per], c.Weights, width); err != nil {
				return nil, 0, err
			}
		}
	}
	t, err := g.alloc(len(hidden))
	if err != nil {
		return nil, 0, err
	}
	return t, chunks * tokenizer.ContextLength, t.WriteFloat32(0, hidden)
}

func weighted(ws []float32) bool {
	for _, w := range ws {
		if w != 1 {
			return true
		}
	}
	return false
}

// runTextEncoder runs the text transformer over rows of token ids (with the vectors in
// override replacing the token embeddings at those (row, position)s) and returns the
// hidden states [rows, 77, width].
func (g *generation) runTextEncoder(ids [][]int, override map[[2]int][]float32) ([]float32, error) {
	p := g.p
	embedded, err := p.text.Embed(ids, override)
	if err != nil {
		return nil, err
	}
	width := p.Model.Config.Text.Hidden
	in, err := g.alloc(len(embedded))
	if err != nil {
		return nil, err
	}
	if err := in.WriteFloat32(0, embedded); err != nil {
		return nil, err
	}
	out, err := g.alloc(len(embedded))
	if err != nil {
		return nil, err
	}
	n := p.nets[weights.TextEncoder]
	n.Begin()
	x := p.text.Forward(n, n.External(in, len(ids), tokenizer.ContextLength, width), g.r.ClipSkip, nil)
	n.Output(x, out)
	if err := runOnce(n); err != nil {
		return nil, err
	}
	return out.Float32s()
}

// runOnce compiles the net's current graph, runs it once and frees it.
func runOnce(n *nn.Net) error {
	c, err := n.Compile(false)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Run()
}

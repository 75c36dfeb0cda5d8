package pipeline

import (
	"github.com/sdgo/sdgo/model/unet"
	"github.com/sdgo/sdgo/tokenizer"
)

// MemoryPlan is the device memory a generation will need, known before it starts: the
// parameters plus the largest of the networks' activation arenas (they run one after
// another), as the arena planner places them.
type MemoryPlan struct {
	Params    int64
	TextArena int64
	UNetArena int64
	// UNetNaive is what the UNet's activations would take without reuse.
	UNetNaive int64
	// UNetText is the part of UNetArena that holds the text's keys and values for every
	// cross-attention: sampling projects them once per generation and keeps them beside
	// its arena instead.
	UNetText int64
	VAEArena int64
	Peak     int64
}

// PlanMemory plans a width×height generation of batch images with guidance, without
// allocating any activation.
func (p *Pipeline) PlanMemory(width, height, batch int) (MemoryPlan, error) {
	n := p.params
	mp := MemoryPlan{Params: n.ParamBytes()}
	cfg := p.Model.Config
	rows := 2 * batch
	h, w := height/8, width/8

	n.Begin()
	p.text.Forward(n, n.Act(rows, tokenizer.ContextLength, cfg.Text.Hidden), 0, nil)
	textPlan, err := n.Layout()
	if err != nil {
		return mp, err
	}
	// The UNet with the text's projections made in its graph: they stay live until the
	// last cross-attention, about as long as sampling keeps them outside its arena.
	n.Begin()
	kv := p.unet.ProjectText(n, n.Act(rows, tokenizer.ContextLength, cfg.UNet.CrossAttentionDim))
	for _, t := range kv {
		mp.UNetText += t.Bytes()
	}
	p.unet.Forward(n, n.Act(rows, cfg.UNet.InChannels, h, w), n.Act(rows), unet.FromProjections(kv), nil)
	unetPlan, err := n.Layout()
	if err != nil {
		return mp, err
	}
	g := &generation{p: p, r: Request{Width: width, Height: height}, h: h, w: w, tileSize: 32}
	th, tw := g.decodeTile()
	n.Begin()
	p.vae.Decode(n, n.Act(1, 4, th, tw), nil)
	vae, err := n.Layout()
	if err != nil {
		return mp, err
	}
	mp.TextArena, mp.UNetArena, mp.UNetNaive, mp.VAEArena = textPlan.Size, unetPlan.Size, unetPlan.Naive, vae.Size
	mp.Peak = mp.Params + max(mp.TextArena, mp.UNetArena, mp.VAEArena)
	return mp, nil
}

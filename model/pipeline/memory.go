package pipeline

import (
	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/model/nn"
	"github.com/sdgo/sdgo/model/unet"
	"github.com/sdgo/sdgo/model/weights"
	"github.com/sdgo/sdgo/tokenizer"
)

// MemoryPlan is the device memory a generation will need, known before it starts, as
// the arena planner places it. The networks run one after another, so the peak is the
// parameters plus the largest activation arena; with FreeAfterUse, the largest of each
// network's parameters plus its own arena.
type MemoryPlan struct {
	// Params is all three networks' parameters; TextParams, UNetParams and VAEParams
	// each one's.
	Params, TextParams, UNetParams, VAEParams int64
	TextArena                                 int64
	UNetArena                                 int64
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
// allocating any activation (with FreeAfterUse, it uploads each network in turn).
func (p *Pipeline) PlanMemory(width, height, batch int) (MemoryPlan, error) {
	var mp MemoryPlan
	cfg := p.Model.Config
	rows := 2 * batch
	h, w := height/8, width/8
	// plan lays out the graph that build records on component c's network.
	plan := func(c weights.Component, build func(n *nn.Net)) (params int64, arena gpu.ArenaPlan, err error) {
		n, err := p.net(c, h, w)
		if err != nil {
			return 0, arena, err
		}
		defer p.release(c)
		n.Begin()
		build(n)
		arena, err = n.Layout()
		return n.ParamBytes(), arena, err
	}
	var textPlan, unetPlan, vaePlan gpu.ArenaPlan
	var err error
	if mp.TextParams, textPlan, err = plan(weights.TextEncoder, func(n *nn.Net) {
		p.text.Forward(n, n.Act(rows, tokenizer.ContextLength, cfg.Text.Hidden), 0, nil)
	}); err != nil {
		return mp, err
	}
	// The UNet with the text's projections made in its graph: they stay live until the
	// last cross-attention, about as long as sampling keeps them outside its arena.
	if mp.UNetParams, unetPlan, err = plan(weights.UNet, func(n *nn.Net) {
		kv := p.unet.ProjectText(n, n.Act(rows, tokenizer.ContextLength, cfg.UNet.CrossAttentionDim))
		for _, t := range kv {
			mp.UNetText += t.Bytes()
		}
		p.unet.Forward(n, n.Act(batch, cfg.UNet.InChannels, h, w), n.Act(batch), unet.FromProjections(kv), nil) // guidance's shared latent
	}); err != nil {
		return mp, err
	}
	if mp.VAEParams, vaePlan, err = plan(weights.VAE, func(n *nn.Net) {
		g := &generation{p: p, r: Request{Width: width, Height: height}, h: h, w: w, tileSize: 32}
		th, tw := g.decodeTile() // plans graphs of its own
		n.Begin()
		p.vae.Decode(n, n.Act(1, 4, th, tw), nil)
	}); err != nil {
		return mp, err
	}
	mp.TextArena, mp.UNetArena, mp.UNetNaive, mp.VAEArena = textPlan.Size, unetPlan.Size, unetPlan.Naive, vaePlan.Size
	mp.Params = mp.TextParams + mp.UNetParams + mp.VAEParams
	mp.Peak = mp.Params + max(mp.TextArena, mp.UNetArena, mp.VAEArena)
	if p.opt.FreeAfterUse {
		mp.Peak = max(mp.TextParams+mp.TextArena, mp.UNetParams+mp.UNetArena, mp.VAEParams+mp.VAEArena)
	}
	return mp, nil
}

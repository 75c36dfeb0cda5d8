package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/kernels"
	"github.com/sdgo/sdgo/model/imageio"
	"github.com/sdgo/sdgo/model/sampler"
	"github.com/sdgo/sdgo/model/unet"
	"github.com/sdgo/sdgo/model/weights"
)

// sample runs the denoising loop and returns the final latents [B, 4, h, w].
func (g *generation) sample(ctx context.Context, text *gpu.Tensor, ctxLen int) ([]float32, error) {
	p, r := g.p, g.r
	cfg := p.Model.Config
	inpaint := cfg.UNet.Inpainting()
	var plan *sampler.Plan
	var err error
	if r.Init != nil && r.Strength < 1 {
		plan, err = sampler.NewImg2Img(r.Sampler, r.Scheduler, r.Steps, r.Strength)
	} else {
		plan, err = sampler.New(r.Sampler, r.Scheduler, r.Steps)
	}
	if err != nil {
		return nil, err
	}
	if r.Init != nil { // the VAE encodes the init image
		if _, err := g.use(weights.VAE); err != nil {
			return nil, err
		}
	}
	began := time.Now()
	// The generator's draws, in diffusers' order: the init image's latent sample, the
	// initial noise, then (inpainting) the masked image's latent sample.
	var imageLatents, cond []float32
	blend := r.Mask != nil && !inpaint
	if r.Init != nil && (!inpaint || r.Strength < 1) {
		if imageLatents, err = g.encodeImage(imageio.ImageTensor(r.Init)); err != nil {
			return nil, err
		}
	}
	noise := g.randn(g.latentSize())
	if inpaint {
		if cond, err = g.inpaintCondition(); err != nil {
			return nil, err
		}
	}
	if blend {
		g.randn(4 * g.h * g.w) // diffusers also samples the masked image's latents here
	}
	if imageLatents != nil || cond != nil {
		g.stage("encode", began)
	}
	g.p.release(weights.VAE)
	if _, err := g.use(weights.UNet); err != nil {
		return nil, err
	}
	began = time.Now()
	run, err := g.newUNetRun(plan, text, ctxLen, cond)
	if err != nil {
		return nil, err
	}
	defer run.close()
	s := run.sampler
	if err := s.writeBuf(sampler.BufNoise, noise); err != nil {
		return nil, err
	}
	if imageLatents != nil {
		if err := s.writeBuf(sampler.BufImage, imageLatents); err != nil {
			return nil, err
		}
	}
	if err := runIfAny(s.init); err != nil {
		return nil, err
	}
	if blend {
		mask, err := imageio.LatentMask(imageio.MaskTensor(r.Mask), r.Height, r.Width, g.h, g.w)
		if err != nil {
			return nil, err
		}
		if run.blend, err = newMaskBlend(g.p.Device, plan, s, mask, noise, g.latentSize()); err != nil {
			return nil, err
		}
	}
	for k, call := range plan.Calls {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		stepBegan := time.Now()
		if err := run.step(k, call, g); err != nil {
			return nil, fmt.Errorf("step %d: %w", k+1, err)
		}
		if r.Progress != nil {
			r.Progress(Progress{Stage: "sample", Step: k + 1, Total: len(plan.Calls), Elapsed: time.Since(g.start), StepTime: time.Since(stepBegan)})
		}
	}
	g.res.Timings["sample"] += time.Since(began)
	return s.readBuf(sampler.BufX, g.latentSize())
}

// unetRun is the UNet plan and the sampler ops around it, recorded once and replayed
// every step with only the timestep (and, for ancestral samplers, the noise) rewritten.
type unetRun struct {
	sampler *samplerGPU
	unet    *gpu.Compiled
	feed    *gpu.Plan // model input → the UNet's input rows
	times   *gpu.Tensor
	blend   *maskBlend // inpainting with an ordinary model (nil otherwise)
	rows    int        // the UNet's input rows: one per image (guidance shares them)
	extra   []*gpu.Tensor
}

func (g *generation) newUNetRun(plan *sampler.Plan, text *gpu.Tensor, ctxLen int, cond []float32) (*unetRun, error) {
	p := g.p
	d := p.Device
	// With guidance the text has an unconditional and a conditional half, which the
	// UNet evaluates on the same latents (unet.UNet.Forward's shared latent).
	u := &unetRun{rows: g.batch}
	textRows := g.batch
	if g.cfg {
		textRows = 2 * g.batch
	}
	cin := p.Model.Config.UNet.InChannels
	hw := g.h * g.w
	alloc := func(floats int) (*gpu.Tensor, error) {
		t, err := d.Alloc(int64(4 * floats))
		if err == nil {
			u.extra = append(u.extra, t)
		}
		return t, err
	}
	in, err := alloc(u.rows * cin * hw)
	if err != nil {
		return nil, err
	}
	out, err := alloc(textRows * 4 * hw)
	if err != nil {
		u.close()
		return nil, err
	}
	if u.times, err = alloc(u.rows); err != nil {
		u.close()
		return nil, err
	}
	// The text's keys and values for every cross-attention, projected once for all
	// steps.
	n := p.nets[weights.UNet]
	n.Begin()
	width := p.Model.Config.UNet.CrossAttentionDim
	kv := p.unet.ProjectText(n, n.External(text, textRows, ctxLen, width))
	kvt := make([]*gpu.Tensor, len(kv))
	for i, t := range kv {
		if kvt[i], err = alloc(t.Numel()); err != nil {
			u.close()
			return nil, err
		}
		n.Output(t, kvt[i])
	}
	if err := runOnce(n); err != nil {
		u.close()
		return nil, fmt.Errorf("project the text context: %w", err)
	}
	// The UNet graph.
	n.Begin()
	for i, t := range kv {
		kv[i] = n.External(kvt[i], t.Shape...)
	}
	y := p.unet.Forward(n, n.External(in, u.rows, cin, g.h, g.w), n.External(u.times, u.rows), unet.FromProjections(kv), nil)
	n.Output(y, out)
	if u.unet, err = n.Compile(g.r.Profile); err != nil {
		u.close()
		return nil, err
	}
	// The sampler's buffers that live in the UNet's input and output (half: one image
	// batch's latents, all of the input).
	half := int64(4 * g.latentSize())
	fixed := map[sampler.Buf]gpu.Binding{}
	if g.cfg {
		fixed[sampler.BufUncond] = gpu.BindRange(out, 0, half)
		fixed[sampler.BufCond] = gpu.BindRange(out, half, half)
	} else {
		fixed[sampler.BufModelOut] = gpu.BindRange(out, 0, half)
	}
	if cin == 4 {
		fixed[sampler.BufModelIn] = gpu.BindRange(in, 0, half)
	}
	guidance := 0.0
	if g.cfg {
		guidance = g.r.CFGScale
	}
	if u.sampler, err = newSamplerGPU(d, plan, g.latentSize(), fixed, guidance); err != nil {
		u.close()
		return nil, err
	}
	if err := u.recordFeed(g, in, cond, alloc); err != nil {
		u.close()
		return nil, err
	}
	return u, nil
}

// recordFeed records, for inpainting UNets, the concatenation of the sampler's model
// input with the mask and masked-image latents into the UNet's input.
func (u *unetRun) recordFeed(g *generation, in *gpu.Tensor, cond []float32, alloc func(int) (*gpu.Tensor, error)) error {
	d := g.p.Device
	u.feed = d.NewPlan(false)
	if cond == nil {
		return nil
	}
	c, err := alloc(len(cond))
	if err != nil {
		return err
	}
	if err := c.WriteFloat32(0, cond); err != nil {
		return err
	}
	k, err := d.Kernel(kernels.Concat)
	if err != nil {
		return err
	}
	hw := g.h * g.w
	size := 9 * g.batch * hw
	gr, stride := kernels.Groups1D(size)
	return u.feed.Add(gpu.Dispatch{Kernel: k,
		Bindings: []gpu.Binding{u.sampler.bufs[sampler.BufModelIn], gpu.Bind(c), gpu.BindRange(in, 0, int64(4*size))},
		Groups:   [3]uint32{gr, 1, 1},
		Params:   gpu.Params(kernels.ConcatParams{N: uint32(size), Stride: stride, AInner: uint32(4 * hw), BInner: uint32(5 * hw)})})
}

// step performs model call k: input ops, the UNet, guidance, noise, scheduler update.
func (u *unetRun) step(k int, call sampler.Call, g *generation) error {
	ts := make([]float32, u.rows)
	for i := range ts {
		ts[i] = float32(call.Timestep)
	}
	if err := u.times.WriteFloat32(0, ts); err != nil {
		return err
	}
	s := u.sampler
	for _, pl := range []*gpu.Plan{s.input[k], u.feed} {
		if err := runIfAny(pl); err != nil {
			return err
		}
	}
	began := time.Now()
	if err := u.unet.Run(); err != nil {
		return err
	}
	g.res.UNetWall += time.Since(began)
	g.res.UNetCalls++
	if g.r.Profile {
		g.res.UNetKernels = addKernelTimes(g.res.UNetKernels, u.unet.Timings())
	}
	if err := runIfAny(s.guide); err != nil {
		return err
	}
	if call.Noise {
		if err := s.writeBuf(sampler.BufNoise, g.randn(g.latentSize())); err != nil {
			return err
		}
	}
	if err := runIfAny(s.update[k]); err != nil {
		return err
	}
	if u.blend != nil {
		return u.blend.plans[k].Run()
	}
	return nil
}

func (u *unetRun) close() {
	if u.blend != nil {
		u.blend.close()
	}
	if u.sampler != nil {
		u.sampler.Close()
	}
	if u.feed != nil {
		u.feed.Close()
	}
	if u.unet != nil {
		u.unet.Close()
	}
	for _, t := range u.extra {
		t.Free()
	}
}

// addKernelTimes adds b's per-kernel times into a.
func addKernelTimes(a, b []gpu.KernelTime) []gpu.KernelTime {
	idx := map[string]int{}
	for i, k := range a {
		idx[k.Name] = i
	}
	for _, k := range b {
		if i, ok := idx[k.Name]; ok {
			a[i].Total += k.Total
			a[i].Dispatches += k.Dispatches
			continue
		}
		idx[k.Name] = len(a)
		a = append(a, k)
	}
	return a
}

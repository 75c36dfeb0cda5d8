package pipeline

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/model/imageio"
	"github.com/sdgo/sdgo/model/nn"
	"github.com/sdgo/sdgo/model/sampler"
	"github.com/sdgo/sdgo/model/weights"
)

// Generate runs a request. It stops between steps when ctx is cancelled and then
// returns ctx's error and no result.
func (p *Pipeline) Generate(ctx context.Context, r Request) (*Result, error) {
	if err := p.validate(&r); err != nil {
		return nil, err
	}
	g := &generation{p: p, r: r, start: time.Now(), res: &Result{Timings: map[string]time.Duration{}}, tileSize: 32}
	defer g.close()
	p.Device.ResetPeak()
	if err := g.run(ctx); err != nil {
		return nil, err
	}
	g.res.PeakDeviceBytes = p.Device.Memory().Peak
	return g.res, nil
}

// generation is the state of one Generate call.
type generation struct {
	p     *Pipeline
	r     Request
	start time.Time
	res   *Result
	rng   sampler.RNG
	batch int
	cfg   bool // classifier-free guidance: text and prediction have 2·batch rows, uncond first
	h, w  int  // latent size
	// tileSize is the latent tile side of a requested tiled decode.
	tileSize int
	temps    []*gpu.Tensor
}

func (g *generation) close() {
	for _, t := range g.temps {
		t.Free()
	}
	for c := range g.p.nets {
		g.p.release(weights.Component(c))
	}
}

// use returns the network of component c, uploading its parameters first when the
// pipeline frees them between generations (timed as the "upload" stage).
func (g *generation) use(c weights.Component) (*nn.Net, error) {
	if n := g.p.nets[c]; n != nil {
		return n, nil
	}
	began := time.Now()
	n, err := g.p.net(c, g.h, g.w)
	if err != nil {
		return nil, err
	}
	g.stage("upload", began)
	return n, nil
}

// alloc allocates a device tensor that lives until the generation ends.
func (g *generation) alloc(floats int) (*gpu.Tensor, error) {
	t, err := g.p.Device.Alloc(int64(4 * floats))
	if err == nil {
		g.temps = append(g.temps, t)
	}
	return t, err
}

func (g *generation) stage(name string, began time.Time) {
	g.res.Timings[name] += time.Since(began)
	if g.r.Progress != nil {
		g.r.Progress(Progress{Stage: name, Elapsed: time.Since(g.start)})
	}
}

func (g *generation) run(ctx context.Context) error {
	r := g.r
	g.batch = len(r.Prompts)
	g.cfg = r.CFGScale > 1
	g.h, g.w = r.Height/8, r.Width/8
	var err error
	kind := r.RNG
	if kind == "" {
		kind = sampler.RNGCPU
	}
	if g.rng, err = sampler.NewRNG(kind, r.Seed); err != nil {
		return err
	}
	if _, err := g.use(weights.TextEncoder); err != nil {
		return err
	}
	began := time.Now()
	context, ctxLen, err := g.encodeText()
	if err != nil {
		return fmt.Errorf("text encoder: %w", err)
	}
	g.stage("text", began)
	g.p.release(weights.TextEncoder)
	if err := ctx.Err(); err != nil {
		return err
	}
	latents, err := g.sample(ctx, context, ctxLen)
	if err != nil {
		return err
	}
	g.p.release(weights.UNet)
	if _, err := g.use(weights.VAE); err != nil {
		return err
	}
	began = time.Now()
	decoded, err := g.decode(latents)
	if err != nil {
		return fmt.Errorf("vae decoder: %w", err)
	}
	g.res.Latents, g.res.Decoded = latents, decoded
	if g.res.Images, err = imageio.ToImages(decoded, g.batch, r.Height, r.Width); err != nil {
		return err
	}
	g.stage("decode", began)
	return nil
}

// latentSize is the number of floats of the batch's latents.
func (g *generation) latentSize() int { return g.batch * 4 * g.h * g.w }

// randn draws n standard normal values from the generation's generator.
func (g *generation) randn(n int) []float32 { return g.rng.Randn(n) }

// encodedLatents turns VAE moments [B, 8, h, w] into sampled, scaled latents
// (mean + std·noise)·scaling, with noise drawn now, as diffusers' retrieve_latents.
func (g *generation) encodedLatents(moments []float32, images int) []float32 {
	hw := g.h * g.w
	noise := g.randn(images * 4 * hw)
	sf := float32(g.p.Model.Config.VAE.ScalingFactor)
	out := make([]float32, images*4*hw)
	for b := 0; b < images; b++ {
		for i := 0; i < 4*hw; i++ {
			mean := moments[b*8*hw+i]
			logvar := float32(math.Min(math.Max(float64(moments[b*8*hw+4*hw+i]), -30), 20))
			std := float32(math.Exp(0.5 * float64(logvar)))
			out[b*4*hw+i] = (mean + std*noise[b*4*hw+i]) * sf
		}
	}
	return out
}

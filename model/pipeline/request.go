package pipeline

import (
	"fmt"
	"image"
	"time"

	"github.com/sdgo/sdgo/gpu"

	"github.com/sdgo/sdgo/model/imageio"
	"github.com/sdgo/sdgo/model/sampler"
	"github.com/sdgo/sdgo/model/weights"
)

// Request describes one generation.
type Request struct {
	// Prompts holds one prompt per image of the batch; Negatives the negative prompts
	// (nil: "" for every image). With CFGScale ≤ 1 no negative pass is run, as diffusers.
	Prompts   []string
	Negatives []string
	Width     int
	Height    int
	Steps     int
	CFGScale  float64
	Seed      uint64
	RNG       string // sampler.RNGCPU (default) or sampler.RNGCUDA
	Sampler   string
	// Scheduler is the sampler configuration: betas, prediction type, spacing and sigma
	// schedule (see sampler.Config; the model's scheduler config is the usual base).
	Scheduler sampler.Config
	ClipSkip  int // 0: all layers SD uses; 1: one fewer (A1111's "clip skip 2")
	// Embeddings are textual-inversion embeddings the prompts may name ("<name>" or the
	// bare name); their vectors replace the token embeddings.
	Embeddings map[string]weights.Embedding
	// Init is the image for img2img and inpainting (already of Width×Height), Strength
	// how much of the schedule is run on it (1 = from pure noise).
	Init     *image.NRGBA
	Strength float64
	// Mask marks the pixels to repaint (255) for inpainting (Width×Height).
	Mask *image.Gray
	// VAETiling encodes and decodes in overlapping tiles (automatic when the image would
	// not fit the device's storage-buffer range).
	VAETiling bool
	// Profile times every UNet and VAE-decoder dispatch with timestamp queries
	// (Result.UNetKernels, Result.DecodeKernels); it adds a barrier between
	// dispatches, so it is for measuring, not for speed.
	Profile bool
	// Progress is called after each stage and each sampling step.
	Progress func(Progress)
}

// Progress reports where a generation is.
type Progress struct {
	Stage    string // "upload" (FreeAfterUse), "text", "encode", "sample", "decode"
	Step     int    // steps done (sample stage)
	Total    int
	Elapsed  time.Duration // since Generate began
	StepTime time.Duration // of the step just done
}

// Result is what a generation produced.
type Result struct {
	Images  []*image.NRGBA
	Latents []float32 // final latents [B, 4, h, w], before the VAE's scaling
	Decoded []float32 // VAE output [B, 3, H, W], unclamped
	// Timings per stage and PeakDeviceBytes (all device memory in use at the peak).
	Timings         map[string]time.Duration
	PeakDeviceBytes int64
	// UNetKernels is the device time per kernel over all UNet evaluations (Profile).
	UNetKernels []gpu.KernelTime
	// DecodeKernels is the device time per kernel of the VAE decode (Profile).
	DecodeKernels []gpu.KernelTime
	// UNetCalls is the number of UNet evaluations; UNetWall their wall time.
	UNetCalls int
	UNetWall  time.Duration
}

// validate checks a request against the model before any work.
func (p *Pipeline) validate(r *Request) error {
	if len(r.Prompts) == 0 {
		return fmt.Errorf("no prompt")
	}
	if r.Negatives != nil && len(r.Negatives) != len(r.Prompts) {
		return fmt.Errorf("%d negative prompts for %d prompts", len(r.Negatives), len(r.Prompts))
	}
	if err := imageio.CheckSize(r.Width, r.Height); err != nil {
		return err
	}
	if r.Steps < 1 {
		return fmt.Errorf("steps %d: must be at least 1", r.Steps)
	}
	if r.CFGScale < 0 {
		return fmt.Errorf("cfg scale %v: must not be negative", r.CFGScale)
	}
	inpaintUNet := p.Model.Config.UNet.Inpainting()
	switch {
	case r.Mask != nil && r.Init == nil:
		return fmt.Errorf("a mask needs an init image")
	case inpaintUNet && r.Mask == nil:
		return fmt.Errorf("this is an inpainting model: give an init image and a mask")
	}
	var sizes []image.Rectangle
	if r.Init != nil {
		sizes = append(sizes, r.Init.Bounds())
	}
	if r.Mask != nil {
		sizes = append(sizes, r.Mask.Bounds())
	}
	for _, b := range sizes {
		if b.Dx() != r.Width || b.Dy() != r.Height {
			return fmt.Errorf("init image or mask is %dx%d, want %dx%d (resize it first)", b.Dx(), b.Dy(), r.Width, r.Height)
		}
	}
	if r.Init != nil && !(r.Strength > 0 && r.Strength <= 1) {
		return fmt.Errorf("strength %v: must be in (0, 1]", r.Strength)
	}
	if r.ClipSkip < 0 {
		return fmt.Errorf("clip skip %d: must not be negative", r.ClipSkip)
	}
	return nil
}

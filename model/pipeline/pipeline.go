// Package pipeline runs Stable Diffusion end to end on a device: txt2img, img2img and
// inpainting (9-channel inpainting UNets), with classifier-free guidance, negative
// prompts, long prompts, batches and every sampler of model/sampler, reproducing
// diffusers' results for the same seed with the torch-compatible CPU generator.
package pipeline

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/model/clip"
	"github.com/sdgo/sdgo/model/nn"
	"github.com/sdgo/sdgo/model/sampler"
	"github.com/sdgo/sdgo/model/unet"
	"github.com/sdgo/sdgo/model/vae"
	"github.com/sdgo/sdgo/model/weights"
	"github.com/sdgo/sdgo/tokenizer"
)

// Options say how to load a model.
type Options struct {
	weights.Options
	// F32 keeps matrices in fp32 on the device (default fp16, accumulation always fp32).
	F32 bool
	// Encoder loads the VAE encoder too (needed for img2img and inpainting).
	Encoder bool
	// LoRAs are merged into the UNet and text encoder weights at load.
	LoRAs []weights.LoRAWeight
}

// Pipeline is a model loaded onto a device.
type Pipeline struct {
	Device *gpu.Device
	Model  *weights.Model
	Tok    *tokenizer.Tokenizer
	params *nn.Net
	text   *clip.Encoder
	unet   *unet.UNet
	vae    *vae.VAE
	// Warnings lists what loading could not use (e.g. LoRA modules matching no weight).
	Warnings []string
}

// Load resolves ref (a checkpoint file, a diffusers folder or a Hugging Face cache id),
// and uploads its networks' parameters to d.
func Load(d *gpu.Device, ref string, opt Options) (*Pipeline, error) {
	m, err := weights.Load(ref, opt.Options)
	if err != nil {
		return nil, err
	}
	p := &Pipeline{Device: d, Model: m}
	if p.Tok, err = loadTokenizer(m); err != nil {
		m.Close()
		return nil, err
	}
	n := nn.New(d, !opt.F32)
	p.params = n
	if len(opt.LoRAs) > 0 {
		if n.LoRA, err = weights.NewLoRAMerger(m, opt.LoRAs...); err != nil {
			p.Close()
			return nil, err
		}
		p.Warnings = append(p.Warnings, n.LoRA.Unmatched...)
	}
	p.text = clip.Load(n, m.TextEncoder, m.Config.Text)
	p.unet = unet.Load(n, m.UNet, m.Config.UNet)
	p.vae = vae.Load(n, m.VAE, m.Config.VAE, opt.Encoder || m.Config.UNet.Inpainting())
	if err := n.Err(); err != nil {
		p.Close()
		return nil, fmt.Errorf("load %s: %w", ref, err)
	}
	return p, nil
}

// loadTokenizer takes the tokenizer files of a diffusers folder when present, else the
// embedded CLIP vocabulary, with the pad token of the text tower (0 for OpenCLIP).
func loadTokenizer(m *weights.Model) (*tokenizer.Tokenizer, error) {
	if m.Source.Diffusers {
		return tokenizer.LoadDir(filepath.Join(m.Source.Path, "tokenizer"))
	}
	pad := tokenizer.EndID
	if m.Config.Arch == weights.SD2 {
		pad = tokenizer.OpenCLIPPadID
	}
	return tokenizer.NewCLIP(pad)
}

// Close frees the parameters and unmaps the checkpoint.
func (p *Pipeline) Close() {
	if p.params != nil {
		p.params.Close()
	}
	p.Model.Close()
}

// SchedulerConfig returns the sampler configuration the model was trained with: its
// diffusers scheduler_config.json when it has one (betas, steps offset), else SD's
// defaults, with the model's prediction type. The timestep spacing is left to each
// sampler's default (as stable-diffusion.cpp and A1111 do).
func (p *Pipeline) SchedulerConfig() (sampler.Config, error) {
	cfg := sampler.DefaultConfig()
	if p.Model.Source.Diffusers {
		path := filepath.Join(p.Model.Source.Path, "scheduler", "scheduler_config.json")
		if data, err := os.ReadFile(path); err == nil {
			if cfg, err = sampler.ParseSchedulerConfig(data, cfg); err != nil {
				return cfg, fmt.Errorf("%s: %w", path, err)
			}
		}
	}
	cfg.TimestepSpacing = ""
	cfg.Prediction = sampler.PredictEpsilon
	if p.Model.Config.Prediction == weights.VPrediction {
		cfg.Prediction = sampler.PredictV
	}
	return cfg, nil
}

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
	// FreeAfterUse uploads each network when a generation first needs it and frees it
	// after the generation's last use (as stable-diffusion.cpp's
	// free_params_immediately, but uploading late too): the device then holds one
	// network's parameters at a time, which on CPU devices is also the host's peak
	// memory, and every generation uploads the networks again. For one-shot runs. Its
	// UNet is uploaded knowing the image size: on CPU devices, from 64×64 latents
	// (512×512 px) up, the second level's convs run as Winograd from a stored U too
	// (unet.LoadWinograd; SD 1.x: +840 MiB, a 512² step 1.06–1.12× as fast as with
	// that level on the tap GEMMs, which need no extra memory; peak RSS 3.0 against
	// 2.2 GiB).
	FreeAfterUse bool
}

// Pipeline is a model loaded onto a device.
type Pipeline struct {
	Device *gpu.Device
	Model  *weights.Model
	Tok    *tokenizer.Tokenizer
	opt    Options
	lora   *weights.LoRAMerger
	// nets holds each network's parameters on the device, by weights.Component; nil
	// while that network is not uploaded (FreeAfterUse).
	nets [3]*nn.Net
	text *clip.Encoder
	unet *unet.UNet
	vae  *vae.VAE
	// Warnings lists what loading could not use (e.g. LoRA modules matching no weight).
	Warnings []string
}

// Load resolves ref (a checkpoint file, a diffusers folder or a Hugging Face cache id),
// and uploads its networks' parameters to d (with FreeAfterUse, each generation does).
func Load(d *gpu.Device, ref string, opt Options) (*Pipeline, error) {
	m, err := weights.Load(ref, opt.Options)
	if err != nil {
		return nil, err
	}
	p := &Pipeline{Device: d, Model: m, opt: opt}
	if p.Tok, err = loadTokenizer(m); err != nil {
		m.Close()
		return nil, err
	}
	if len(opt.LoRAs) > 0 {
		if p.lora, err = weights.NewLoRAMerger(m, opt.LoRAs...); err != nil {
			m.Close()
			return nil, err
		}
		p.Warnings = append(p.Warnings, p.lora.Unmatched...)
	}
	if !opt.FreeAfterUse {
		for _, c := range []weights.Component{weights.TextEncoder, weights.UNet, weights.VAE} {
			if _, err := p.net(c, 0, 0); err != nil {
				p.Close()
				return nil, fmt.Errorf("load %s: %w", ref, err)
			}
		}
	}
	return p, nil
}

// net returns the network of component c, uploading its parameters first when they are
// not on the device, for latents of h×w (0×0: any size).
func (p *Pipeline) net(c weights.Component, h, w int) (*nn.Net, error) {
	if n := p.nets[c]; n != nil {
		return n, nil
	}
	n := nn.New(p.Device, !p.opt.F32)
	n.LoRA = p.lora
	m := p.Model
	// The network is kept only once all its parameters are on the device.
	var keep func()
	switch c {
	case weights.TextEncoder:
		text := clip.Load(n, m.TextEncoder, m.Config.Text)
		keep = func() { p.text = text }
	case weights.UNet:
		u := unet.LoadWinograd(n, m.UNet, m.Config.UNet, unetWinogradLevels(h, w))
		keep = func() { p.unet = u }
	case weights.VAE:
		v := vae.Load(n, m.VAE, m.Config.VAE, p.opt.Encoder || m.Config.UNet.Inpainting())
		keep = func() { p.vae = v }
	}
	if err := n.Err(); err != nil {
		n.Close()
		return nil, fmt.Errorf("upload the %s: %w", c, err)
	}
	keep()
	p.nets[c] = n
	return n, nil
}

// unetWinogradLevels is how many of the UNet's levels, from the full size down, run
// their convs as Winograd on CPU devices for h×w latents: the second one too from 64×64
// up, where its tiles fill the GEMMs (at 32×32 it has 32 tiles of 4×4 per image).
func unetWinogradLevels(h, w int) int {
	if h*w >= 64*64 {
		return 2
	}
	return 1
}

// release frees the parameters of component c when the pipeline uploads networks per
// generation (FreeAfterUse).
func (p *Pipeline) release(c weights.Component) {
	if !p.opt.FreeAfterUse || p.nets[c] == nil {
		return
	}
	p.nets[c].Close()
	p.nets[c] = nil
	switch c {
	case weights.TextEncoder:
		p.text = nil
	case weights.UNet:
		p.unet = nil
	case weights.VAE:
		p.vae = nil
	}
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
	for _, n := range p.nets {
		if n != nil {
			n.Close()
		}
	}
	p.nets = [3]*nn.Net{}
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

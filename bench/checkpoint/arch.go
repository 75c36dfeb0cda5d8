// Package checkpoint writes full-size Stable Diffusion checkpoints with deterministic
// random weights — real LDM key names and shapes, fp16, one safetensors file — so that
// benchmarks need no download. The same bytes come out on every run.
package checkpoint

import "fmt"

// Arch describes the networks of a checkpoint in the terms the LDM layout is built from.
type Arch struct {
	Name string
	// UNet
	UNetChannels   []int  // channels per level (block_out_channels)
	UNetAttention  []bool // whether each level's blocks have a transformer
	UNetLayers     int    // resnets per down block (up blocks have one more)
	UNetIn         int    // input channels (9 for inpainting)
	ContextDim     int    // cross-attention context width
	LinearProj     bool   // transformer proj_in/proj_out as linears (SD2) or 1x1 convs (SD1)
	TimeEmbedInput int    // width of the sinusoidal embedding (UNetChannels[0])
	// VAE
	VAEChannels []int // channels per level
	VAELayers   int   // resnets per encoder level (decoder levels have one more)
	Latent      int   // latent channels
	// Text encoder
	OpenCLIP   bool // SD2's OpenCLIP layout (fused in_proj) instead of HF CLIP names
	TextLayers int
	TextWidth  int
	TextMLP    int
}

// SD15 is Stable Diffusion 1.5 (UNet 860M, CLIP ViT-L/14 text encoder, KL-f8 VAE).
var SD15 = Arch{
	Name:         "sd15",
	UNetChannels: []int{320, 640, 1280, 1280}, UNetAttention: []bool{true, true, true, false},
	UNetLayers: 2, UNetIn: 4, ContextDim: 768, TimeEmbedInput: 320,
	VAEChannels: []int{128, 256, 512, 512}, VAELayers: 2, Latent: 4,
	TextLayers: 12, TextWidth: 768, TextMLP: 3072,
}

// SD21 is Stable Diffusion 2.1 (linear projections, OpenCLIP ViT-H/14 text encoder:
// 24 layers of which SD uses the first 23).
var SD21 = Arch{
	Name:         "sd21",
	UNetChannels: []int{320, 640, 1280, 1280}, UNetAttention: []bool{true, true, true, false},
	UNetLayers: 2, UNetIn: 4, ContextDim: 1024, LinearProj: true, TimeEmbedInput: 320,
	VAEChannels: []int{128, 256, 512, 512}, VAELayers: 2, Latent: 4,
	OpenCLIP: true, TextLayers: 24, TextWidth: 1024, TextMLP: 4096,
}

// TinySD1 has the shapes of the tiny-sd1 test fixture (testdata/fixtures): the same
// code path at a few MiB.
var TinySD1 = Arch{
	Name:         "tiny-sd1",
	UNetChannels: []int{32, 64}, UNetAttention: []bool{true, false},
	UNetLayers: 2, UNetIn: 4, ContextDim: 32, TimeEmbedInput: 32,
	VAEChannels: []int{32, 32, 32, 64}, VAELayers: 2, Latent: 4,
	TextLayers: 2, TextWidth: 32, TextMLP: 37,
}

// Archs lists the architectures by name.
var Archs = map[string]Arch{SD15.Name: SD15, SD21.Name: SD21, TinySD1.Name: TinySD1}

// Lookup returns the architecture called name.
func Lookup(name string) (Arch, error) {
	a, ok := Archs[name]
	if !ok {
		return Arch{}, fmt.Errorf("unknown checkpoint architecture %q (have sd15, sd21, tiny-sd1)", name)
	}
	return a, nil
}

package pipeline

import (
	"context"
	"encoding/json"
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/internal/pyjson"
	"github.com/sdgo/sdgo/model/internal/fixture"
	"github.com/sdgo/sdgo/model/safetensors"
	"github.com/sdgo/sdgo/model/sampler"
	"github.com/sdgo/sdgo/model/weights"
)

// fixtureSampler maps the fixtures' scheduler ids to sampler names.
var fixtureSampler = map[string]string{
	"ddim": "ddim", "pndm": "pndm", "euler": "euler", "euler_a": "euler_a", "lms": "lms",
	"dpmpp_2m": "dpm++2m", "dpmpp_2m_karras": "dpm++2m", "heun": "heun", "lcm": "lcm",
}

type pipelineCase struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Inputs struct {
		Model     string          `json:"model"`
		Scheduler string          `json:"scheduler"`
		Config    json.RawMessage `json:"scheduler_config"`
		Prompt    json.RawMessage `json:"prompt"`
		Negative  json.RawMessage `json:"negative_prompt"`
		Seed      uint64          `json:"seed"`
		Steps     int             `json:"num_inference_steps"`
		Guidance  float64         `json:"guidance_scale"`
		Height    int             `json:"height"`
		Width     int             `json:"width"`
		Strength  float64         `json:"strength"`
		FP64      struct {
			Latents float64 `json:"latents_final"`
			Decoded float64 `json:"decoded"`
		} `json:"fp64_max_abs_diff"`
	} `json:"inputs"`
}

// strings decodes a prompt field: a string, a list of strings, or null.
func promptList(t *testing.T, raw json.RawMessage, batch int) []string {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		out := make([]string, batch)
		for i := range out {
			out[i] = one
		}
		return out
	}
	var list []string
	require.NoError(t, json.Unmarshal(raw, &list))
	return list
}

func pipelineCases(t *testing.T) []pipelineCase {
	data, err := os.ReadFile(filepath.Join(fixture.Dir, "manifest.json"))
	require.NoError(t, err)
	var m struct {
		Cases []pipelineCase `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(pyjson.Sanitize(data), &m))
	var out []pipelineCase
	for _, c := range m.Cases {
		if c.Kind == "txt2img" || c.Kind == "img2img" || c.Kind == "inpaint" {
			out = append(out, c)
		}
	}
	return out
}

var pipelines = map[string]*Pipeline{}

func loadFixturePipeline(t *testing.T, model string) *Pipeline {
	name := map[string]string{"tiny-sd1": "tiny-sd1", "tiny-sd2": "tiny-sd2", "tiny-sd1 + tiny-sd1-inpaint-unet": "tiny-sd1-inpaint"}[model]
	require.NotEmpty(t, name, model)
	if p := pipelines[name]; p != nil {
		return p
	}
	ref, wopt := fixture.ModelRef(t, name)
	p, err := Load(fixture.Device(t), ref, Options{Options: wopt, Encoder: true})
	require.NoError(t, err)
	pipelines[name] = p
	return p
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, p := range pipelines {
		p.Close()
	}
	os.Exit(code)
}

// TestPipelineGoldens reproduces every txt2img, img2img and inpainting golden from its
// prompt, seed and settings alone, comparing the final latents and the decoded image.
// Tolerance: the fixtures' own fp32-vs-fp64 difference for the case (how far float
// rounding alone moves it) times 4, at least 1e-4 of the output scale.
func TestPipelineGoldens(t *testing.T) {
	for _, c := range pipelineCases(t) {
		t.Run(c.ID, func(t *testing.T) {
			in := c.Inputs
			p := loadFixturePipeline(t, in.Model)
			g := fixture.Golden(t, c.ID)
			batch := g.Info("latents_final").Shape[0]
			cfg, err := sampler.ParseSchedulerConfig(in.Config, sampler.DefaultConfig())
			require.NoError(t, err)
			req := Request{
				Prompts: promptList(t, in.Prompt, batch), Negatives: promptList(t, in.Negative, batch),
				Width: in.Width, Height: in.Height, Steps: in.Steps, CFGScale: in.Guidance, Seed: in.Seed,
				Sampler: fixtureSampler[in.Scheduler], Scheduler: cfg, Strength: in.Strength,
			}
			if g.Info("image_u8") != nil {
				req.Init = goldenImage(t, g.Bytes, in.Width, in.Height)
				if req.Strength == 0 {
					req.Strength = 1
				}
			}
			if g.Info("mask_u8") != nil {
				u8, err := g.Bytes("mask_u8")
				require.NoError(t, err)
				req.Mask = &image.Gray{Pix: append([]byte(nil), u8...), Stride: in.Width, Rect: image.Rect(0, 0, in.Width, in.Height)}
			}
			res, err := p.Generate(context.Background(), req)
			require.NoError(t, err)
			tolL := max(4*in.FP64.Latents, 1e-4)
			tolD := max(4*in.FP64.Decoded, 1e-4)
			require.True(t, fixture.Close(t, "latents_final", res.Latents, fixture.Float32(t, g, "latents_final"), tolL))
			require.True(t, fixture.Close(t, "decoded", res.Decoded, fixture.Float32(t, g, "decoded"), tolD))
			require.Len(t, res.Images, batch)
		})
	}
}

func goldenImage(t *testing.T, bytes func(string) ([]byte, error), w, h int) *image.NRGBA {
	u8, err := bytes("image_u8")
	require.NoError(t, err)
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < w*h; i++ {
		copy(img.Pix[4*i:], u8[3*i:3*i+3])
		img.Pix[4*i+3] = 255
	}
	return img
}

// TestPlanMemory checks the plan of a generation: the peak is the parameters plus the
// largest phase, the UNet's arena holding the text's keys and values (2 guidance rows ×
// 77 tokens × the channels of every cross-attention, fp32).
func TestPlanMemory(t *testing.T) {
	p := loadFixturePipeline(t, "tiny-sd1")
	mp, err := p.PlanMemory(64, 64, 1)
	require.NoError(t, err)
	cfg := p.Model.Config.UNet
	ch := cfg.BlockOutChannels
	channels := ch[len(ch)-1] // the mid block
	for i, c := range ch {
		if cfg.DownAttention[i] {
			channels += cfg.LayersPerBlock * c
		}
		if cfg.UpAttention[i] {
			channels += (cfg.LayersPerBlock + 1) * ch[len(ch)-1-i]
		}
	}
	require.Equal(t, int64(2*2*77*4*channels*cfg.TransformerDepth), mp.UNetText)
	require.Greater(t, mp.UNetArena, mp.UNetText)
	require.Positive(t, mp.VAEArena)
	require.Equal(t, mp.Params+max(mp.TextArena, mp.UNetArena, mp.VAEArena), mp.Peak)
}

// TestFreeAfterUse checks that a pipeline uploading its networks per generation gives
// the resident pipeline's results bit for bit (txt2img, and img2img, whose VAE is
// uploaded for the encode and again for the decode), leaves no parameters on the device
// between generations, and plans a peak of one network's parameters and arena.
func TestFreeAfterUse(t *testing.T) {
	resident := loadFixturePipeline(t, "tiny-sd1")
	ref, wopt := fixture.ModelRef(t, "tiny-sd1")
	d := fixture.Device(t)
	before := d.Memory().Live
	p, err := Load(d, ref, Options{Options: wopt, Encoder: true, FreeAfterUse: true})
	require.NoError(t, err)
	defer p.Close()
	require.Equal(t, before, d.Memory().Live, "nothing uploaded at load")

	init := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for i := range init.Pix {
		init.Pix[i] = uint8(i * 7)
	}
	for _, req := range []Request{
		{Prompts: []string{"a red fox"}, Negatives: []string{"blurry"}, Width: 64, Height: 64, Steps: 2, CFGScale: 7, Seed: 3, Sampler: "euler", Scheduler: sampler.DefaultConfig()},
		{Prompts: []string{"a red fox"}, Width: 64, Height: 64, Steps: 4, CFGScale: 5, Seed: 4, Sampler: "euler_a", Scheduler: sampler.DefaultConfig(), Init: init, Strength: 0.5},
	} {
		want, err := resident.Generate(context.Background(), req)
		require.NoError(t, err)
		got, err := p.Generate(context.Background(), req)
		require.NoError(t, err)
		require.Equal(t, want.Latents, got.Latents)
		require.Equal(t, want.Decoded, got.Decoded)
		require.Positive(t, got.Timings["upload"])
		require.Zero(t, want.Timings["upload"])
		require.Equal(t, before, d.Memory().Live, "parameters freed after the generation")
	}

	mp, err := p.PlanMemory(64, 64, 1)
	require.NoError(t, err)
	require.Equal(t, before, d.Memory().Live, "parameters freed after planning")
	rp, err := resident.PlanMemory(64, 64, 1)
	require.NoError(t, err)
	require.Equal(t, rp.Params, mp.Params)
	require.Equal(t, rp.Params, mp.TextParams+mp.UNetParams+mp.VAEParams)
	require.Equal(t, max(mp.TextParams+mp.TextArena, mp.UNetParams+mp.UNetArena, mp.VAEParams+mp.VAEArena), mp.Peak)
	require.Less(t, mp.Peak, rp.Peak)
}

// TestWinogradLevelsBySize checks that a pipeline uploading per generation gives its UNet
// the second level's Winograd convs from 64×64 latents up (their fp32 U is larger than
// the fp16 kernels), on CPU devices, while a resident pipeline keeps one level.
func TestWinogradLevelsBySize(t *testing.T) {
	require.Equal(t, 1, unetWinogradLevels(0, 0))
	require.Equal(t, 1, unetWinogradLevels(32, 32))
	require.Equal(t, 1, unetWinogradLevels(64, 48))
	require.Equal(t, 2, unetWinogradLevels(64, 64))
	require.Equal(t, 2, unetWinogradLevels(96, 64))
	ref, wopt := fixture.ModelRef(t, "tiny-sd1")
	d := fixture.Device(t)
	if d.Info.Type != gpu.CPU {
		t.Skip("Winograd runs on CPU devices only")
	}
	p, err := Load(d, ref, Options{Options: wopt, FreeAfterUse: true})
	require.NoError(t, err)
	defer p.Close()
	small, err := p.PlanMemory(256, 256, 1)
	require.NoError(t, err)
	big, err := p.PlanMemory(512, 512, 1)
	require.NoError(t, err)
	require.Greater(t, big.UNetParams, small.UNetParams)
	resident := loadFixturePipeline(t, "tiny-sd1")
	rs, err := resident.PlanMemory(256, 256, 1)
	require.NoError(t, err)
	rb, err := resident.PlanMemory(512, 512, 1)
	require.NoError(t, err)
	require.Equal(t, rs.UNetParams, rb.UNetParams)
	require.Equal(t, rs.UNetParams, small.UNetParams)
}

// TestFailedUploadMidGeneration loads a checkpoint whose UNet conv_out kernel is not
// square (a shape only its upload checks) into a pipeline that uploads per generation:
// the generation fails after the text encoder with an error naming the upload and the
// tensor, leaves no parameters on the device, and fails the same way when run again.
func TestFailedUploadMidGeneration(t *testing.T) {
	src, err := safetensors.Open(filepath.Join(fixture.Dir, "models", "tiny-sd1.fp16.safetensors"))
	require.NoError(t, err)
	defer src.Close()
	const bad = "model.diffusion_model.out.2.weight"
	var infos []safetensors.Info
	for _, name := range src.Names() {
		info := *src.Info(name)
		if name == bad {
			info.Shape = []int{4, 32, 9, 1} // same bytes, not a square kernel
		}
		infos = append(infos, info)
	}
	path := filepath.Join(t.TempDir(), "bad-unet.safetensors")
	w, err := safetensors.Create(path, infos, nil)
	require.NoError(t, err)
	for _, name := range src.Names() {
		data, err := src.Bytes(name)
		require.NoError(t, err)
		require.NoError(t, w.Write(name, data))
	}
	require.NoError(t, w.Close())

	d := fixture.Device(t)
	before := d.Memory().Live
	p, err := Load(d, path, Options{Options: weights.Options{Config: filepath.Join(fixture.Dir, "models", "tiny-sd1")}, FreeAfterUse: true})
	require.NoError(t, err, "the shape is only checked when the UNet is uploaded")
	defer p.Close()
	req := Request{Prompts: []string{"a red fox"}, Width: 64, Height: 64, Steps: 1, CFGScale: 7, Seed: 1, Sampler: "euler", Scheduler: sampler.DefaultConfig()}
	for range 2 {
		_, err = p.Generate(context.Background(), req)
		require.ErrorContains(t, err, "upload the unet")
		require.ErrorContains(t, err, "conv_out.weight")
		require.Equal(t, before, d.Memory().Live, "nothing left on the device")
		require.Nil(t, p.unet, "no UNet kept from a failed upload")
	}
}

package weights

import (
	"archive/zip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// copyFixture copies a fixture file to a new folder, passing its bytes through edit.
func copyFixture(t *testing.T, name string, edit func([]byte) []byte) string {
	t.Helper()
	b, err := os.ReadFile(fixtures + name)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), filepath.Base(name))
	require.NoError(t, os.WriteFile(path, edit(b), 0o644))
	return path
}

// linkDiffusers makes a copy of a diffusers fixture folder out of symlinks, with some
// files replaced.
func linkDiffusers(t *testing.T, src string, replace map[string]string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	abs, err := filepath.Abs(fixtures + src)
	require.NoError(t, err)
	require.NoError(t, filepath.Walk(abs, func(p string, info os.FileInfo, err error) error {
		require.NoError(t, err)
		rel, _ := filepath.Rel(abs, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if content, ok := replace[rel]; ok {
			return os.WriteFile(target, []byte(content), 0o644)
		}
		return os.Symlink(p, target)
	}))
	return dst
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	sd1 := Options{Config: fixtures + "tiny-sd1"}
	unet := func(keys ...string) map[string]fTensor {
		m := map[string]fTensor{
			"model.diffusion_model.input_blocks.0.0.weight":                 {[]int{1}, []float32{0}},
			"cond_stage_model.transformer.text_model.final_layer_norm.bias": {[]int{1}, []float32{0}},
		}
		for _, k := range keys {
			m[k] = fTensor{[]int{1}, []float32{0}}
		}
		return m
	}
	synthetic := func(name string, tensors map[string]fTensor) string {
		p := filepath.Join(dir, name)
		writeSafetensors(t, p, tensors)
		return p
	}
	var unetJSONMap map[string]any
	b, err := os.ReadFile(fixtures + "tiny-sd1/unet/config.json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &unetJSONMap))
	unetJSONMap["block_out_channels"] = []int{32, 128}
	badConfig, err := json.Marshal(unetJSONMap)
	require.NoError(t, err)
	ckpt := filepath.Join(dir, "evil.ckpt")
	writeTorchFile(t, ckpt, (&pDict{}).add("w", &pObject{module: "subprocess", name: "Popen"}))

	// A UNet weight stored as integers.
	ints := filepath.Join(dir, "int.safetensors")
	src, err := os.ReadFile(fixtures + "tiny-sd1.fp16.safetensors")
	require.NoError(t, err)
	// Retype one F16 [32] bias as U8 [64]: the same bytes, and a header of the same length.
	edited := strings.Replace(string(src), `"model.diffusion_model.out.0.bias":{"dtype":"F16","shape":[32]`, `"model.diffusion_model.out.0.bias":{"dtype":"U8" ,"shape":[64]`, 1)
	require.NotEqual(t, string(src), edited, "fixture header layout changed")
	require.NoError(t, os.WriteFile(ints, []byte(edited), 0o644))

	cases := []struct {
		name string
		ref  string
		opt  Options
		want []string
	}{
		{"truncated", copyFixture(t, "tiny-sd1.fp16.safetensors", func(b []byte) []byte { return b[:len(b)-1000] }), sd1,
			[]string{"tiny-sd1.fp16.safetensors: tensor", "lies outside the", "(truncated file?)"}},
		{"corrupt header", copyFixture(t, "tiny-sd1/unet/diffusion_pytorch_model.safetensors", func(b []byte) []byte {
			b[30] = 0
			return b
		}), Options{}, []string{"diffusion_pytorch_model.safetensors: corrupt safetensors header"}},
		{"wrong dtype", ints, sd1, []string{`int.safetensors: tensor "model.diffusion_model.out.0.bias": dtype U8, want a float type`}},
		{"unknown tensor", copyFixture(t, "tiny-sd1.fp16.safetensors", func(b []byte) []byte {
			return []byte(strings.Replace(string(b), "model.diffusion_model.time_embed.0.weight", "model.diffusion_model.time_embed.9.weight", 1))
		}), sd1, []string{"tiny-sd1.fp16.safetensors: unrecognised unet tensor \"model.diffusion_model.time_embed.9.weight\""}},
		{"missing tensor", copyFixture(t, "tiny-sd1.fp16.safetensors", func(b []byte) []byte { // the key leaves the UNet
			return []byte(strings.Replace(string(b), "model.diffusion_model.time_embed.0.weight", "modelXdiffusion_model.time_embed.0.weight", 1))
		}), sd1, []string{"tiny-sd1.fp16.safetensors: unet tensor \"time_embedding.linear_1.weight\" is missing"}},
		{"config mismatch", linkDiffusers(t, "tiny-sd1", map[string]string{
			"unet/config.json": string(badConfig)}), Options{},
			[]string{"unet/config.json: block_out_channels is [32 128] but the weights have [32 64]"}},
		{"sdxl", synthetic("xl.safetensors", unet("conditioner.embedders.0.transformer.text_model.final_layer_norm.bias")), Options{},
			[]string{"xl.safetensors: SDXL (conditioner.embedders) is not supported"}},
		{"sdxl unet", synthetic("xl-unet.safetensors", unet("model.diffusion_model.label_emb.0.0.weight")), Options{},
			[]string{"SDXL or another class-conditioned UNet (label_emb) is not supported"}},
		{"sd3", synthetic("sd3.safetensors", unet("model.diffusion_model.joint_blocks.0.x_block.attn.qkv.weight")), Options{},
			[]string{"sd3.safetensors: SD3 (joint_blocks) is not supported"}},
		{"flux", synthetic("flux.safetensors", map[string]fTensor{"double_blocks.0.img_attn.qkv.weight": {[]int{1}, []float32{0}}}), Options{},
			[]string{"flux.safetensors: Flux (double_blocks) is not supported"}},
		{"unknown", synthetic("other.safetensors", map[string]fTensor{"encoder.layer.0.weight": {[]int{1}, []float32{0}}}), Options{},
			[]string{"other.safetensors: unknown checkpoint layout: no model.diffusion_model.* (UNet) tensors (first keys: encoder.layer.0.weight)"}},
		{"no text encoder", synthetic("unet-only.safetensors", map[string]fTensor{"model.diffusion_model.out.2.bias": {[]int{1}, []float32{0}}}), Options{},
			[]string{"unet-only.safetensors: no text encoder (cond_stage_model.*)"}},
		{"sdxl diffusers", linkDiffusers(t, "tiny-sd1", map[string]string{"model_index.json": `{"_class_name": "StableDiffusionXLPipeline"}`}), Options{},
			[]string{"model_index.json: SDXL pipeline (StableDiffusionXLPipeline) is not supported"}},
		{"flux diffusers", linkDiffusers(t, "tiny-sd1", map[string]string{"model_index.json": `{"_class_name": "FluxPipeline"}`}), Options{},
			[]string{"model_index.json: pipeline FluxPipeline is not supported"}},
		{"forbidden global", ckpt, Options{}, []string{"evil.ckpt", "forbidden global subprocess.Popen"}},
		{"configs only", fixtures + "tiny-sd2", Options{}, []string{"tiny-sd2/text_encoder: no text_encoder weights (looked for model.safetensors, model.fp16.safetensors"}},
		{"sd1 unet with sd2 text", fixtures + "tiny-sd2.fp16.safetensors", Options{Config: fixtures + "tiny-sd2", UNet: fixtures + "tiny-sd1/unet"},
			[]string{"UNet cross-attention width 32 does not match the text encoder width 16"}},
		{"bad vae override", fixtures + "tiny-sd1", Options{VAE: fixtures + "tiny-sd1/unet"},
			[]string{"vae override: ", "tiny-sd1/unet/diffusion_pytorch_model.safetensors: no vae weights found"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(c.ref, c.opt)
			require.Error(t, err)
			for _, w := range c.want {
				require.ErrorContains(t, err, w)
			}
		})
	}
}

func TestTensorShapeCheck(t *testing.T) {
	m := loadTiny(t, fixtures+"tiny-sd1", Options{})
	_, err := m.UNet.Tensor("conv_in.weight", 320, 4, 3, 3)
	require.ErrorContains(t, err, `unet/diffusion_pytorch_model.safetensors: tensor "conv_in.weight" (unet "conv_in.weight") has shape [32 4 3 3], want [320 4 3 3]`)
	_, err = m.VAE.Tensor("decoder.nope.weight")
	require.ErrorContains(t, err, `vae/diffusion_pytorch_model.safetensors: vae tensor "decoder.nope.weight" is missing`)
}

func TestDiscover(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("HF_HUB_CACHE", cache)
	repo := filepath.Join(cache, "models--tiny--sd1")
	snapshot := linkDiffusers(t, "tiny-sd1", nil)
	require.NoError(t, os.MkdirAll(filepath.Join(repo, "snapshots"), 0o755))
	require.NoError(t, os.Rename(snapshot, filepath.Join(repo, "snapshots", "0123abcd")))
	require.NoError(t, os.MkdirAll(filepath.Join(repo, "refs"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(repo, "refs", "main"), []byte("0123abcd\n"), 0o644))
	single := filepath.Join(cache, "models--tiny--single", "snapshots", "feed")
	require.NoError(t, os.MkdirAll(single, 0o755))
	abs, _ := filepath.Abs(fixtures + "tiny-sd1.fp16.safetensors")
	require.NoError(t, os.Symlink(abs, filepath.Join(single, "tiny-sd1.fp16.safetensors")))

	for ref, want := range map[string]Source{
		"tiny/sd1":          {Path: filepath.Join(repo, "snapshots", "0123abcd"), Diffusers: true},
		"tiny/sd1@0123abcd": {Path: filepath.Join(repo, "snapshots", "0123abcd"), Diffusers: true},
		"tiny/sd1/vae/diffusion_pytorch_model.safetensors": {Path: filepath.Join(repo, "snapshots", "0123abcd", "vae", "diffusion_pytorch_model.safetensors")},
		"tiny/single@feed":                     {Path: filepath.Join(single, "tiny-sd1.fp16.safetensors")},
		fixtures + "tiny-sd1":                  {Path: fixtures + "tiny-sd1", Diffusers: true},
		fixtures + "tiny-sd2.fp16.safetensors": {Path: fixtures + "tiny-sd2.fp16.safetensors"},
	} {
		got, err := Discover(ref)
		require.NoError(t, err, ref)
		require.Equal(t, want, got, ref)
	}
	m := loadTiny(t, "tiny/sd1", Options{})
	require.Equal(t, SD1, m.Config.Arch)

	_, err := Discover("tiny/missing")
	require.ErrorContains(t, err, `model "tiny/missing" not found: no such file or folder, and not in the Hugging Face cache (looked in `+filepath.Join(cache, "models--tiny--missing"))
	_, err = Discover("tiny/sd1@v2")
	require.ErrorContains(t, err, "no snapshot "+filepath.Join(repo, "snapshots", "v2"))
	_, err = Discover("./nothing-here.safetensors")
	require.ErrorContains(t, err, `model "./nothing-here.safetensors" not found: no such file or folder`)
	_, err = Discover(fixtures)
	require.ErrorContains(t, err, "several checkpoints")
	_, err = Discover(fixtures + "tiny-sd1/unet/..")
	require.NoError(t, err)
	_, err = Discover(t.TempDir())
	require.ErrorContains(t, err, "not a model folder: no model_index.json and no .safetensors or .ckpt file")

	t.Setenv("HF_HUB_CACHE", "")
	t.Setenv("HF_HOME", filepath.Join(cache, "home"))
	_, err = Discover("tiny/sd1")
	require.ErrorContains(t, err, filepath.Join(cache, "home", "hub", "models--tiny--sd1"))
}

func TestComponentFilePreference(t *testing.T) {
	dir := t.TempDir()
	touch := func(names ...string) {
		for _, n := range names {
			require.NoError(t, os.WriteFile(filepath.Join(dir, n), nil, 0o644))
		}
	}
	touch("diffusion_pytorch_model.bin", "diffusion_pytorch_model.fp16.safetensors")
	p, err := componentFile(dir, UNet, "")
	require.NoError(t, err)
	require.Equal(t, "diffusion_pytorch_model.fp16.safetensors", filepath.Base(p), "safetensors before .bin")
	touch("diffusion_pytorch_model.safetensors")
	p, _ = componentFile(dir, UNet, "")
	require.Equal(t, "diffusion_pytorch_model.safetensors", filepath.Base(p))
	p, _ = componentFile(dir, UNet, "fp16")
	require.Equal(t, "diffusion_pytorch_model.fp16.safetensors", filepath.Base(p), "the requested variant first")
	touch("pytorch_model.bin")
	p, _ = componentFile(dir, TextEncoder, "")
	require.Equal(t, "pytorch_model.bin", filepath.Base(p))
	touch("model.safetensors.index.json")
	_, err = componentFile(dir, TextEncoder, "")
	require.ErrorContains(t, err, "sharded weights (model.safetensors.index.json) are not supported")
}

// A diffusers folder whose weights are .bin (torch zip) files loads like the safetensors one.
func TestDiffusersBinWeights(t *testing.T) {
	dir := linkDiffusers(t, "tiny-sd1", nil)
	require.NoError(t, os.Remove(filepath.Join(dir, "vae", "diffusion_pytorch_model.safetensors")))
	ref := loadTiny(t, fixtures+"tiny-sd1", Options{})
	sd := &pDict{}
	for i, n := range ref.VAE.Names() {
		tn, _ := ref.VAE.Tensor(n)
		v, err := tn.Float32()
		require.NoError(t, err)
		name := strings.Replace(n, ".attentions.0.to_q.", ".attentions.0.query.", 1) // a pre-0.14 diffusers VAE
		sd.add(name, contiguous(f32Storage(strings.Repeat("s", i+1), v...), tn.Shape...))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "vae", "diffusion_pytorch_model.bin"), torchBytes(t, sd, zip.Store), 0o644))
	m := loadTiny(t, dir, Options{})
	requireSameWeights(t, ref.VAE, m.VAE)
}

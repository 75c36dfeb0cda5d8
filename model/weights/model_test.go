package weights

import (
	"maps"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sdgo/sdgo/model/safetensors"
)

const fixtures = "../../testdata/fixtures/models/"

// The tiny LDM files cannot say how many attention heads they have (shapes never do, and
// the tiny widths break the SD rules), so the tests pass the fixture's diffusers config
// folder as Options.Config — as diffusers' from_single_file(config=...) would.
func loadTiny(t *testing.T, ref string, opt Options) *Model {
	t.Helper()
	m, err := Load(ref, opt)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, m.Close()) })
	return m
}

// requireSameWeights checks that a and b hold the same internal names with the same shapes
// and bit-identical values (all fixtures are F16).
func requireSameWeights(t *testing.T, a, b *Weights) {
	t.Helper()
	require.Equal(t, a.Names(), b.Names(), "%s names", a.Component)
	for _, n := range a.Names() {
		ta, _ := a.Tensor(n)
		tb, _ := b.Tensor(n)
		require.Equal(t, ta.Shape, tb.Shape, n)
		va, vb := make([]uint16, ta.NumElements()), make([]uint16, tb.NumElements())
		require.NoError(t, ta.ReadFloat16(va, 0))
		require.NoError(t, tb.ReadFloat16(vb, 0))
		require.Equal(t, va, vb, "values of %s (%s vs %s)", n, ta.Key, tb.Key)
	}
}

func TestTinySD1SingleFileMatchesDiffusers(t *testing.T) {
	ldm := loadTiny(t, fixtures+"tiny-sd1.fp16.safetensors", Options{Config: fixtures + "tiny-sd1"})
	diff := loadTiny(t, fixtures+"tiny-sd1", Options{})
	require.False(t, ldm.Source.Diffusers)
	require.True(t, diff.Source.Diffusers)
	for _, c := range []Component{TextEncoder, UNet, VAE} {
		requireSameWeights(t, ldm.Weights(c), diff.Weights(c))
	}
	require.Equal(t, diff.Config, ldm.Config)
	want := Config{
		Arch: SD1, Prediction: Epsilon,
		UNet: UNetConfig{InChannels: 4, OutChannels: 4, BlockOutChannels: []int{32, 64}, LayersPerBlock: 2,
			DownAttention: []bool{true, false}, UpAttention: []bool{false, true}, TransformerDepth: 1,
			Heads: []int{8, 8}, CrossAttentionDim: 32, TimeEmbedDim: 128},
		Text: TextConfig{VocabSize: 49408, MaxPositions: 77, Hidden: 32, Intermediate: 37, Layers: 2, Heads: 4, Act: "quick_gelu"},
		VAE: VAEConfig{InChannels: 3, OutChannels: 3, LatentChannels: 4, BlockOutChannels: []int{32, 32, 32, 64},
			LayersPerBlock: 2, ScalingFactor: 0.18215},
	}
	require.Equal(t, want, diff.Config)
	// The VAE attention 1x1 convolutions became linears; SD1 proj_in stays a 1x1 conv.
	q, err := ldm.VAE.Tensor("decoder.mid_block.attentions.0.to_q.weight", 64, 64)
	require.NoError(t, err)
	require.Equal(t, "first_stage_model.decoder.mid.attn_1.q.weight", q.Key)
	_, err = ldm.UNet.Tensor("down_blocks.0.attentions.0.proj_in.weight", 32, 32, 1, 1)
	require.NoError(t, err)
	up, err := ldm.VAE.Tensor("decoder.up_blocks.0.upsamplers.0.conv.weight")
	require.NoError(t, err)
	require.Equal(t, "first_stage_model.decoder.up.3.upsample.conv.weight", up.Key)
	// Config.TensorShapes reproduces the real names and shapes.
	for _, c := range []Component{TextEncoder, UNet, VAE} {
		require.Equal(t, shapesOf(diff.Weights(c)), want.TensorShapes(c), "%s", c)
	}
}

func shapesOf(w *Weights) map[string][]int {
	out := map[string][]int{}
	for _, n := range w.Names() {
		t, _ := w.Tensor(n)
		out[n] = t.Shape
	}
	return out
}

func TestTinySD1InpaintUNet(t *testing.T) {
	base := loadTiny(t, fixtures+"tiny-sd1", Options{})
	inpaint := loadTiny(t, fixtures+"tiny-sd1", Options{UNet: fixtures + "tiny-sd1-inpaint-unet"})
	require.True(t, inpaint.Config.UNet.Inpainting())
	require.False(t, base.Config.UNet.Inpainting())
	require.Equal(t, 9, inpaint.Config.UNet.InChannels)
	require.Equal(t, base.UNet.Names(), inpaint.UNet.Names())
	for _, n := range base.UNet.Names() {
		a, _ := base.UNet.Tensor(n)
		b, _ := inpaint.UNet.Tensor(n)
		if n == "conv_in.weight" {
			require.Equal(t, []int{32, 9, 3, 3}, b.Shape)
			continue
		}
		require.Equal(t, a.Shape, b.Shape, n)
	}

	// The same UNet written in the LDM layout (a UNet-only .safetensors) loads identically.
	path := filepath.Join(t.TempDir(), "inpaint-ldm.safetensors")
	table := unetLayoutFromInternal(inpaint.UNet.Names()).table()
	writeRenamed(t, path, inpaint.UNet, func(n string) string {
		ldm, ok := table.ldm(n)
		require.True(t, ok, n)
		return "model.diffusion_model." + ldm
	})
	viaLDM := loadTiny(t, fixtures+"tiny-sd1", Options{UNet: path})
	requireSameWeights(t, inpaint.UNet, viaLDM.UNet)
	require.Equal(t, inpaint.Config, viaLDM.Config)
}

// writeRenamed writes w's tensors (as F16) to a safetensors file under new names; VAE
// attention linears are written back as LDM's [C,C,1,1].
func writeRenamed(t *testing.T, path string, w *Weights, rename func(string) string) {
	t.Helper()
	var infos []safetensors.Info
	src := map[string]*Tensor{}
	for _, n := range w.Names() {
		tn, _ := w.Tensor(n)
		name, shape := rename(n), tn.Shape
		if w.Component == VAE && len(shape) == 2 {
			shape = append(slices.Clone(shape), 1, 1)
		}
		infos = append(infos, safetensors.Info{Name: name, DType: safetensors.F16, Shape: shape})
		src[name] = tn
	}
	sw, err := safetensors.Create(path, infos, map[string]string{"format": "pt"})
	require.NoError(t, err)
	for _, name := range slices.Sorted(maps.Keys(src)) {
		tn := src[name]
		halves := make([]uint16, tn.NumElements())
		require.NoError(t, tn.ReadFloat16(halves, 0))
		b := make([]byte, 2*len(halves))
		for i, h := range halves {
			b[2*i], b[2*i+1] = byte(h), byte(h>>8)
		}
		require.NoError(t, sw.Write(name, b))
	}
	require.NoError(t, sw.Close())
}

func TestTinySD2SingleFile(t *testing.T) {
	m := loadTiny(t, fixtures+"tiny-sd2.fp16.safetensors", Options{Config: fixtures + "tiny-sd2"})
	c := m.Config
	require.Equal(t, SD2, c.Arch)
	require.Equal(t, VPrediction, c.Prediction, "scheduler_config.json says v_prediction")
	require.Equal(t, []int{32, 32, 64}, c.UNet.BlockOutChannels)
	require.Equal(t, []int{2, 2, 4}, c.UNet.Heads)
	require.True(t, c.UNet.UseLinearProjection)
	require.Equal(t, 16, c.UNet.CrossAttentionDim)
	require.Equal(t, TextConfig{VocabSize: 49408, MaxPositions: 77, Hidden: 16, Intermediate: 64, Layers: 3,
		SkipLayers: 1, Heads: 2, Act: "gelu"}, c.Text)
	for _, comp := range []Component{TextEncoder, UNet, VAE} {
		require.Equal(t, c.TensorShapes(comp), shapesOf(m.Weights(comp)), "%s", comp)
	}

	// q, k, v are the row blocks of the fused in_proj, in that order.
	raw, err := safetensors.Open(fixtures + "tiny-sd2.fp16.safetensors")
	require.NoError(t, err)
	defer raw.Close()
	for _, kind := range []string{"weight", "bias"} {
		fused, err := raw.Float32("cond_stage_model.model.transformer.resblocks.1.attn.in_proj_" + kind)
		require.NoError(t, err)
		for part, qkv := range []string{"q", "k", "v"} {
			tn, err := m.TextEncoder.Tensor("text_model.encoder.layers.1.self_attn." + qkv + "_proj." + kind)
			require.NoError(t, err)
			got, err := tn.Float32()
			require.NoError(t, err)
			n := len(fused) / 3
			require.Equal(t, fused[part*n:(part+1)*n], got, "%s_proj.%s", qkv, kind)
		}
	}
	// The tiny-sd2 VAE is tiny-sd1's.
	sd1 := loadTiny(t, fixtures+"tiny-sd1", Options{})
	requireSameWeights(t, sd1.VAE, m.VAE)

	// Without a config, the heads cannot be inferred for these widths: a clear error.
	_, err = Load(fixtures+"tiny-sd2.fp16.safetensors", Options{})
	require.ErrorContains(t, err, "cannot infer the attention heads of a 32-channel SD2.x block")
	require.ErrorContains(t, err, "Options.Config")
}

func TestPredictionOverride(t *testing.T) {
	m := loadTiny(t, fixtures+"tiny-sd2.fp16.safetensors", Options{Config: fixtures + "tiny-sd2", Prediction: Epsilon})
	require.Equal(t, Epsilon, m.Config.Prediction)
	_, err := Load(fixtures+"tiny-sd1", Options{Prediction: "sample"})
	require.ErrorContains(t, err, `prediction type "sample" is not supported`)
}

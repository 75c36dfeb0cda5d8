package weights

import (
	"encoding/binary"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var (
	sd15Config = Config{
		Arch: SD1, Prediction: Epsilon,
		UNet: UNetConfig{InChannels: 4, OutChannels: 4, BlockOutChannels: []int{320, 640, 1280, 1280}, LayersPerBlock: 2,
			DownAttention: []bool{true, true, true, false}, UpAttention: []bool{false, true, true, true}, TransformerDepth: 1,
			Heads: []int{8, 8, 8, 8}, CrossAttentionDim: 768, TimeEmbedDim: 1280},
		Text: TextConfig{VocabSize: 49408, MaxPositions: 77, Hidden: 768, Intermediate: 3072, Layers: 12, Heads: 12, Act: "quick_gelu"},
		VAE: VAEConfig{InChannels: 3, OutChannels: 3, LatentChannels: 4, BlockOutChannels: []int{128, 256, 512, 512},
			LayersPerBlock: 2, ScalingFactor: 0.18215},
	}
	sd21Config = Config{
		Arch: SD2, Prediction: VPrediction,
		UNet: UNetConfig{InChannels: 4, OutChannels: 4, BlockOutChannels: []int{320, 640, 1280, 1280}, LayersPerBlock: 2,
			DownAttention: []bool{true, true, true, false}, UpAttention: []bool{false, true, true, true}, TransformerDepth: 1,
			Heads: []int{5, 10, 20, 20}, CrossAttentionDim: 1024, UseLinearProjection: true, TimeEmbedDim: 1280},
		Text: TextConfig{VocabSize: 49408, MaxPositions: 77, Hidden: 1024, Intermediate: 4096, Layers: 24, SkipLayers: 1, Heads: 16, Act: "gelu"},
		VAE:  sd15Config.VAE,
	}
)

// writeSparseCheckpoint writes a safetensors header for the given F16 tensors and extends
// the file to its full size without writing data: a full-size checkpoint that costs no
// disk space (and reads as zeros).
func writeSparseCheckpoint(t *testing.T, path string, shapes map[string][]int) {
	t.Helper()
	header := map[string]any{}
	var offset int64
	for _, name := range slices.Sorted(maps.Keys(shapes)) {
		n := int64(2)
		for _, d := range shapes[name] {
			n *= int64(d)
		}
		header[name] = map[string]any{"dtype": "F16", "shape": shapes[name], "data_offsets": []int64{offset, offset + n}}
		offset += n
	}
	js, err := json.Marshal(header)
	require.NoError(t, err)
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, binary.Write(f, binary.LittleEndian, uint64(len(js))))
	_, err = f.Write(js)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(8+int64(len(js))+offset))
}

// ldmShapes converts a Config's internal tensors to the names and shapes of a real LDM
// single-file checkpoint.
func ldmShapes(t *testing.T, c Config) map[string][]int {
	out := map[string][]int{}
	unet := c.TensorShapes(UNet)
	table := unetLayoutFromInternal(slices.Collect(maps.Keys(unet))).table()
	for n, s := range unet {
		ldm, ok := table.ldm(n)
		require.True(t, ok, n)
		out["model.diffusion_model."+ldm] = s
	}
	vae := c.TensorShapes(VAE)
	table = vaeLayoutFromInternal(slices.Collect(maps.Keys(vae))).table()
	for n, s := range vae {
		ldm, ok := table.ldm(n)
		require.True(t, ok, n)
		if strings.Contains(n, "attentions.0.to_") && len(s) == 2 {
			s = []int{s[0], s[1], 1, 1}
		}
		out["first_stage_model."+ldm] = s
	}
	text := c.TensorShapes(TextEncoder)
	if c.Arch == SD1 {
		for n, s := range text {
			out["cond_stage_model.transformer."+n] = s
		}
		return out
	}
	table = openCLIPTable(c.Text.Layers)
	for n, s := range text {
		ldm, ok := table.ldm(n)
		require.True(t, ok, n)
		switch {
		case strings.Contains(ldm, ".attn.in_proj.q."):
			kind := ldm[strings.LastIndexByte(ldm, '.')+1:]
			ldm = ldm[:strings.Index(ldm, ".attn.in_proj.")] + ".attn.in_proj_" + kind
			s = append([]int{3 * s[0]}, s[1:]...)
		case strings.Contains(ldm, ".attn.in_proj."):
			continue // k and v are part of the fused tensor
		}
		out["cond_stage_model.model."+ldm] = s
	}
	out["cond_stage_model.model.text_projection"] = []int{1024, 1024}
	out["cond_stage_model.model.logit_scale"] = []int{}
	return out
}

func TestFullSizeSD15(t *testing.T) {
	shapes := ldmShapes(t, sd15Config)
	// Names and shapes known from the real v1-5-pruned-emaonly checkpoint.
	for name, shape := range map[string][]int{
		"model.diffusion_model.input_blocks.0.0.weight":                                      {320, 4, 3, 3},
		"model.diffusion_model.input_blocks.3.0.op.weight":                                   {320, 320, 3, 3},
		"model.diffusion_model.input_blocks.4.0.skip_connection.weight":                      {640, 320, 1, 1},
		"model.diffusion_model.middle_block.1.transformer_blocks.0.attn2.to_k.weight":        {1280, 768},
		"model.diffusion_model.output_blocks.2.1.conv.weight":                                {1280, 1280, 3, 3},
		"model.diffusion_model.output_blocks.5.2.conv.weight":                                {1280, 1280, 3, 3},
		"model.diffusion_model.output_blocks.8.2.conv.weight":                                {640, 640, 3, 3},
		"model.diffusion_model.output_blocks.3.0.in_layers.0.weight":                         {2560},
		"model.diffusion_model.output_blocks.11.1.proj_out.weight":                           {320, 320, 1, 1},
		"model.diffusion_model.output_blocks.11.1.transformer_blocks.0.ff.net.0.proj.weight": {2560, 320},
		"model.diffusion_model.time_embed.2.weight":                                          {1280, 1280},
		"model.diffusion_model.out.2.weight":                                                 {4, 320, 3, 3},
		"first_stage_model.encoder.down.1.block.0.nin_shortcut.weight":                       {256, 128, 1, 1},
		"first_stage_model.decoder.up.0.block.0.nin_shortcut.weight":                         {128, 256, 1, 1},
		"first_stage_model.decoder.up.3.upsample.conv.weight":                                {512, 512, 3, 3},
		"first_stage_model.encoder.mid.attn_1.q.weight":                                      {512, 512, 1, 1},
		"cond_stage_model.transformer.text_model.encoder.layers.11.mlp.fc1.weight":           {3072, 768},
	} {
		require.Equal(t, shape, shapes[name], name)
	}
	counts := map[string]int{}
	for n := range shapes {
		counts[n[:strings.IndexByte(n, '.')]]++
	}
	require.Equal(t, map[string]int{"model": 686, "first_stage_model": 248, "cond_stage_model": 196}, counts)
	shapes["cond_stage_model.transformer.text_model.embeddings.position_ids"] = []int{1, 77} // dropped buffer
	shapes["model_ema.decay"] = []int{}                                                      // ignored

	path := filepath.Join(t.TempDir(), "v1-5-pruned-emaonly.safetensors")
	writeSparseCheckpoint(t, path, shapes)
	m := loadTiny(t, path, Options{})
	require.Equal(t, sd15Config, m.Config)
	require.Len(t, m.UNet.Names(), 686)
}

func TestFullSizeSD21(t *testing.T) {
	shapes := ldmShapes(t, sd21Config)
	require.Equal(t, []int{3072, 1024}, shapes["cond_stage_model.model.transformer.resblocks.23.attn.in_proj_weight"])
	require.Equal(t, []int{1280, 1280}, shapes["model.diffusion_model.middle_block.1.proj_in.weight"])
	path := filepath.Join(t.TempDir(), "v2-1_768-ema-pruned.safetensors")
	writeSparseCheckpoint(t, path, shapes)
	m := loadTiny(t, path, Options{})
	require.Equal(t, sd21Config, m.Config, "the 768 file name means v-prediction")

	base := filepath.Join(t.TempDir(), "v2-1_512-ema-pruned.safetensors")
	require.NoError(t, os.Rename(path, base))
	m = loadTiny(t, base, Options{})
	require.Equal(t, Epsilon, m.Config.Prediction)
	require.NoError(t, os.WriteFile(strings.TrimSuffix(base, ".safetensors")+".yaml",
		[]byte("model:\n  params:\n    parameterization: \"v\" # v-prediction\n"), 0o644))
	m = loadTiny(t, base, Options{})
	require.Equal(t, VPrediction, m.Config.Prediction, "companion YAML")
}

package weights

import (
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sdgo/sdgo/model/safetensors"
)

// fTensor is a float32 test tensor.
type fTensor struct {
	shape []int
	vals  []float32
}

func randTensor(rng *rand.Rand, shape ...int) fTensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return fTensor{shape, v}
}

// writeSafetensors writes F32 tensors to a safetensors file.
func writeSafetensors(t *testing.T, path string, tensors map[string]fTensor) {
	t.Helper()
	var infos []safetensors.Info
	for name, ft := range tensors {
		infos = append(infos, safetensors.Info{Name: name, DType: safetensors.F32, Shape: ft.shape})
	}
	w, err := safetensors.Create(path, infos, nil)
	require.NoError(t, err)
	for _, name := range slices.Sorted(maps.Keys(tensors)) {
		b := make([]byte, 4*len(tensors[name].vals))
		require.NoError(t, safetensors.EncodeFloat32(b, tensors[name].vals, safetensors.F32))
		require.NoError(t, w.Write(name, b))
	}
	require.NoError(t, w.Close())
}

// expectMerged computes w + scale·up·down in float64, independently of Apply.
func expectMerged(w []float32, up, down fTensor, scale float64) []float32 {
	out, rank := up.shape[0], up.shape[1]
	in := len(down.vals) / rank
	res := make([]float32, len(w))
	for o := range out {
		for k := range in {
			s := 0.0
			for r := range rank {
				s += float64(up.vals[o*rank+r]) * float64(down.vals[r*in+k])
			}
			res[o*in+k] = float32(float64(w[o*in+k]) + scale*s)
		}
	}
	return res
}

func baseWeight(t *testing.T, m *Model, c Component, name string) []float32 {
	tn, err := m.Weights(c).Tensor(name)
	require.NoError(t, err)
	v, err := tn.Float32()
	require.NoError(t, err)
	return v
}

func TestLoRAMerge(t *testing.T) {
	m := loadTiny(t, fixtures+"tiny-sd1", Options{})
	rng := rand.New(rand.NewPCG(1, 2))
	dir := t.TempDir()

	const rank = 2
	toQ := "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight"
	conv := "down_blocks.0.resnets.0.conv1.weight"        // [32,32,3,3]
	projIn := "down_blocks.0.attentions.0.proj_in.weight" // [32,32,1,1], named the LDM way below
	textQ := "text_model.encoder.layers.0.self_attn.q_proj.weight"
	kohya := map[string]fTensor{
		"lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q.lora_down.weight": randTensor(rng, rank, 32),
		"lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q.lora_up.weight":   randTensor(rng, 32, rank),
		"lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q.alpha":            {[]int{}, []float32{1}},
		"lora_unet_down_blocks_0_resnets_0_conv1.lora_down.weight":                              randTensor(rng, rank, 32, 3, 3),
		"lora_unet_down_blocks_0_resnets_0_conv1.lora_up.weight":                                randTensor(rng, 32, rank, 1, 1),
		"lora_unet_down_blocks_0_resnets_0_conv1.alpha":                                         {[]int{}, []float32{4}},
		"lora_unet_input_blocks_1_1_proj_in.lora_down.weight":                                   randTensor(rng, rank, 32, 1, 1),
		"lora_unet_input_blocks_1_1_proj_in.lora_up.weight":                                     randTensor(rng, 32, rank, 1, 1),
		"lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight":                 randTensor(rng, rank, 32),
		"lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight":                   randTensor(rng, 32, rank),
		"lora_unet_not_a_layer.lora_down.weight":                                                randTensor(rng, rank, 4),
		"lora_unet_not_a_layer.lora_up.weight":                                                  randTensor(rng, 4, rank),
	}
	kohyaPath := filepath.Join(dir, "style.safetensors")
	writeSafetensors(t, kohyaPath, kohya)
	peft := map[string]fTensor{
		"unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.lora_A.weight": randTensor(rng, 1, 32),
		"unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.lora_B.weight": randTensor(rng, 32, 1),
	}
	peftPath := filepath.Join(dir, "pytorch_lora_weights.safetensors")
	writeSafetensors(t, peftPath, peft)

	style, err := LoadLoRA(kohyaPath)
	require.NoError(t, err)
	detail, err := LoadLoRA(peftPath)
	require.NoError(t, err)
	lm, err := NewLoRAMerger(m, LoRAWeight{style, 0.8}, LoRAWeight{detail, 0.5})
	require.NoError(t, err)
	require.Equal(t, []string{kohyaPath + ": lora_unet_not_a_layer"}, lm.Unmatched)

	pre := "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q"
	want := expectMerged(baseWeight(t, m, UNet, toQ), kohya[pre+".lora_up.weight"], kohya[pre+".lora_down.weight"], 0.8*1.0/rank)
	want = expectMerged(want, peft["unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.lora_B.weight"],
		peft["unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.lora_A.weight"], 0.5) // no alpha: scale 1
	pre = "lora_unet_down_blocks_0_resnets_0_conv1"
	wantConv := expectMerged(baseWeight(t, m, UNet, conv), kohya[pre+".lora_up.weight"], kohya[pre+".lora_down.weight"], 0.8*4.0/rank)
	pre = "lora_unet_input_blocks_1_1_proj_in"
	wantProj := expectMerged(baseWeight(t, m, UNet, projIn), kohya[pre+".lora_up.weight"], kohya[pre+".lora_down.weight"], 0.8)
	pre = "lora_te_text_model_encoder_layers_0_self_attn_q_proj"
	wantText := expectMerged(baseWeight(t, m, TextEncoder, textQ), kohya[pre+".lora_up.weight"], kohya[pre+".lora_down.weight"], 0.8)

	for _, c := range []struct {
		comp  Component
		name  string
		n     int
		want  []float32
		label string
	}{
		{UNet, toQ, 2, want, "linear, two LoRAs"},
		{UNet, conv, 1, wantConv, "3x3 conv"},
		{UNet, projIn, 1, wantProj, "1x1 conv via its LDM name"},
		{TextEncoder, textQ, 1, wantText, "text encoder"},
		{UNet, "conv_in.weight", 0, baseWeight(t, m, UNet, "conv_in.weight"), "untouched"},
	} {
		w := baseWeight(t, m, c.comp, c.name)
		n, err := lm.Apply(c.comp, c.name, w)
		require.NoError(t, err)
		require.Equal(t, c.n, n, c.label)
		require.InDeltaSlice(t, c.want, w, 1e-5, c.label)
	}
	_, err = lm.Apply(UNet, toQ, make([]float32, 3))
	require.ErrorContains(t, err, "has 3 elements, want 1024")
}

func TestLoRAFromTorchFile(t *testing.T) {
	m := loadTiny(t, fixtures+"tiny-sd1", Options{})
	down := make([]float32, 37)
	down[0] = 1
	up := make([]float32, 32)
	up[3] = 2
	root := (&pDict{}).
		add("lora_te_text_model_encoder_layers_1_mlp_fc2.lora_down.weight", contiguous(f32Storage("0", down...), 1, 37)).
		add("lora_te_text_model_encoder_layers_1_mlp_fc2.lora_up.weight", contiguous(f32Storage("1", up...), 32, 1)).
		add("lora_te_text_model_encoder_layers_1_mlp_fc2.alpha", contiguous(f32Storage("2", 0.5), 1))
	path := filepath.Join(t.TempDir(), "tiny.pt")
	writeTorchFile(t, path, root)
	l, err := LoadLoRA(path)
	require.NoError(t, err)
	lm, err := NewLoRAMerger(m, LoRAWeight{l, 1})
	require.NoError(t, err)
	name := "text_model.encoder.layers.1.mlp.fc2.weight" // [32, 37]
	w := baseWeight(t, m, TextEncoder, name)
	base := slices.Clone(w)
	_, err = lm.Apply(TextEncoder, name, w)
	require.NoError(t, err)
	base[3*37] += 2 * 0.5 // up[3]·down[0] × alpha/rank
	require.Equal(t, base, w)
}

func TestLoRAErrors(t *testing.T) {
	m := loadTiny(t, fixtures+"tiny-sd1", Options{})
	rng := rand.New(rand.NewPCG(3, 4))
	dir := t.TempDir()
	for name, c := range map[string]struct {
		tensors map[string]fTensor
		want    string
	}{
		"sdxl": {map[string]fTensor{"lora_te2_text_model_encoder_layers_0_mlp_fc1.lora_up.weight": randTensor(rng, 4, 1)},
			"SDXL LoRA (lora_te2_* keys) is not supported"},
		"loha": {map[string]fTensor{"lora_unet_conv_in.hada_w1_a": randTensor(rng, 4, 1)},
			`unsupported LoRA tensor "lora_unet_conv_in.hada_w1_a"`},
		"half": {map[string]fTensor{"lora_unet_conv_in.lora_up.weight": randTensor(rng, 32, 1, 1, 1)},
			`LoRA module "lora_unet_conv_in" lacks its up or down weight`},
		"rank": {map[string]fTensor{"lora_unet_conv_in.lora_up.weight": randTensor(rng, 32, 2, 1, 1), "lora_unet_conv_in.lora_down.weight": randTensor(rng, 1, 4, 3, 3)},
			"are not a low-rank pair"},
	} {
		path := filepath.Join(dir, name+".safetensors")
		writeSafetensors(t, path, c.tensors)
		_, err := LoadLoRA(path)
		require.ErrorContains(t, err, c.want, name)
		require.ErrorContains(t, err, path, name)
	}

	path := filepath.Join(dir, "mismatch.safetensors") // conv_in takes 4 channels, not 8
	writeSafetensors(t, path, map[string]fTensor{
		"lora_unet_conv_in.lora_up.weight": randTensor(rng, 32, 1, 1, 1), "lora_unet_conv_in.lora_down.weight": randTensor(rng, 1, 8, 3, 3)})
	l, err := LoadLoRA(path)
	require.NoError(t, err)
	_, err = NewLoRAMerger(m, LoRAWeight{l, 1})
	require.ErrorContains(t, err, `LoRA module "lora_unet_conv_in" (down [1 8 3 3], up [32 1 1 1]) does not fit unet weight "conv_in.weight" of shape [32 4 3 3]`)

	path = filepath.Join(dir, "other.safetensors")
	writeSafetensors(t, path, map[string]fTensor{
		"lora_unet_label_emb_0_0.lora_up.weight": randTensor(rng, 32, 1), "lora_unet_label_emb_0_0.lora_down.weight": randTensor(rng, 1, 8)})
	l, err = LoadLoRA(path)
	require.NoError(t, err)
	_, err = NewLoRAMerger(m, LoRAWeight{l, 1})
	require.ErrorContains(t, err, "LoRA matches no weight of this SD1.x model")
}

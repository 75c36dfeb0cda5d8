package weights

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLoadEmbeddings(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(5, 6))
	vecs := randTensor(rng, 2, 32)

	// A1111 .pt with string_to_param as a plain dict.
	a1111 := filepath.Join(dir, "my-style.pt")
	writeTorchFile(t, a1111, (&pDict{plain: true}).
		add("string_to_token", (&pDict{plain: true}).add("*", 265)).
		add("string_to_param", (&pDict{plain: true}).add("*", contiguous(f32Storage("0", vecs.vals...), 2, 32))).
		add("name", "my-style").add("step", 3000))
	// The original textual_inversion repo pickles string_to_param as a ParameterDict module.
	module := filepath.Join(dir, "old-style.pt")
	writeTorchFile(t, module, (&pDict{plain: true}).
		add("string_to_param", &pObject{module: "torch.nn.modules.container", name: "ParameterDict",
			state: (&pDict{plain: true}).add("training", true).
				add("_parameters", (&pDict{}).add("*", &pTensor{storage: f32Storage("0", vecs.vals...), shape: []int{2, 32}, strides: []int{32, 1}, parameter: true}))}))
	// diffusers learned_embeds.bin: {token: [dim]}.
	diffusers := filepath.Join(dir, "learned_embeds.bin")
	writeTorchFile(t, diffusers, (&pDict{plain: true}).add("<cat-toy>", contiguous(f32Storage("0", vecs.vals[:32]...), 32)))
	// A1111 .safetensors (emb_params) with SD2-width vectors, and a diffusers .safetensors.
	sd2 := filepath.Join(dir, "sd2-thing.safetensors")
	wide := randTensor(rng, 3, 16)
	writeSafetensors(t, sd2, map[string]fTensor{"emb_params": wide})
	tokens := filepath.Join(dir, "tokens.safetensors")
	writeSafetensors(t, tokens, map[string]fTensor{"<a>": {[]int{1, 32}, vecs.vals[:32]}, "<b>": {[]int{32}, vecs.vals[32:]}})

	for _, c := range []struct {
		path string
		dim  int
		want map[string]Embedding
	}{
		{a1111, 32, map[string]Embedding{"my-style": {2, 32, vecs.vals}}},
		{module, 32, map[string]Embedding{"old-style": {2, 32, vecs.vals}}},
		{diffusers, 0, map[string]Embedding{"<cat-toy>": {1, 32, vecs.vals[:32]}}},
		{sd2, 16, map[string]Embedding{"sd2-thing": {3, 16, wide.vals}}},
		{tokens, 32, map[string]Embedding{"<a>": {1, 32, vecs.vals[:32]}, "<b>": {1, 32, vecs.vals[32:]}}},
	} {
		got, err := LoadEmbeddings(c.path, c.dim)
		require.NoError(t, err, c.path)
		require.Equal(t, c.want, got, c.path)
	}

	_, err := LoadEmbeddings(sd2, 32)
	require.ErrorContains(t, err, `sd2-thing.safetensors: tensor "emb_params": embedding width 16 does not match the text encoder width 32`)
	xl := filepath.Join(dir, "xl.safetensors")
	writeSafetensors(t, xl, map[string]fTensor{"clip_l": randTensor(rng, 1, 768), "clip_g": randTensor(rng, 1, 1280)})
	_, err = LoadEmbeddings(xl, 768)
	require.ErrorContains(t, err, "SDXL embedding (clip_l/clip_g) is not supported")
	empty := filepath.Join(dir, "empty.pt")
	writeTorchFile(t, empty, (&pDict{plain: true}).add("string_to_param", (&pDict{plain: true})))
	_, err = LoadEmbeddings(empty, 768)
	require.ErrorContains(t, err, "empty.pt: checkpoint contains no tensors")
}

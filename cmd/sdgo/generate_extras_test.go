package main

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sdgo/sdgo/model/safetensors"
)

func TestExtractLoRAs(t *testing.T) {
	clean, tags, err := extractLoRAs("a cat <lora:style:0.7>, on a mat <lora:detail>")
	require.NoError(t, err)
	require.Equal(t, "a cat , on a mat", clean)
	require.Equal(t, map[string]float32{"style": 0.7, "detail": 1}, tags)
	_, _, err = extractLoRAs("x <lora:style:lots>")
	require.ErrorContains(t, err, "not a number")
}

// writeF32 writes float32 tensors as a safetensors file.
func writeF32(t *testing.T, path string, tensors map[string][]float32, shapes map[string][]int) {
	var infos []safetensors.Info
	for name := range tensors {
		infos = append(infos, safetensors.Info{Name: name, DType: safetensors.F32, Shape: shapes[name]})
	}
	w, err := safetensors.Create(path, infos, nil)
	require.NoError(t, err)
	for name, v := range tensors {
		b := make([]byte, 4*len(v))
		for i, x := range v {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
		}
		require.NoError(t, w.Write(name, b))
	}
	require.NoError(t, w.Close())
}

// TestGenerateLoRAAndEmbedding runs the binary with a LoRA tag and a textual-inversion
// token: strength 0 changes nothing, strength 1 changes the image, and an embedding
// name in the prompt changes it too.
func TestGenerateLoRAAndEmbedding(t *testing.T) {
	dir := t.TempDir()
	loraDir, embDir := filepath.Join(dir, "lora"), filepath.Join(dir, "emb")
	require.NoError(t, os.MkdirAll(loraDir, 0o755))
	require.NoError(t, os.MkdirAll(embDir, 0o755))
	// A rank-2 PEFT LoRA on the first self-attention query of the tiny UNet (32×32).
	mod := "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q"
	down, up := make([]float32, 2*32), make([]float32, 32*2)
	for i := range down {
		down[i], up[i] = float32(i%7)-3, float32(i%5)-2
	}
	writeF32(t, filepath.Join(loraDir, "style.safetensors"),
		map[string][]float32{mod + ".lora_A.weight": down, mod + ".lora_B.weight": up},
		map[string][]int{mod + ".lora_A.weight": {2, 32}, mod + ".lora_B.weight": {32, 2}})
	emb := make([]float32, 2*32)
	for i := range emb {
		emb[i] = float32(i%9) - 4
	}
	writeF32(t, filepath.Join(embDir, "mytoken.safetensors"), map[string][]float32{"emb_params": emb}, map[string][]int{"emb_params": {2, 32}})

	model := filepath.Join(fixtures, "models", "tiny-sd1")
	gen := func(name, prompt string) []byte {
		out := filepath.Join(dir, name+".png")
		code, _, stderr := runBinary(t, "generate", "-m", model, "-p", prompt, "-W", "64", "-H", "64", "--steps", "2", "-s", "1",
			"--lora-dir", loraDir, "--embd-dir", embDir, "-o", out)
		require.Equal(t, 0, code, stderr)
		f, err := os.Open(out)
		require.NoError(t, err)
		defer f.Close()
		img, err := png.Decode(f)
		require.NoError(t, err)
		return img.(*image.RGBA).Pix // the metadata (which names the LoRA) aside
	}
	plain := gen("plain", "a cat")
	require.True(t, bytes.Equal(plain, gen("zero", "a cat <lora:style:0>")), "strength 0 is a no-op")
	require.False(t, bytes.Equal(plain, gen("one", "a cat <lora:style:1>")), "a LoRA changes the image")
	require.False(t, bytes.Equal(plain, gen("emb", "a cat mytoken")), "an embedding changes the image")
	code, _, stderr := runBinary(t, "generate", "-m", model, "-p", "a <lora:missing:1>", "-W", "64", "-H", "64", "--steps", "1",
		"--lora-dir", loraDir, "-o", filepath.Join(dir, "x.png"))
	require.Equal(t, exitFailure, code)
	require.Contains(t, stderr, "missing")
}

func TestInpaintStrength(t *testing.T) {
	require.Equal(t, 1.0, (&generateFlags{strength: 0.75}).inpaintStrength(), "inpainting defaults to 1")
	require.Equal(t, 0.5, (&generateFlags{strength: 0.5, strengthSet: true}).inpaintStrength())
}

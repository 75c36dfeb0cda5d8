package main

import (
	"encoding/json"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sdgo/sdgo/model/imageio"
	"github.com/sdgo/sdgo/model/safetensors"
)

const tinyModels = "../../testdata/fixtures/models/"

func TestInfoImage(t *testing.T) {
	dir := t.TempDir()
	params := imageio.Parameters{Prompt: "a photo of a cat, \"tabby\"", NegativePrompt: "blurry", Steps: 20, Sampler: "Euler a",
		CFGScale: 7, Seed: 42, Width: 8, Height: 8, ModelName: "v1-5", Version: "sdgo"}
	img := filepath.Join(dir, "cat.png")
	require.NoError(t, imageio.WritePNG(img, image.NewNRGBA(image.Rect(0, 0, 8, 8)), params.Format()))

	code, stdout, stderr := runCLI("info", img)
	require.Equal(t, 0, code, stderr)
	require.Equal(t, params.Format()+"\n", stdout)

	code, stdout, stderr = runCLI("info", "--json", img)
	require.Equal(t, 0, code, stderr)
	var got struct {
		File       string
		Text       string
		Parameters imageio.Parameters
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	require.Equal(t, params, got.Parameters)
	require.Equal(t, params.Format(), got.Text)

	plain := filepath.Join(dir, "plain.png")
	require.NoError(t, imageio.WritePNG(plain, image.NewNRGBA(image.Rect(0, 0, 8, 8)), ""))
	jpeg := filepath.Join(dir, "photo.png")
	require.NoError(t, os.WriteFile(jpeg, []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), 0o644))
	for file, msg := range map[string]string{plain: "no generation parameters", jpeg: "is a JPEG image",
		filepath.Join(dir, "missing.png"): "no such file"} {
		code, stdout, stderr = runCLI("info", file)
		require.Equal(t, exitFailure, code, file)
		require.Empty(t, stdout)
		require.Contains(t, stderr, msg)
		require.Contains(t, stderr, file)
		require.Equal(t, 1, strings.Count(stderr, "\n"), stderr)
	}
}

func TestInfoUsage(t *testing.T) {
	code, _, stderr := runCLI("info", "--bogus", "x.png")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "bogus")
	code, _, stderr = runCLI("info")
	require.Equal(t, exitUsage, code)
	require.Contains(t, stderr, "want one argument")
	code, _, _ = runCLI("info", "a.png", "b.png")
	require.Equal(t, exitUsage, code)
}

// prefixCount sums the elements of the tensors whose names start with prefix.
func prefixCount(t *testing.T, f *safetensors.File, prefix string) int {
	n := 0
	for _, name := range f.Names() {
		if strings.HasPrefix(name, prefix) && !strings.HasSuffix(name, "position_ids") {
			e := 1
			for _, d := range f.Info(name).Shape {
				e *= d
			}
			n += e
		}
	}
	return n
}

func TestInfoModel(t *testing.T) {
	ckpt := tinyModels + "tiny-sd1.fp16.safetensors"
	code, stdout, stderr := runCLI("info", "--config", tinyModels+"tiny-sd1", ckpt)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "architecture: SD1.x")
	require.Contains(t, stdout, "prediction:   epsilon")
	require.Contains(t, stdout, "inpainting:   no")
	require.Contains(t, stdout, "unet:         1106212 (1.1M) parameters, 304 tensors, F16; 4 -> 4 channels, blocks [32 64], heads [8 8]")
	require.Contains(t, stdout, "width 32, 2 layers (0 unused), 4 heads, quick_gelu")

	code, stdout, stderr = runCLI("info", "--json", "--config", tinyModels+"tiny-sd1", ckpt)
	require.Equal(t, 0, code, stderr)
	var got struct {
		Arch       string
		Inpainting bool
		Components []componentInfo
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	require.Equal(t, "SD1.x", got.Arch)
	require.False(t, got.Inpainting)
	// Counts agree with the checkpoint's own tensors (LDM names).
	f, err := safetensors.Open(ckpt)
	require.NoError(t, err)
	defer f.Close()
	want := map[string]int{"unet": prefixCount(t, f, "model.diffusion_model."), "vae": prefixCount(t, f, "first_stage_model."),
		"text_encoder": prefixCount(t, f, "cond_stage_model.")}
	require.Len(t, got.Components, 3)
	for _, c := range got.Components {
		require.Equal(t, want[c.Name], c.Parameters, c.Name)
		require.Equal(t, map[string]int{"F16": c.Parameters}, c.DTypes)
	}
	require.Equal(t, 4, got.Components[0].InChannels)
	require.Equal(t, 3, got.Components[1].OutChannels)

	// Without the config the tiny model's head counts cannot be inferred: a one-line error.
	code, _, stderr = runCLI("info", ckpt)
	require.Equal(t, exitFailure, code)
	require.Contains(t, stderr, "pass --config DIR")
	code, _, stderr = runCLI("info", filepath.Join(t.TempDir()))
	require.Equal(t, exitFailure, code)
	require.NotEmpty(t, stderr)
}

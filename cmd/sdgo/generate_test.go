package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sdgo/sdgo/model/imageio"
	"github.com/sdgo/sdgo/model/safetensors"
)

const fixtures = "../../testdata/fixtures"

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// sdgoBinary builds the CLI once for the tests that drive the real binary.
func sdgoBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sdgo-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "sdgo")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = err
			t.Log(string(out))
		}
	})
	require.NoError(t, binErr)
	return binPath
}

// runBinary runs the built CLI and returns its exit code, stdout and stderr.
func runBinary(t *testing.T, args ...string) (int, string, string) {
	cmd := exec.Command(sdgoBinary(t), args...)
	cmd.Env = append(os.Environ(), "SDGO_CACHE_DIR="+filepath.Join(os.TempDir(), "sdgo-test-cache", "sdgo-cli")) // see fixture.Device
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return code, out.String(), errb.String()
}

func goldenFile(t *testing.T, id string) *safetensors.File {
	f, err := safetensors.Open(filepath.Join(fixtures, "goldens", id+".safetensors"))
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	return f
}

// writeGoldenPNG writes a golden u8 image ([H,W,3] or [H,W]) as a PNG file.
func writeGoldenPNG(t *testing.T, g *safetensors.File, name, path string) {
	u8, err := g.Bytes(name)
	require.NoError(t, err)
	shape := g.Info(name).Shape
	var img image.Image
	if len(shape) == 2 {
		img = &image.Gray{Pix: u8, Stride: shape[1], Rect: image.Rect(0, 0, shape[1], shape[0])}
	} else {
		rgba := image.NewNRGBA(image.Rect(0, 0, shape[1], shape[0]))
		for i := 0; i < shape[0]*shape[1]; i++ {
			copy(rgba.Pix[4*i:], u8[3*i:3*i+3])
			rgba.Pix[4*i+3] = 255
		}
		img = rgba
	}
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, img))
	require.NoError(t, f.Close())
}

// requireMatchesGolden compares the PNG with the golden decoded image turned into 8 bits
// by diffusers' rule: every channel within 1 (float rounding can flip a rounding).
func requireMatchesGolden(t *testing.T, pngPath string, g *safetensors.File) {
	decoded, err := g.Float32("decoded")
	require.NoError(t, err)
	shape := g.Info("decoded").Shape
	want, err := imageio.ToImages(decoded, shape[0], shape[2], shape[3])
	require.NoError(t, err)
	f, err := os.Open(pngPath)
	require.NoError(t, err)
	defer f.Close()
	got, err := png.Decode(f)
	require.NoError(t, err)
	require.Equal(t, want[0].Bounds(), got.Bounds())
	worst := 0
	for y := 0; y < shape[2]; y++ {
		for x := 0; x < shape[3]; x++ {
			r, gg, b, _ := got.At(x, y).RGBA()
			w := want[0].NRGBAAt(x, y)
			for _, pair := range [][2]int{{int(r >> 8), int(w.R)}, {int(gg >> 8), int(w.G)}, {int(b >> 8), int(w.B)}} {
				worst = max(worst, abs(pair[0]-pair[1]))
			}
		}
	}
	t.Logf("%s: largest 8-bit difference from the golden: %d", filepath.Base(pngPath), worst)
	require.LessOrEqual(t, worst, 1)
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// TestGenerateReproducesFixtures runs the built binary with nothing but each fixture
// case's settings and compares the PNG with diffusers' image.
func TestGenerateReproducesFixtures(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(fixtures, "models", "tiny-sd1")
	cases := []struct {
		id   string
		args []string
	}{
		{"txt2img_sd1_euler_a", []string{"-m", model, "-p", "a photo of an astronaut riding a horse on mars", "-n", "blurry, low quality",
			"-W", "64", "-H", "64", "--steps", "8", "--cfg-scale", "7.5", "-s", "42", "--sampler", "euler_a"}},
		{"txt2img_sd2_dpmpp_2m", []string{"-m", filepath.Join(fixtures, "models", "tiny-sd2.fp16.safetensors"), "--config", filepath.Join(fixtures, "models", "tiny-sd2"),
			"-p", "a photo of an astronaut riding a horse on mars", "-n", "blurry, low quality", "-W", "64", "-H", "64", "--steps", "8", "--cfg-scale", "7.5", "-s", "42", "--sampler", "dpm++2m"}},
		{"img2img_sd1_ddim", []string{"-m", model, "-p", "a watercolor painting of a red fox in the snow", "-W", "64", "-H", "64", "--steps", "10",
			"--cfg-scale", "7.5", "-s", "42", "--sampler", "ddim", "--strength", "0.6", "-i", "INIT"}},
		{"inpaint_sd1_ddim", []string{"-m", model, "--unet", filepath.Join(fixtures, "models", "tiny-sd1-inpaint-unet"),
			"-p", "a photo of an astronaut riding a horse on mars", "-n", "blurry, low quality", "-W", "64", "-H", "64", "--steps", "8",
			"--cfg-scale", "7.5", "-s", "42", "--sampler", "ddim", "-i", "INIT", "--mask", "MASK"}},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			g := goldenFile(t, c.id)
			out := filepath.Join(dir, c.id+".png")
			args := append([]string{"generate", "-o", out}, c.args...)
			for i, a := range args {
				switch a {
				case "INIT":
					args[i] = filepath.Join(dir, c.id+"_init.png")
					writeGoldenPNG(t, g, "image_u8", args[i])
				case "MASK":
					args[i] = filepath.Join(dir, c.id+"_mask.png")
					writeGoldenPNG(t, g, "mask_u8", args[i])
				}
			}
			code, stdout, stderr := runBinary(t, args...)
			require.Equal(t, 0, code, stderr)
			require.Contains(t, stdout, out)
			requireMatchesGolden(t, out, g)
		})
	}
}

// TestGenerateDeterministicWithMetadata checks that a seed gives identical bytes, that
// the PNG carries the A1111 parameters, that batches are numbered, and that --json works.
func TestGenerateDeterministicWithMetadata(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(fixtures, "models", "tiny-sd1")
	common := []string{"generate", "-m", model, "-p", "a (red:1.3) cube, BREAK on a table", "-W", "64", "-H", "64", "--steps", "3", "-s", "9"}
	var files [][]byte
	for i := 0; i < 2; i++ {
		out := filepath.Join(dir, "same.png")
		code, _, stderr := runBinary(t, append(common, "-o", out)...)
		require.Equal(t, 0, code, stderr)
		data, err := os.ReadFile(out)
		require.NoError(t, err)
		files = append(files, data)
	}
	require.Equal(t, files[0], files[1], "same seed, same bytes")
	text, err := imageio.ReadParameters(filepath.Join(dir, "same.png"))
	require.NoError(t, err)
	p := imageio.Parse(text)
	require.Equal(t, "a (red:1.3) cube, BREAK on a table", p.Prompt)
	require.Equal(t, int64(9), p.Seed)
	require.Equal(t, 3, p.Steps)
	require.Equal(t, 64, p.Width)
	code, stdout, _ := runCLI("info", filepath.Join(dir, "same.png"))
	require.Equal(t, 0, code)
	require.Contains(t, stdout, "Seed: 9")

	code, stdout, stderr := runBinary(t, append(common, "-o", filepath.Join(dir, "batch.png"), "-b", "2", "--batch-size", "2", "--json")...)
	require.Equal(t, 0, code, stderr)
	var sum summary
	require.NoError(t, json.Unmarshal([]byte(stdout), &sum))
	require.Len(t, sum.Files, 4)
	require.Equal(t, []uint64{9, 10}, sum.Seeds)
	for i := 1; i <= 4; i++ {
		require.FileExists(t, filepath.Join(dir, "batch_"+string(rune('0'+i))+".png"))
	}
}

// TestGenerateBadInput checks one-line errors and exit codes for bad flags and files,
// and that failures leave no output file.
func TestGenerateBadInput(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(fixtures, "models", "tiny-sd1")
	out := filepath.Join(dir, "never.png")
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-m", model}, exitUsage, "--prompt is required"},
		{[]string{"-m", model, "-p", "x", "--steps", "0"}, exitUsage, "--steps 0"},
		{[]string{"-m", model, "-p", "x", "-W", "100"}, exitUsage, "--width 100"},
		{[]string{"-m", model, "-p", "x", "-H", "-8"}, exitUsage, "--height -8"},
		{[]string{"-m", model, "-p", "x", "--sampler", "bogus"}, exitUsage, `--sampler "bogus"`},
		{[]string{"-m", model, "-p", "x", "--schedule", "cosine"}, exitUsage, `--schedule "cosine"`},
		{[]string{"-m", model, "-p", "x", "--outpaint", "1,2"}, exitUsage, "--outpaint"},
		{[]string{"-m", model, "-p", "x", "--mask", "m.png"}, exitUsage, "--init-img"},
		{[]string{"-m", model, "-p", "x", "--frobnicate"}, exitUsage, "frobnicate"},
		{[]string{"-m", model, "-p", "x", "-o", filepath.Join(dir, "no-such-dir", "x.png")}, exitUsage, "does not exist"},
		{[]string{"-m", filepath.Join(dir, "missing.safetensors"), "-p", "x"}, exitFailure, "missing.safetensors"},
		{[]string{"-m", model, "-p", "x", "-i", filepath.Join(dir, "missing.png")}, exitFailure, "missing.png"},
	} {
		code, _, stderr := runCLI(append([]string{"generate", "-o", out}, c.args...)...)
		require.Equal(t, c.code, code, "%v: %s", c.args, stderr)
		require.Contains(t, stderr, c.msg, c.args)
		require.NoFileExists(t, out)
	}
	// A corrupt checkpoint.
	bad := filepath.Join(dir, "bad.safetensors")
	require.NoError(t, os.WriteFile(bad, []byte("\x10\x00\x00\x00\x00\x00\x00\x00{not json}"), 0o644))
	code, _, stderr := runCLI("generate", "-o", out, "-m", bad, "-p", "x")
	require.Equal(t, exitFailure, code)
	require.Contains(t, stderr, "bad.safetensors")
	require.NoFileExists(t, out)
}

// TestGenerateOutpaint extends a 64×64 image by 64 px on the right with an ordinary
// model (mask blending): the output covers the enlarged 128×64 canvas.
func TestGenerateOutpaint(t *testing.T) {
	dir := t.TempDir()
	g := goldenFile(t, "img2img_sd1_ddim")
	init := filepath.Join(dir, "init.png")
	writeGoldenPNG(t, g, "image_u8", init)
	out := filepath.Join(dir, "wide.png")
	code, _, stderr := runBinary(t, "generate", "-m", filepath.Join(fixtures, "models", "tiny-sd1"), "-p", "more of the same",
		"-i", init, "--outpaint", "0,64,0,0", "--steps", "4", "--sampler", "ddim", "-s", "2", "-o", out)
	require.Equal(t, 0, code, stderr)
	f, err := os.Open(out)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	require.Equal(t, image.Rect(0, 0, 128, 64), img.Bounds())
}

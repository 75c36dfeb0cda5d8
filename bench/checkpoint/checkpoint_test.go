package checkpoint

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sdgo/sdgo/model/safetensors"
)

// TestTinyMatchesFixtureLayout generates the tiny-sd1 architecture and checks that it
// has exactly the tensor names and shapes of the fixture checkpoint written by the
// reference tools — the same key-generation code writes the full-size models.
func TestTinyMatchesFixtureLayout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tiny.safetensors")
	require.NoError(t, Write(path, TinySD1, 1))
	got, err := safetensors.Open(path)
	require.NoError(t, err)
	defer got.Close()
	want, err := safetensors.Open("../../testdata/fixtures/models/tiny-sd1.fp16.safetensors")
	require.NoError(t, err)
	defer want.Close()
	require.Equal(t, want.Names(), got.Names())
	for _, n := range want.Names() {
		require.Equal(t, want.Info(n).Shape, got.Info(n).Shape, n)
	}
	ids, err := got.Int64("cond_stage_model.transformer.text_model.embeddings.position_ids")
	require.NoError(t, err)
	require.Equal(t, int64(76), ids[76])
	// The schedule buffers match the fixture's (which are fp16 copies).
	for _, n := range scheduleNames {
		g, _ := got.Float32(n)
		w, _ := want.Float32(n)
		for i := range w {
			require.InDelta(t, w[i], g[i], 2e-3*(1+float64(abs(w[i]))), "%s[%d]", n, i)
		}
	}
}

func abs(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

// TestDeterministic writes the tiny checkpoint twice and checks the bytes and their
// recorded hash: any change to the generator's output must be deliberate.
func TestDeterministic(t *testing.T) {
	dir := t.TempDir()
	var sums []string
	for i := 0; i < 2; i++ {
		path := filepath.Join(dir, "c.safetensors")
		require.NoError(t, Write(path, TinySD1, 42))
		f, err := os.Open(path)
		require.NoError(t, err)
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		require.NoError(t, err)
		sums = append(sums, hex.EncodeToString(h.Sum(nil)))
	}
	require.Equal(t, sums[0], sums[1])
	require.Equal(t, tinySHA256, sums[0], "generator output changed; update tinySHA256 if intended")
	require.NoFileExists(t, filepath.Join(dir, "c.safetensors.partial"))
}

const tinySHA256 = "a066b99bdedfd5925d55e960ee40b82fb8323e683db429dba27a45eba9a3618e"

func TestFullSizeParamCounts(t *testing.T) {
	p := SD15.Params()
	// SD 1.5: UNet 859.52M, VAE 83.65M, CLIP text 123.06M parameters.
	require.Equal(t, int64(859520964), p["unet"])
	require.Equal(t, int64(83653863), p["vae"])
	require.Equal(t, int64(123060480), p["text"])
	p2 := SD21.Params()
	require.Equal(t, int64(865910724), p2["unet"])
}

func TestWriteErrorLeavesNoFile(t *testing.T) {
	err := Write(filepath.Join(t.TempDir(), "no-such-dir", "x.safetensors"), TinySD1, 1)
	require.Error(t, err)
	_, err = Lookup("sdxl")
	require.ErrorContains(t, err, "unknown checkpoint architecture")
}

package imageio

import (
	"image"
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sdgo/sdgo/model/safetensors"
)

const goldens = "../../testdata/fixtures/goldens"

func openGolden(t *testing.T, name string) *safetensors.File {
	t.Helper()
	f, err := safetensors.Open(filepath.Join(goldens, name+".safetensors"))
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	return f
}

// goldenImage reads an [H,W,3] uint8 tensor as an image.
func goldenImage(t *testing.T, f *safetensors.File, key string) *image.NRGBA {
	t.Helper()
	info := f.Info(key)
	require.NotNil(t, info, key)
	b, err := f.Bytes(key)
	require.NoError(t, err)
	h, w := info.Shape[0], info.Shape[1]
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range w * h {
		copy(img.Pix[4*i:], b[3*i:3*i+3])
		img.Pix[4*i+3] = 255
	}
	return img
}

// refU8 is diffusers' rule written out independently: every float32 operation is done in
// float64 and rounded to float32 (exact for a single +, * or /), then round half to even.
func refU8(x float32) uint8 {
	v := float64(float32(float64(x)/2 + 0.5))
	v = math.Min(math.Max(v, 0), 1)
	return uint8(math.RoundToEven(float64(float32(v * 255))))
}

func TestToImagesMatchesDiffusersRuleOnGoldens(t *testing.T) {
	cases := []string{"txt2img_sd1_ddim", "txt2img_sd1_ddim_batch2", "txt2img_sd2_euler", "img2img_sd1_ddim",
		"inpaint_sd1_ddim", "vae_tiny"}
	for _, name := range cases {
		f := openGolden(t, name)
		info := f.Info("decoded")
		dec, err := f.Float32("decoded")
		require.NoError(t, err)
		b, h, w := info.Shape[0], info.Shape[2], info.Shape[3]
		imgs, err := ToImages(dec, b, h, w)
		require.NoError(t, err)
		require.Len(t, imgs, b)
		f64diff := 0
		for n, img := range imgs {
			require.Equal(t, image.Rect(0, 0, w, h), img.Bounds())
			for c := range 3 {
				for i := range h * w {
					x := dec[((n*3+c)*h*w)+i]
					got := img.Pix[4*i+c]
					require.Equal(t, refU8(x), got, "%s n=%d c=%d i=%d x=%v", name, n, c, i, x)
					require.Equal(t, uint8(255), img.Pix[4*i+3])
					// The same rule in float64 agrees except, by one, next to a rounding tie.
					v := math.Min(math.Max(float64(x)/2+0.5, 0), 1) * 255
					if want := uint8(math.RoundToEven(v)); want != got {
						f64diff++
						require.InDelta(t, 0.5, v-math.Floor(v), 1e-4, "%s: %v", name, x)
						require.InDelta(t, float64(want), float64(got), 1)
					}
				}
			}
		}
		t.Logf("%s: %d values differ from the float64 rule (rounding ties)", name, f64diff)
	}
}

func TestToU8Edges(t *testing.T) {
	for x, want := range map[float32]uint8{-1: 0, 1: 255, 0: 128 /* 127.5 rounds to even */, -0.5: 64 /* 63.75 */, 0.5: 191, /* 191.25 */
		-7: 0, 9: 255, float32(math.Inf(1)): 255, float32(math.Inf(-1)): 0, float32(math.NaN()): 0} {
		require.Equal(t, want, toU8(x), "x=%v", x)
	}
	_, err := ToImages(make([]float32, 10), 1, 2, 2)
	require.ErrorContains(t, err, "[1,3,2,2]")
	_, err = ToImages(nil, 0, 2, 2)
	require.Error(t, err)
}

func TestImageTensorGoldensAndRoundTrip(t *testing.T) {
	for _, name := range []string{"img2img_sd1_ddim", "img2img_sd2_euler", "inpaint_sd1_ddim", "vae_tiny"} {
		f := openGolden(t, name)
		img := goldenImage(t, f, "image_u8")
		x := ImageTensor(img)
		h, w := img.Bounds().Dy(), img.Bounds().Dx()
		require.Len(t, x, 3*h*w)
		for y := range h {
			for xx := range w {
				for c := range 3 {
					u := img.Pix[y*img.Stride+4*xx+c]
					want := float32(float64(float32(float64(u)/255))*2 - 1)
					require.Equal(t, want, x[(c*h+y)*w+xx])
				}
			}
		}
		back, err := ToImages(x, 1, h, w)
		require.NoError(t, err)
		require.Equal(t, img.Pix, back[0].Pix, name)
	}
	// Every 8-bit value survives the round trip; u/255*2-1 and the VAE case's u/127.5-1
	// are the same float32 for every u.
	img := image.NewNRGBA(image.Rect(0, 0, 256, 1))
	for i := range 256 {
		img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = uint8(i), uint8(255-i), uint8(i), 255
	}
	x := ImageTensor(img)
	for i := range 256 {
		require.Equal(t, float32(i)/127.5-1, x[i], "u=%d", i)
	}
	back, err := ToImages(x, 1, 1, 256)
	require.NoError(t, err)
	require.Equal(t, img.Pix, back[0].Pix)
}

func goldenMask(t *testing.T, f *safetensors.File) *image.Gray {
	t.Helper()
	info := f.Info("mask_u8")
	b, err := f.Bytes("mask_u8")
	require.NoError(t, err)
	m := image.NewGray(image.Rect(0, 0, info.Shape[1], info.Shape[0]))
	copy(m.Pix, b)
	return m
}

func TestMaskGoldens(t *testing.T) {
	for _, name := range []string{"inpaint_sd1_ddim", "inpaint_sd1_euler"} {
		f := openGolden(t, name)
		m := goldenMask(t, f)
		mt := MaskTensor(m)
		for i, u := range m.Pix {
			require.Equal(t, map[bool]float32{true: 1, false: 0}[u >= 128], mt[i])
		}
		lat, err := LatentMask(mt, 64, 64, 8, 8)
		require.NoError(t, err)
		want, err := f.Float32("mask_latent")
		require.NoError(t, err)
		require.Equal(t, want, lat, name)
		// The UNet input's channel 4 is the same mask at every call, in both CFG rows.
		in, err := f.Float32("unet_input")
		require.NoError(t, err)
		for k := range len(in) / (9 * 64) {
			require.Equal(t, lat, in[k*9*64+4*64:k*9*64+5*64], "%s call/row %d", name, k)
		}
		img := ImageTensor(goldenImage(t, f, "image_u8"))
		masked, err := MaskedImage(img, mt)
		require.NoError(t, err)
		for i, v := range masked {
			if mt[i%len(mt)] == 1 {
				require.Zero(t, v)
			} else {
				require.Equal(t, img[i], v)
			}
		}
	}
	_, err := MaskedImage(make([]float32, 5), make([]float32, 2))
	require.Error(t, err)
}

func TestLatentMaskNearest(t *testing.T) {
	for _, sz := range [][4]int{{64, 64, 8, 8}, {10, 7, 3, 5}, {5, 5, 10, 10}, {3, 9, 3, 4}, {96, 40, 12, 5}} {
		h, w, lh, lw := sz[0], sz[1], sz[2], sz[3]
		m := make([]float32, h*w)
		for i := range m {
			m[i] = float32(i)
		}
		got, err := LatentMask(m, h, w, lh, lw)
		require.NoError(t, err)
		for y := range lh {
			for x := range lw {
				sy, sx := y*h/lh, x*w/lw // floor(dst*in/out) for these small sizes
				require.Equal(t, m[sy*w+sx], got[y*lw+x], "%v at %d,%d", sz, y, x)
			}
		}
	}
	_, err := LatentMask(make([]float32, 3), 2, 2, 1, 1)
	require.Error(t, err)
}

package imageio

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func randomImage(w, h int, seed uint64) *image.NRGBA {
	r := rand.New(rand.NewPCG(seed, 1))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.IntN(256))
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	return img
}

// refResize is a direct float64 evaluation of the 2-D Lanczos-3 resampling that Resize's
// Stretch does: a normalised kernel truncated to the image, widened when shrinking.
func refResize(src *image.NRGBA, w, h int) *image.NRGBA {
	sw, sh := src.Bounds().Dx(), src.Bounds().Dy()
	weights := func(i, n, m int) map[int]float64 {
		scale := float64(n) / float64(m)
		fs := math.Max(scale, 1)
		center := (float64(i) + 0.5) * scale
		ws, sum := map[int]float64{}, 0.0
		for j := range n {
			d := math.Abs(float64(j)+0.5-center) / fs
			v := 0.0
			if d == 0 {
				v = 1
			} else if d < 3 {
				v = 3 * math.Sin(math.Pi*d) * math.Sin(math.Pi*d/3) / (math.Pi * math.Pi * d * d)
			}
			if v != 0 {
				ws[j] = v
				sum += v
			}
		}
		for j := range ws {
			ws[j] /= sum
		}
		return ws
	}
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		wy := weights(y, sh, h)
		for x := range w {
			wx := weights(x, sw, w)
			for c := range 3 {
				acc := 0.0
				for j, a := range wy {
					for i, b := range wx {
						acc += a * b * float64(src.Pix[j*src.Stride+4*i+c])
					}
				}
				out.Pix[y*out.Stride+4*x+c] = uint8(math.Round(math.Min(math.Max(acc, 0), 255)))
			}
			out.Pix[y*out.Stride+4*x+3] = 255
		}
	}
	return out
}

func TestResizeStretchMatchesReference(t *testing.T) {
	for _, sz := range [][4]int{{13, 9, 64, 32}, {100, 70, 16, 24}, {40, 40, 40, 40}, {7, 50, 24, 8}} {
		src := randomImage(sz[0], sz[1], uint64(sz[0]))
		got, err := Resize(src, sz[2], sz[3], Stretch)
		require.NoError(t, err)
		want := refResize(src, sz[2], sz[3])
		for i := range want.Pix {
			require.InDelta(t, float64(want.Pix[i]), float64(got.Pix[i]), 1, "%v at %d", sz, i)
		}
	}
	src := randomImage(16, 8, 3)
	same, err := Resize(src, 16, 8, Crop)
	require.NoError(t, err)
	require.Equal(t, src.Pix, same.Pix)
}

func TestResizeKeepsConstantsAndAntialiases(t *testing.T) {
	flat := image.NewNRGBA(image.Rect(0, 0, 37, 23))
	for i := range flat.Pix {
		flat.Pix[i] = []uint8{10, 200, 77, 255}[i%4]
	}
	for _, mode := range []ResizeMode{Crop, Fit, Stretch} {
		for _, sz := range [][2]int{{8, 8}, {64, 24}, {128, 256}} {
			got, err := Resize(flat, sz[0], sz[1], mode)
			require.NoError(t, err)
			require.Equal(t, flat.Pix[:4], got.Pix[:4])
			for i := range got.Pix {
				require.Equal(t, flat.Pix[i%4], got.Pix[i], "%s %v", mode, sz)
			}
		}
	}
	checker := image.NewGray(image.Rect(0, 0, 64, 64))
	for i := range checker.Pix {
		checker.Pix[i] = uint8(255 * ((i%64 + i/64) % 2))
	}
	small, err := ResizeMask(checker, 8, 8, Stretch)
	require.NoError(t, err)
	for _, v := range small.Pix {
		require.InDelta(t, 127.5, float64(v), 3)
	}
}

// halves returns a w x h image whose left half is red and right half blue.
func halves(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.NRGBA{255, 0, 0, 255}
			if x >= w/2 {
				c = color.NRGBA{0, 0, 255, 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func TestResizeCropAndFitGeometry(t *testing.T) {
	// 400x100 (4:1) to 64x64 with crop: scaled to 256x64, the middle 64 columns kept, so
	// the red/blue boundary is in the middle.
	img := halves(400, 100)
	got, err := Resize(img, 64, 64, Crop)
	require.NoError(t, err)
	require.Equal(t, uint8(255), got.NRGBAAt(20, 30).R)
	require.Equal(t, uint8(255), got.NRGBAAt(44, 30).B)
	// A 400x100 picture of 4 vertical stripes: crop keeps only the middle two.
	stripes := image.NewGray(image.Rect(0, 0, 400, 100))
	for i := range stripes.Pix {
		stripes.Pix[i] = uint8(60 * ((i % 400) / 100))
	}
	m, err := ResizeMask(stripes, 64, 64, Crop)
	require.NoError(t, err)
	require.Equal(t, uint8(60), m.GrayAt(5, 5).Y)
	require.Equal(t, uint8(120), m.GrayAt(58, 5).Y)

	// Fit: scaled to 64x16 at y = 24, then rows above and below repeat the edge rows.
	fit, err := Resize(img, 64, 64, Fit)
	require.NoError(t, err)
	for x := range 64 {
		for y := range 64 {
			edge := min(max(y, 24), 39)
			require.Equal(t, fit.NRGBAAt(x, edge), fit.NRGBAAt(x, y))
		}
	}
	require.Equal(t, uint8(255), fit.NRGBAAt(5, 30).R)
	require.Equal(t, uint8(255), fit.NRGBAAt(60, 30).B)

	// Tall source with fit: padded left and right.
	tall := halves(50, 200)
	fit, err = Resize(tall, 64, 64, Fit)
	require.NoError(t, err) // scaled to 16x64 at x = 24
	require.Equal(t, fit.NRGBAAt(24, 10), fit.NRGBAAt(0, 10))
	require.Equal(t, fit.NRGBAAt(39, 10), fit.NRGBAAt(63, 10))
}

func TestResizeMaskAlignsWithImage(t *testing.T) {
	img := randomImage(50, 30, 9)
	m := image.NewGray(img.Bounds())
	for i := range m.Pix {
		m.Pix[i] = img.Pix[4*i]
	}
	for _, mode := range []ResizeMode{Crop, Fit, Stretch} {
		ri, err := Resize(img, 40, 48, mode)
		require.NoError(t, err)
		rm, err := ResizeMask(m, 40, 48, mode)
		require.NoError(t, err)
		for i, v := range rm.Pix {
			require.Equal(t, ri.Pix[4*i], v, mode)
		}
	}
}

func TestResizeErrors(t *testing.T) {
	img := randomImage(10, 10, 1)
	for _, sz := range [][2]int{{0, 8}, {8, -8}, {12, 8}, {8, 9}, {MaxSide + 8, 8}} {
		_, err := Resize(img, sz[0], sz[1], Crop)
		require.ErrorContains(t, err, "multiples of 8", sz)
	}
	_, err := Resize(img, 8, 8, "zoom")
	require.ErrorContains(t, err, `"zoom"`)
	_, err = Resize(image.NewNRGBA(image.Rect(0, 0, 0, 0)), 8, 8, Crop)
	require.ErrorContains(t, err, "empty")
	for s, want := range map[string]ResizeMode{"": Crop, "crop": Crop, "fit": Fit, "stretch": Stretch} {
		m, err := ParseResizeMode(s)
		require.NoError(t, err)
		require.Equal(t, want, m)
	}
	_, err = ParseResizeMode("Crop!")
	require.Error(t, err)
}

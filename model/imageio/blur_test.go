package imageio

import (
	"image"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// refBlur is a direct 2-D evaluation of BlurMask's clamped Gaussian in float64.
func refBlur(m *image.Gray, sigma float64) []float64 {
	half := int(2.5*sigma + 0.5)
	k, sum := make([]float64, 2*half+1), 0.0
	for i := range k {
		d := float64(i - half)
		k[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += k[i]
	}
	w, h := m.Bounds().Dx(), m.Bounds().Dy()
	out := make([]float64, w*h)
	for y := range h {
		for x := range w {
			acc := 0.0
			for j := range k {
				for i := range k {
					sy := min(max(y+j-half, 0), h-1)
					sx := min(max(x+i-half, 0), w-1)
					acc += k[j] * k[i] / (sum * sum) * float64(m.Pix[sy*w+sx])
				}
			}
			out[y*w+x] = acc
		}
	}
	return out
}

func TestBlurMask(t *testing.T) {
	m := image.NewGray(image.Rect(0, 0, 30, 20))
	for y := 5; y < 14; y++ {
		for x := 0; x < 18; x++ {
			m.Pix[y*30+x] = 255
		}
	}
	m.Pix[19*30+29] = 255
	for _, sigma := range []float64{0.7, 2, 4, 9} {
		got := BlurMask(m, sigma)
		want := refBlur(m, sigma)
		for i, v := range got.Pix {
			require.InDelta(t, want[i], float64(v), 0.51, "sigma %v at %d", sigma, i)
		}
		require.Equal(t, uint8(0), m.Pix[0], "input unchanged")
	}
	// Clamped edges: a mask that is 255 up to the border stays 255 there.
	left := image.NewGray(image.Rect(0, 0, 16, 8))
	for i := range left.Pix {
		if i%16 < 10 {
			left.Pix[i] = 255
		}
	}
	require.Equal(t, uint8(255), BlurMask(left, 2).GrayAt(0, 0).Y)
	require.Equal(t, uint8(255), BlurMask(left, 2).GrayAt(0, 7).Y)
	same := BlurMask(m, 0)
	require.Equal(t, m.Pix, same.Pix)
	require.NotSame(t, &m.Pix[0], &same.Pix[0])
	require.Equal(t, m.Pix, BlurMask(m, -1).Pix)
}

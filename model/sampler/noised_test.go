package sampler

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNoisedImageMatchesImg2ImgInit checks NoisedImage(k) against the add_noise an
// img2img plan starting at call k+1 uses for its initial latents.
func TestNoisedImageMatchesImg2ImgInit(t *testing.T) {
	const steps = 10
	for _, name := range []string{"ddim", "euler", "euler_a", "dpm++2m", "lms"} {
		full, err := New(name, DefaultConfig(), steps)
		require.NoError(t, err)
		for k := 0; k+1 < steps; k++ {
			strength := float64(steps-(k+1)) / steps
			img, err := NewImg2Img(name, DefaultConfig(), steps, strength+1e-9)
			require.NoError(t, err)
			require.Equal(t, k+1, img.StartStep)
			a, b := full.NoisedImage(k)
			init := img.Init[0]
			require.InDelta(t, float64(init.Terms[0].Coef), a, 1e-6*max(1, a), "%s k=%d", name, k)
			require.InDelta(t, float64(init.Terms[1].Coef), b, 1e-5*max(1, b), "%s k=%d", name, k)
		}
		a, b := full.NoisedImage(steps - 1)
		require.Equal(t, [2]float64{1, 0}, [2]float64{a, b})
	}
}

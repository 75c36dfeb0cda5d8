package pipeline

import (
	"context"
	"image"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sdgo/sdgo/model/internal/fixture"
	"github.com/sdgo/sdgo/model/sampler"
)

func uniformMask(v uint8, w, h int) *image.Gray {
	m := image.NewGray(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = v
	}
	return m
}

// TestMaskBlendInpainting checks inpainting with an ordinary model: a full mask gives
// what img2img at strength 1 gives (the blend keeps everything the model made), and an
// empty mask gives the init image's latents whatever the prompt.
func TestMaskBlendInpainting(t *testing.T) {
	p := loadFixturePipeline(t, "tiny-sd1")
	g := fixture.Golden(t, "img2img_sd1_ddim")
	init := goldenImage(t, g.Bytes, 64, 64)
	cfg := sampler.DefaultConfig()
	base := Request{Prompts: []string{"a fox"}, Width: 64, Height: 64, Steps: 5, CFGScale: 7, Seed: 3,
		Sampler: "ddim", Scheduler: cfg, Init: init, Strength: 1}
	img2img, err := p.Generate(context.Background(), base)
	require.NoError(t, err)
	full := base
	full.Mask = uniformMask(255, 64, 64)
	res, err := p.Generate(context.Background(), full)
	require.NoError(t, err)
	fixture.Close(t, "full mask vs img2img", res.Latents, img2img.Latents, 1e-5)

	empty := base
	empty.Mask = uniformMask(0, 64, 64)
	a, err := p.Generate(context.Background(), empty)
	require.NoError(t, err)
	empty.Prompts = []string{"a completely different prompt"}
	b, err := p.Generate(context.Background(), empty)
	require.NoError(t, err)
	require.Equal(t, a.Latents, b.Latents, "an empty mask keeps the init image")
	require.NotEqual(t, a.Latents, res.Latents)
}

// TestTiledVAE decodes and encodes a 192×192 image (24×24 latents) whole and in 16×16
// tiles: the blends must stay close to the whole-image results (group norms see only
// their tile, so they are not identical, as in diffusers' tiled VAE).
func TestTiledVAE(t *testing.T) {
	p := loadFixturePipeline(t, "tiny-sd1")
	lat := make([]float32, 4*24*24)
	for i := range lat {
		lat[i] = float32((i*7919)%97)/97*0.4 - 0.2
	}
	g := &generation{p: p, r: Request{Width: 192, Height: 192}, batch: 1, h: 24, w: 24, res: &Result{}, tileSize: 16}
	defer g.close()
	whole, err := g.decode(lat)
	require.NoError(t, err)
	g.r.VAETiling = true
	tiled, err := g.decode(lat)
	require.NoError(t, err)
	require.Len(t, tiled, len(whole))
	var sum float64
	for i := range whole {
		d := float64(whole[i] - tiled[i])
		sum += d * d
	}
	rms := sum / float64(len(whole))
	t.Logf("tiled vs whole decode: mean squared difference %.3g", rms)
	require.Less(t, rms, 0.05)
	require.Equal(t, []int{0, 24, 32}, tileStarts(64, 32))

	img := make([]float32, 3*192*192)
	for i := range img {
		img[i] = float32((i*31)%101)/50 - 1
	}
	g.r.VAETiling, g.rng = false, &fixedRNG{}
	wholeLat, err := g.encodeImage(img)
	require.NoError(t, err)
	g.r.VAETiling = true
	tiledLat, err := g.encodeImage(img)
	require.NoError(t, err)
	sum = 0
	for i := range wholeLat {
		d := float64(wholeLat[i] - tiledLat[i])
		sum += d * d
	}
	t.Logf("tiled vs whole encode: mean squared difference %.3g", sum/float64(len(wholeLat)))
	require.Less(t, sum/float64(len(wholeLat)), 0.05)
	require.Equal(t, []int{0}, tileStarts(8, 32))
}

// TestOddSizes generates at sizes whose latents are not divisible by the UNet's total
// downsampling (72×88 px: 9×11 latents), where the UNet upsamples to each skip's size
// as diffusers does.
func TestOddSizes(t *testing.T) {
	p := loadFixturePipeline(t, "tiny-sd1")
	res, err := p.Generate(context.Background(), Request{Prompts: []string{"a fox"}, Width: 88, Height: 72, Steps: 2, CFGScale: 7,
		Sampler: "euler", Scheduler: sampler.DefaultConfig()})
	require.NoError(t, err)
	require.Equal(t, image.Rect(0, 0, 88, 72), res.Images[0].Bounds())
	for _, v := range res.Latents {
		require.False(t, math.IsNaN(float64(v)) || math.IsInf(float64(v), 0))
	}
	_, err = p.Generate(context.Background(), Request{Prompts: []string{"a fox"}, Width: 90, Height: 72, Steps: 1, Sampler: "euler", Scheduler: sampler.DefaultConfig()})
	require.ErrorContains(t, err, "multiples of 8")
}

// fixedRNG draws zeros, so encoded latents are the scaled means.
type fixedRNG struct{}

func (fixedRNG) Randn(n int) []float32 { return make([]float32, n) }

// TestFitTile checks the tile search: the longer side halves first, never below 16
// latents (or the latent's size), and a graph that never fits stops at the smallest.
func TestFitTile(t *testing.T) {
	area := func(max int) func(th, tw int) bool { return func(th, tw int) bool { return th*tw <= max } }
	for _, c := range []struct{ h, w, max, th, tw int }{
		{64, 64, 2048, 64, 32}, // SD's VAE decoder at 512² on lavapipe
		{96, 96, 2048, 64, 32},
		{64, 128, 2048, 64, 32},
		{128, 40, 2048, 32, 40},
		{64, 64, 256, 16, 16},
		{64, 64, 300, 16, 16},
		{64, 64, 0, 16, 16}, // never fits
		{12, 200, 0, 12, 16},
		{40, 40, 1600, 40, 40},
	} {
		th, tw := fitTile(c.h, c.w, area(c.max))
		require.Equal(t, [2]int{c.th, c.tw}, [2]int{th, tw}, "%dx%d within %d", c.h, c.w, c.max)
	}
}

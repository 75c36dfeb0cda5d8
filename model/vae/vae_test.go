package vae

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sdgo/sdgo/model/internal/fixture"
	"github.com/sdgo/sdgo/model/nn"
	"github.com/sdgo/sdgo/model/safetensors"
)

// tol is the accepted max abs error relative to the output scale: float32 rounding
// differences between our kernels and PyTorch's (the fixture's fp32-vs-fp64 difference
// for the VAE is ~1e-5 of the scale).
const tol = 1e-4

// loadTiny uploads the tiny VAE (encoder included) and opens its golden.
func loadTiny(t *testing.T) (*nn.Net, *VAE, *safetensors.File) {
	m := fixture.Model(t, "tiny-sd1")
	n := nn.New(fixture.Device(t), true)
	t.Cleanup(n.Close)
	v := Load(n, m.VAE, m.Config.VAE, true)
	require.NoError(t, n.Err())
	return n, v, fixture.Golden(t, "vae_tiny")
}

// TestDecoderGolden decodes the golden latent and compares the intermediates and the
// image with diffusers' AutoencoderKL.decode.
func TestDecoderGolden(t *testing.T) {
	checkDecoder(t)
}

// TestDecoderGoldenWinogradTaps decodes the golden latent with the convs not loaded
// for Winograd run as Winograd on the tap GEMMs, F(4×4) then F(2×2) (a full-size VAE
// takes them at its latent-size level; the tiny one's 8×8 latent never does).
func TestDecoderGoldenWinogradTaps(t *testing.T) {
	for _, tile := range []string{"4", "2"} {
		t.Run("F"+tile, func(t *testing.T) {
			t.Setenv("SDGO_WINO_TAPS", tile)
			checkDecoder(t)
		})
	}
}

// checkDecoder runs TestDecoderGolden's comparison.
func checkDecoder(t *testing.T) {
	n, v, g := loadTiny(t)
	z := fixture.Float32(t, g, "z")
	out := fixture.Run(t, n, func(tap func(string, nn.Tensor)) {
		tap("decoded", v.Decode(n, fixture.Input(t, n, z, 1, 4, 8, 8), func(name string, x nn.Tensor) { tap("inter."+name, x) }))
	})
	require.NoError(t, n.Err())
	for _, name := range []string{"inter.post_quant_conv", "inter.decoder.conv_in", "inter.decoder.mid_block", "inter.decoder.up_blocks.0", "inter.decoder.up_blocks.1", "decoded"} {
		fixture.Close(t, name, out[name], fixture.Float32(t, g, name), tol)
	}
}

// TestEncoderGolden encodes the golden image and compares the latent distribution.
func TestEncoderGolden(t *testing.T) {
	n, v, g := loadTiny(t)
	u8, err := g.Bytes("image_u8")
	require.NoError(t, err)
	const hw = 64 * 64
	img := make([]float32, 3*hw)
	for i := 0; i < hw; i++ {
		for c := 0; c < 3; c++ {
			img[c*hw+i] = float32(u8[3*i+c])/127.5 - 1
		}
	}
	out := fixture.Run(t, n, func(tap func(string, nn.Tensor)) {
		tap("moments", v.Encode(n, fixture.Input(t, n, img, 1, 3, 64, 64), func(name string, x nn.Tensor) { tap("inter."+name, x) }))
	})
	require.NoError(t, n.Err())
	fixture.Close(t, "inter.encoder.mid_block", out["inter.encoder.mid_block"], fixture.Float32(t, g, "inter.encoder.mid_block"), tol)
	fixture.Close(t, "inter.quant_conv", out["inter.quant_conv"], fixture.Float32(t, g, "inter.quant_conv"), tol)
	fixture.Close(t, "mean", out["moments"][:4*64], fixture.Float32(t, g, "mean"), tol)
}

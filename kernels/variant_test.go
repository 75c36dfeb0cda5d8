package kernels_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sdgo/sdgo/kernels"
)

// TestVariantChoice checks the kernel choice per device type and shape, and that an
// override (argument or environment) wins.
func TestVariantChoice(t *testing.T) {
	t.Setenv("SDGO_GEMM_VARIANT", "")
	t.Setenv("SDGO_CONV_VARIANT", "")
	cpu, gpu, tc := kernels.Target{CPU: true}, kernels.Target{}, kernels.Target{CoopMatrix: true}
	small := kernels.NewGemmParams(2, 4096, 320, 320, true, true, false, kernels.GemmActNone, true)
	geglu := kernels.NewGemmParams(1, 8192, 1280, 320, true, true, false, kernels.GemmActGeglu, true)
	ragged := kernels.NewGemmParams(1, 77, 320, 77, true, false, false, kernels.GemmActNone, true)
	require.Equal(t, "tex", kernels.GemmVariant(cpu, "", small))
	require.Equal(t, "reg", kernels.GemmVariant(cpu, "", ragged), "K = 77 does not fit the texel kernel")
	pv := kernels.NewGemmParams(4, 4096, 40, 4096, false, false, false, kernels.GemmActNone, false)
	require.Equal(t, "tex5", kernels.GemmVariant(cpu, "", pv), "40 columns: the 32×40 tiles")
	require.Equal(t, "tile", kernels.GemmVariant(gpu, "", small))
	require.Equal(t, "big", kernels.GemmVariant(gpu, "", geglu))
	require.Equal(t, "tile", kernels.GemmVariant(gpu, "tile", geglu))
	require.Equal(t, "cm", kernels.GemmVariant(tc, "", geglu), "fp16 weights on tensor cores")
	require.Equal(t, "cm", kernels.GemmVariant(tc, "", small), "96 tiles of 128 rows")
	require.Equal(t, "cm64", kernels.GemmVariant(tc, "", kernels.NewGemmParams(2, 1024, 640, 640, true, true, false, kernels.GemmActNone, true)), "80 tiles: 64-row tiles")
	require.Equal(t, "tile", kernels.GemmVariant(tc, "", pv), "fp32 weights: no tensor-core variant")
	require.Equal(t, "tile", kernels.GemmVariant(gpu, "cm", small), "cm asked for where it cannot run")
	_, err := kernels.GemmKernel("cm", false)
	require.ErrorContains(t, err, "fp16 weights only")

	unet := kernels.NewConvParams(2, 320, 64, 64, 320, 3, 1, 1, true, true, false)
	vae := kernels.NewConvParams(1, 128, 512, 512, 128, 3, 1, 1, true, true, false)
	rgb := kernels.NewConvParams(1, 3, 512, 512, 128, 3, 1, 1, true, true, false)
	require.Equal(t, "tex", kernels.ConvVariant(cpu, "", unet))
	require.Equal(t, "reg", kernels.ConvVariant(cpu, "", rgb), "3 input channels do not fit the texel kernel")
	require.Equal(t, "tile", kernels.ConvVariant(gpu, "", unet))
	require.Equal(t, "big", kernels.ConvVariant(gpu, "", vae))
	require.Equal(t, "cm", kernels.ConvVariant(tc, "", vae))

	self := kernels.NewAttentionParams(2, 4096, 4096, 8, 40, false)
	spec, groups, err := kernels.FlashAttentionFor(self, tc)
	require.NoError(t, err)
	require.Equal(t, "flash_cm_d40", spec.Name)
	require.Equal(t, [3]uint32{64, 8, 2}, groups)
	spec, _, err = kernels.FlashAttentionFor(kernels.NewAttentionParams(1, 77, 77, 12, 64, true), tc)
	require.NoError(t, err)
	require.Equal(t, "flash_attention_d64_wide", spec.Name, "causal: no tensor-core kernel")
	spec, _, err = kernels.FlashAttentionFor(self, cpu)
	require.NoError(t, err)
	require.Equal(t, "flash_attention_d40", spec.Name)

	t.Setenv("SDGO_CONV_VARIANT", "reg")
	require.Equal(t, "reg", kernels.ConvVariant(gpu, "", vae))
}

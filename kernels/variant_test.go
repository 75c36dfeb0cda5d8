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
	temb := kernels.NewGemmParams(1, 2, 1280, 1280, true, true, false, kernels.GemmActNone, false)
	require.Equal(t, "texv", kernels.GemmVariant(cpu, "", temb), "2 rows: the 8×32 tiles")
	tok := kernels.GroupNormSilu | kernels.GroupNormTokens
	require.Equal(t, "groupnorm_apply_tex", kernels.GroupNormApplyFor(kernels.NewGroupNormParams(1, 128, 4096, 32, 1e-6, tok, cpu), cpu).Name)
	require.Equal(t, "groupnorm_apply", kernels.GroupNormApplyFor(kernels.NewGroupNormParams(1, 128, 4096, 32, 1e-6, tok, gpu), gpu).Name, "GPUs")
	require.Equal(t, "groupnorm_apply", kernels.GroupNormApplyFor(kernels.NewGroupNormParams(1, 128, 4096, 32, 1e-6, kernels.GroupNormSilu, cpu), cpu).Name, "NCHW output")
	require.Equal(t, "groupnorm_apply", kernels.GroupNormApplyFor(kernels.NewGroupNormParams(1, 96, 81, 32, 1e-6, tok, cpu), cpu).Name, "81 pixels: no whole texels")
	rgbOut := kernels.NewGemmParams(16, 1920, 3, 128, false, false, false, kernels.GemmActNone, false)
	require.Equal(t, "texn", kernels.GemmVariant(cpu, "", rgbOut), "3 columns: the 32×8 tiles")
	require.Equal(t, "tex", kernels.GemmVariant(cpu, "", kernels.NewGemmParams(1, 64, 4, 320, true, true, false, kernels.GemmActGeglu, false)), "GEGLU needs column pairs")
	require.Equal(t, "tile", kernels.GemmVariant(gpu, "", temb), "GPUs keep their tiles")
	for _, c := range []struct {
		m, n int
		want string
	}{{1920, 3, "gemm_texn"}, {6, 320, "gemm_texv"}, {1024, 320, "gemm_tex"}} {
		spec, groups, err := kernels.WinoGemm(kernels.NewGemmParams(16, c.m, c.n, 128, false, false, false, kernels.GemmActNone, false), false)
		require.NoError(t, err)
		require.Equal(t, c.want, spec.Name, "stored-Winograd GEMM %dx%d", c.m, c.n)
		require.Equal(t, kernels.QueueGrid(), groups, "the texel GEMMs take their tiles from the work queue")
	}
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
	deepest := kernels.NewConvParams(2, 1280, 4, 4, 1280, 3, 1, 1, true, true, true) // SD at 256²
	require.Equal(t, "tex4x4", kernels.ConvVariant(cpu, "", deepest))
	require.Equal(t, "tex4x4", kernels.ConvVariant(cpu, "tex", deepest), "the texel conv's build for it")
	require.Equal(t, "tex", kernels.ConvVariant(cpu, "tex4x4", unet), "the 4×4 build asked for where it cannot run")
	require.Equal(t, "tile", kernels.ConvVariant(gpu, "", deepest))
	strided := kernels.NewConvParams(2, 1280, 4, 4, 1280, 3, 2, 1, true, true, false)
	require.Equal(t, "tex", kernels.ConvVariant(cpu, "", strided))
	rows := deepest
	rows.Rows = 2
	require.Equal(t, "tex", kernels.ConvVariant(cpu, "", rows), "a row range")

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

// TestSplitK checks the split-K choice: only tensor-core dispatches too small to fill a
// GPU are split, into chunks of whole 64-wide k-steps that cover K, and $SDGO_SPLITK=0
// turns it off.
func TestSplitK(t *testing.T) {
	t.Setenv("SDGO_SPLITK", "")
	deep := kernels.NewConvParams(2, 1280, 8, 8, 1280, 3, 1, 1, true, true, true) // 20 tiles, K = 11520
	p := kernels.ConvSplitK("cm64", deep)
	require.Equal(t, uint32(896), p.KChunk)
	require.Equal(t, uint32(13), kernels.ConvSplits(&p))
	require.Equal(t, [3]uint32{10, 2, 13}, kernels.ConvGroups("cm64", p))
	require.Equal(t, 13*1280*128, kernels.ConvPartLen(p))
	require.Zero(t, kernels.ConvSplitK("tile", deep).KChunk, "CUDA-core variants do not split")
	big := kernels.NewConvParams(2, 320, 64, 64, 320, 3, 1, 1, true, true, false) // 384 tiles of 64 rows
	require.Zero(t, kernels.ConvSplitK("cm64", big).KChunk)

	ff := kernels.NewGemmParams(1, 128, 1280, 5120, true, true, true, kernels.GemmActNone, true)
	g := kernels.GemmSplitK("cm64", ff)
	require.Equal(t, uint32(448), g.KChunk)
	require.Equal(t, [3]uint32{10, 2, 12}, kernels.GemmGroups("cm64", g))
	geglu := kernels.GemmSplitK("cm64", kernels.NewGemmParams(1, 128, 1280, 1280, true, true, false, kernels.GemmActGeglu, true))
	require.Equal(t, uint32(256), geglu.KChunk, "chunks of at least 256")
	require.Equal(t, 5*128*2560, kernels.GemmPartLen(geglu), "the value and its gate")
	short := kernels.GemmSplitK("cm64", kernels.NewGemmParams(1, 64, 1280, 320, true, true, false, kernels.GemmActNone, true))
	require.Zero(t, short.KChunk, "K = 320 is one chunk")
	require.Zero(t, kernels.GemmPartLen(short), "no partial sums without a split")
	ragged := kernels.GemmSplitK("cm64", kernels.NewGemmParams(1, 64, 1280, 520, true, true, false, kernels.GemmActNone, true))
	require.Equal(t, uint32(256), ragged.KChunk)
	require.Equal(t, uint32(3), kernels.GemmSplits(&ragged), "chunks of 256, 256 and 8")
	for _, q := range []kernels.GemmParams{g, geglu, ragged} {
		require.Zero(t, q.KChunk%64, "whole k-steps of both tensor-core variants")
	}
	require.Zero(t, kernels.GemmSplitK("cm64", kernels.NewGemmParams(1, 0, 1280, 5120, true, false, false, kernels.GemmActNone, true)).KChunk, "an empty grid")

	t.Setenv("SDGO_SPLITK", "0")
	require.Zero(t, kernels.ConvSplitK("cm64", deep).KChunk)
}

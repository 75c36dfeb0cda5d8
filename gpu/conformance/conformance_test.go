package conformance

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sdgo/sdgo/gpu"
)

var dev *gpu.Device

func TestMain(m *testing.M) {
	if os.Getenv("SDGO_CACHE_DIR") == "" {
		dir, _ := os.MkdirTemp("", "sdgo-cache")
		os.Setenv("SDGO_CACHE_DIR", dir)
		defer os.RemoveAll(dir)
	}
	var err error
	dev, err = gpu.Open("")
	if err != nil {
		fmt.Fprintln(os.Stderr, "conformance tests need a Vulkan device (scripts/setup.sh installs lavapipe):", err)
		os.Exit(1)
	}
	code := m.Run()
	dev.Close()
	os.Exit(code)
}

// TestConformance runs every registered case on the device and prints the table. The
// slow cases (full-size SD shapes) run only with SDGO_CHECK_FULL=1, like `sdgo check
// --full`, to keep the suite fast on two cores.
func TestConformance(t *testing.T) {
	cases := Cases(os.Getenv("SDGO_CHECK_FILTER"), os.Getenv("SDGO_CHECK_FULL") == "")
	require.NotEmpty(t, cases)
	rs := Run(dev, cases, Options{})
	t.Logf("device: %s\n%s", dev.Info.Name, Table(rs))
	for _, r := range rs {
		require.NoError(t, r.Err, "%s %s", r.Kernel, r.Shape)
		require.True(t, r.Pass, "%s %s: worst element %d: got %g want %g (max abs %g)", r.Kernel, r.Shape, r.Worst, r.WorstGot, r.WorstWant, r.MaxAbs64)
	}
}

// TestCompareCatchesErrors makes sure the comparison can fail: a perturbed element, a
// NaN and a length mismatch are reported.
func TestCompareCatchesErrors(t *testing.T) {
	want := []float64{1, 2, 3, 4}
	cpu := []float32{1, 2, 3, 4}
	ok := Compare([]float32{1, 2, 3, 4}, cpu, want, 1e-6, 1e-6)
	require.True(t, ok.Pass)
	bad := Compare([]float32{1, 2, 3.01, 4}, cpu, want, 1e-6, 1e-6)
	require.False(t, bad.Pass)
	require.Equal(t, 2, bad.Worst)
	require.InDelta(t, 0.01, bad.MaxAbs64, 1e-6)
	nan := Compare([]float32{1, float32(math.NaN()), 3, 4}, cpu, want, 1e-6, 1e-6)
	require.False(t, nan.Pass)
	require.Equal(t, 1, nan.Worst)
	require.False(t, Compare([]float32{1}, cpu, want, 1, 1).Pass)
}

// TestCompareToTruth checks that CompareToTruth judges against float64 alone: a device
// value within the tolerance of float64 but beyond it of an erring CPU reference passes
// (Compare fails it), one beyond it of float64 fails.
func TestCompareToTruth(t *testing.T) {
	want := []float64{1, 2}
	cpu := []float32{1, 2.000002} // the reference errs by 2e-6
	near := []float32{1, 1.999999}
	require.False(t, Compare(near, cpu, want, 1.5e-6, 0).Pass)
	require.True(t, CompareToTruth(near, cpu, want, 1.5e-6, 0).Pass)
	far := []float32{1, 2.000003}
	require.False(t, CompareToTruth(far, cpu, want, 1.5e-6, 0).Pass)
	require.Equal(t, 1, CompareToTruth(far, cpu, want, 1.5e-6, 0).Worst)
}

// TestSkippedCase checks that a case whose Skip names a missing feature is reported as
// skipped, counts as passed, and is not run.
func TestSkippedCase(t *testing.T) {
	ran := false
	c := Case{Kernel: "k", Shape: "s", Skip: func(gpu.Info) string { return "a feature" },
		Run: func(*gpu.Device) (Comparison, error) { ran = true; return Comparison{}, nil }}
	rs := Run(dev, []Case{c}, Options{})
	require.Len(t, rs, 1)
	require.False(t, ran)
	require.Equal(t, "the device lacks a feature", rs[0].Skipped)
	require.Zero(t, Failed(rs))
	require.Equal(t, 1, Skipped(rs))
	require.Contains(t, Table(rs), "skipped: the device lacks a feature")
}

// TestCPUOnlySkip checks that kernels built for CPU devices run there, are skipped on
// GPUs (a reason given) unless Options.CPUKernels asks for them, and that a missing
// feature still skips a case whatever the options.
func TestCPUOnlySkip(t *testing.T) {
	c := Case{Kernel: "k", CPUOnly: true}
	require.Empty(t, skipReason(c, gpu.Info{Type: gpu.CPU}, Options{}))
	require.Equal(t, cpuOnlySkip, skipReason(c, gpu.Info{Type: gpu.Discrete}, Options{}))
	require.Empty(t, skipReason(c, gpu.Info{Type: gpu.Discrete}, Options{CPUKernels: true}))
	c.Skip = func(gpu.Info) string { return "a feature" }
	require.Equal(t, "the device lacks a feature", skipReason(c, gpu.Info{Type: gpu.Discrete}, Options{CPUKernels: true}))
	require.Empty(t, skipReason(Case{Kernel: "k"}, gpu.Info{Type: gpu.Discrete}, Options{}))
}

// TestCPUOnlyCases checks which registered cases are marked CPU-only: every case of
// the texel kernels and Winograd convs, none of the kernels GPUs run, and of the group
// norm's cases those that take its texel passes.
func TestCPUOnlyCases(t *testing.T) {
	cpu, gpuRun := map[string]int{}, map[string]int{}
	for _, c := range Cases("", true) {
		if c.CPUOnly {
			cpu[c.Kernel]++
			require.True(t, strings.Contains(c.Shape, "texels") || !strings.Contains(c.Kernel, "groupnorm"), "%s %s", c.Kernel, c.Shape)
		} else {
			gpuRun[c.Kernel]++
		}
	}
	for _, k := range []string{"gemm_tex", "gemm_tex_f16", "gemm_texv", "gemm_texn_f16", "conv_tex", "flash_tex_d40", "softmax_tex", "wino_in_tex", "wino4_out_tex", "wino", "winotap_f16", "nchw_to_tokens_tex", "tokens_to_nchw_tex", "layernorm_tex", "concat_tex"} {
		require.Positive(t, cpu[k], k)
		require.Zero(t, gpuRun[k], k)
	}
	for _, k := range []string{"gemm_tile", "gemm_cm", "conv_big_f16", "conv_reg", "flash_attention_d40_wide", "flash_cm_d40", "softmax", "wino_in", "layernorm_rows", "nchw_to_tokens", "tokens_to_nchw", "layernorm", "concat"} {
		require.Positive(t, gpuRun[k], k)
		require.Zero(t, cpu[k], k)
	}
	for _, k := range []string{"groupnorm+silu", "groupnorm+silu→tokens"} {
		require.Positive(t, cpu[k], k)
		require.Positive(t, gpuRun[k], k)
	}
}

package kernels

import (
	"encoding/binary"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sdgo/sdgo/kernels/internal/shadergen/gen"
)

// needGlslc skips where the shader compiler is absent, except in CI, which installs it.
func needGlslc(t *testing.T) {
	if _, err := exec.LookPath("glslc"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("glslc is required in CI (scripts/setup.sh installs it)")
		}
		t.Skip("glslc not installed; the drift check runs in CI")
	}
}

// TestShadersUpToDate regenerates the shaders and compares them with the committed ones.
func TestShadersUpToDate(t *testing.T) {
	needGlslc(t)
	require.NoError(t, gen.Check(".", "shaders"))
}

// TestDriftCheckCatchesStaleSource edits a kernel source in a copy of this folder and
// checks that the drift check then fails, naming the affected shaders.
func TestDriftCheckCatchesStaleSource(t *testing.T) {
	needGlslc(t)
	dir, err := os.MkdirTemp(".", "_drift")
	require.NoError(t, err)
	defer os.RemoveAll(dir)
	srcs, _ := filepath.Glob("*.go")
	for _, f := range srcs {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		if f == "elementwise.go" {
			old := "EwY[i] = x / (1 + mat32.Exp(-x))"
			require.Contains(t, string(data), old)
			data = []byte(strings.Replace(string(data), old, "EwY[i] = x / (2 + mat32.Exp(-x))", 1))
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), data, 0o644))
	}
	err = gen.Check(dir, "shaders")
	require.Error(t, err)
	require.Contains(t, err.Error(), "run `go generate ./kernels/...`")
	require.Contains(t, err.Error(), "elementwise.hlsl (differs)")
	require.Contains(t, err.Error(), "silu.spv (differs)")
	require.NotContains(t, err.Error(), "axpy.spv", "axpy does not use the edited function")
}

// SPIR-V capabilities (the SPIR-V specification's numbers).
const (
	capShader                 = 1
	capFloat16                = 9
	capSampledBuffer          = 46
	capGroupNonUniform        = 61
	capGroupNonUniformShuffle = 65
	capVulkanMemoryModel      = 5345
	capCooperativeMatrixNV    = 5357
)

// spirvCapabilities lists the OpCapability operands of a SPIR-V module.
func spirvCapabilities(t *testing.T, code []byte) []uint32 {
	require.Greater(t, len(code), 20)
	require.Equal(t, uint32(0x07230203), binary.LittleEndian.Uint32(code), "SPIR-V magic")
	var caps []uint32
	for i := 20; i+4 <= len(code); {
		w := binary.LittleEndian.Uint32(code[i:])
		n, op := int(w>>16), w&0xffff
		require.NotZero(t, n, "instruction of zero words at byte %d", i)
		if op == 17 { // OpCapability
			caps = append(caps, binary.LittleEndian.Uint32(code[i+4:]))
		}
		i += 4 * n
	}
	return caps
}

// TestShaderCapabilities checks that every embedded kernel declares only capabilities
// the runtime can provide: those of Vulkan 1.1 compute with texel buffers and subgroup
// shuffles everywhere, plus float16, the Vulkan memory model and NV cooperative matrices
// in the tensor-core kernels alone — which gpu.Open enables together where
// Info.CoopMatrix, and which the variant choice picks only there.
func TestShaderCapabilities(t *testing.T) {
	base := map[uint32]bool{capShader: true, capSampledBuffer: true, capGroupNonUniform: true, capGroupNonUniformShuffle: true}
	tensor := map[uint32]bool{capFloat16: true, capVulkanMemoryModel: true, capCooperativeMatrixNV: true}
	names, err := fs.Glob(shaderFS, "shaders/*.spv")
	require.NoError(t, err)
	require.NotEmpty(t, names)
	var cm []string
	for _, f := range names {
		name := strings.TrimSuffix(filepath.Base(f), ".spv")
		code, err := SPIRV(name)
		require.NoError(t, err)
		caps := spirvCapabilities(t, code)
		coop := false
		for _, c := range caps {
			coop = coop || c == capCooperativeMatrixNV
		}
		if coop {
			cm = append(cm, name)
		}
		for _, c := range caps {
			require.True(t, base[c] || (coop && tensor[c]), "%s declares capability %d, which the runtime does not enable for it", name, c)
		}
	}
	require.ElementsMatch(t, []string{"gemm_cm", "gemm_cm64", "conv_cm", "conv_cm64", "flash_cm_d40", "flash_cm_d64", "flash_cm_d80"}, cm)
	for _, v := range []string{"cm", "cm64"} {
		g, err := GemmKernel(v, true)
		require.NoError(t, err)
		c, err := ConvKernel(v, true)
		require.NoError(t, err)
		require.Contains(t, cm, g.Name)
		require.Contains(t, cm, c.Name)
	}
}

package kernels

import (
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

package gen

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGLSLEntry checks that a GLSL kernel loses gosl's include guard (so that #version
// comes first, as glslc requires) and that HLSL is not taken for GLSL.
func TestGLSLEntry(t *testing.T) {
	guarded := "#ifndef __GEMM_CM_HLSL__\n#define __GEMM_CM_HLSL__\n\n\n#version 450\n#define CM_BM 128\nvoid main() {}\n#endif // __GEMM_CM_HLSL__\n"
	got, ok := glslEntry([]byte(guarded))
	require.True(t, ok)
	require.True(t, strings.HasPrefix(string(got), "#version 450\n"), "%q", got)
	require.Contains(t, string(got), "#define CM_BM 128")
	require.NotContains(t, string(got), "__GEMM_CM_HLSL__")

	_, ok = glslEntry([]byte("#ifndef __GEMM_HLSL__\n#define __GEMM_HLSL__\n[numthreads(8, 1, 1)]\nvoid main() {}\n#endif // __GEMM_HLSL__\n"))
	require.False(t, ok)
	require.True(t, generated("shaders/gemm_cm.comp"))
	require.False(t, generated("shaders/README.md"))
}

package kernels

import "os"

// tileVariant describes a compiled kernel shape of a tiled kernel family (GEMM, conv).
type tileVariant struct {
	name   string
	local  uint32
	tm, tn uint32 // rows (or output pixels) and weight rows (output channels) per workgroup
	texels uint32 // Spec.Texels: the bindings read as texel buffers
}

// pickVariant returns override if set, else $env if set, else "tex" on CPU devices
// (lavapipe) and "tile" on GPUs.
func pickVariant(env string, deviceIsCPU bool, override string) string {
	if override == "" {
		override = os.Getenv(env)
	}
	if override != "" {
		return override
	}
	if deviceIsCPU {
		return "tex"
	}
	return "tile"
}

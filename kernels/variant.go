package kernels

import "os"

// tileVariant describes a compiled kernel shape of a tiled kernel family (GEMM, conv).
type tileVariant struct {
	name   string
	local  uint32
	tm, tn uint32 // rows (or output pixels) and weight rows (output channels) per workgroup
	texels uint32 // Spec.Texels: the bindings read as texel buffers
}

// bigMinGroups is how many 128×128 workgroups a dispatch needs before GPUs get the
// "big" variant instead of "tile": enough to fill an H100's 132 SMs several times over.
// Measured on the H100: "big" wins on the VAE's convs at 512² (2048 groups) and the
// UNet's GEGLU projection with guidance (1280), "tile" on the UNet's convs (≤ 192),
// which "big" would leave mostly idle.
const bigMinGroups = 1024

// pickVariant returns override if set, else $env if set, else "tex" on CPU devices
// (lavapipe), and on GPUs "big" for dispatches of at least bigMinGroups 128×128 tiles
// (bigGroups) and "tile" for smaller ones.
func pickVariant(env string, deviceIsCPU bool, override string, bigGroups uint32) string {
	if override == "" {
		override = os.Getenv(env)
	}
	switch {
	case override != "":
		return override
	case deviceIsCPU:
		return "tex"
	case bigGroups >= bigMinGroups:
		return "big"
	}
	return "tile"
}

// groupCount is the number of workgroups of a grid.
func groupCount(g [3]uint32) uint32 { return g[0] * g[1] * g[2] }

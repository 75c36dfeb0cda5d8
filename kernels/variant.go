package kernels

import (
	"fmt"
	"os"
)

// Target is what the variant choice knows of a device.
type Target struct {
	// CPU marks a CPU device (lavapipe): texel and register-tile variants.
	CPU bool
	// CoopMatrix marks a GPU that runs the cooperative-matrix (tensor-core) variants
	// (gpu.Info.CoopMatrix).
	CoopMatrix bool
}

// tileVariant describes a compiled kernel shape of a tiled kernel family (GEMM, conv).
type tileVariant struct {
	name   string
	local  uint32
	tm, tn uint32 // rows (or output pixels) and weight rows (output channels) per tile
	texels uint32 // Spec.Texels: the bindings read as texel buffers
	f16    bool   // fp16 weights only: the module is built for them and has no _f16 twin
	splitK bool   // honours KChunk (split-K, see GemmSplitK)
	queue  bool   // takes its tiles from the work queue (Spec.Queue, QueueGroups)
}

// spec returns the Spec of v for fp32 or fp16 weights.
func (v tileVariant) spec(family string, f16 bool, paramsSize int) (Spec, error) {
	name := v.name
	switch {
	case v.f16 && !f16:
		return Spec{}, fmt.Errorf("%s variant %s reads fp16 weights only", family, v.name)
	case f16 && !v.f16:
		name += "_f16"
	}
	return Spec{Name: name, Reads: 4, Writes: 1, ParamsSize: paramsSize, Local: [3]uint32{v.local, 1, 1}, Texels: v.texels, Queue: v.queue}, nil
}

// bigMinGroups is how many 128×128 workgroups a dispatch needs before GPUs get the
// "big" variant instead of "tile": enough to fill an H100's 132 SMs several times over.
// Measured on the H100: "big" wins on the VAE's convs at 512² (2048 groups) and the
// UNet's GEGLU projection with guidance (1280), "tile" on the UNet's convs (≤ 192),
// which "big" would leave mostly idle.
const bigMinGroups = 1024

// cmMinGroups is how many 128-row workgroups a tensor-core dispatch needs before it
// gets "cm" rather than "cm64" (64-row tiles, twice the workgroups). Measured on an
// H200 (kernel benchmarks): "cm" wins with 96 workgroups (4096×320×1280: 25.7 against
// 22.0 TFLOP/s; conv 320@64²: 22.2 against 19.3), "cm64" with 80 or fewer (conv 1×1
// 640→1280@32²: 12.9 against 10.3; conv 640@32²: 20.7 against 12.0).
const cmMinGroups = 96

// pickVariant returns override if set, else $env if set, else "tex" on CPU devices
// (lavapipe), and on GPUs "cm" (or for fewer than cmMinGroups 128×128 tiles, "cm64")
// where the device has cooperative matrices and the weights are fp16 (f16), else "big"
// for dispatches of at least bigMinGroups 128×128 tiles (bigGroups) and "tile" for
// smaller ones. A tensor-core variant asked for where it cannot run becomes "tile".
func pickVariant(env string, t Target, override string, f16 bool, bigGroups uint32) string {
	if override == "" {
		override = os.Getenv(env)
	}
	cm := t.CoopMatrix && f16
	switch {
	case override == "cm" || override == "cm64":
		if !cm {
			return "tile"
		}
		return override
	case override != "":
		return override
	case t.CPU:
		return "tex"
	case cm && bigGroups >= cmMinGroups:
		return "cm"
	case cm:
		return "cm64"
	case bigGroups >= bigMinGroups:
		return "big"
	}
	return "tile"
}

// groupCount is the number of workgroups of a grid.
func groupCount(g [3]uint32) uint32 { return g[0] * g[1] * g[2] }

// Package kernels holds every GPU kernel of sdgo: its math as Go under //gosl: directives
// (translated to HLSL by gosl and compiled to SPIR-V by glslc), its push-constant Params,
// and a CPU reference that runs the same Go function over the dispatch grid.
//
// The generated shaders/*.hlsl, *.comp (GLSL) and *.spv are committed, the SPIR-V
// embedded; regenerate them with
// `go generate ./kernels/...` after changing a kernel (a test fails when they drift).
package kernels

//go:generate go run ./internal/shadergen -src . -out shaders

import (
	"embed"
	"fmt"
	"sync"
)

//go:embed shaders/*.spv
var shaderFS embed.FS

// Spec describes a kernel to the runtime: its SPIR-V module, its storage-buffer bindings
// (set 0, bindings 0..Reads+Writes-1: first the ones it only reads, then the ones it
// writes), the byte size of its push-constant Params, and its workgroup size.
type Spec struct {
	Name       string
	Reads      int
	Writes     int
	ParamsSize int
	Local      [3]uint32
	// Texels is the set (bit i = binding i) of read bindings that the shader declares
	// as `Buffer<uint4>`: uniform texel buffers of 16-byte R32G32B32A32_UINT texels,
	// which CPU devices fetch with a vector gather instead of a per-invocation loop.
	Texels uint32
	// Queue marks a kernel that takes its tiles from a work queue (see QueueGroups):
	// binding Reads+Writes, after its own, which the runtime binds to the device's queue.
	Queue bool
}

// SPIRV returns the compiled module of the kernel (or variant) called name.
func SPIRV(name string) ([]byte, error) {
	b, err := shaderFS.ReadFile("shaders/" + name + ".spv")
	if err != nil {
		return nil, fmt.Errorf("kernel %q: no embedded SPIR-V (run `go generate ./kernels/...`)", name)
	}
	return b, nil
}

// cpuMu serialises the CPU references: they share the Go-side storage-buffer globals
// that the gosl code reads and writes.
var cpuMu sync.Mutex

// GroupStride1D is the number of threads in the largest 1-D grid the 1-D kernels are
// dispatched with; they loop over elements with this stride, so any N fits.
const GroupStride1D = maxGroups1D * Local1D

// Local1D is the workgroup size of the 1-D (elementwise) kernels.
const Local1D = 64

const maxGroups1D = 16384

// Groups1D returns the workgroup count for n elements of a 1-D kernel and the stride
// (threads in the grid) the kernel's Params must carry.
func Groups1D(n int) (groups, stride uint32) {
	g := (n + Local1D - 1) / Local1D
	if g > maxGroups1D {
		g = maxGroups1D
	}
	if g < 1 {
		g = 1
	}
	return uint32(g), uint32(g * Local1D)
}

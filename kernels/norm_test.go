package kernels_test

import (
	"fmt"
	"testing"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/kernels"
)

// BenchmarkGroupNorm measures the three GroupNorm dispatches (with fused SiLU) at SD
// shapes; GB/s counts the minimal traffic (x read once, y written once), while the
// kernels read x twice (statistics, then normalisation).
func BenchmarkGroupNorm(b *testing.B) {
	d := device(b)
	for _, s := range [][4]int{{2, 320, 64 * 64, 0}, {2, 1280, 8 * 8, 0}, {1, 256, 256 * 256, 0}, {1, 256, 256 * 256, 1}} {
		bt, c, hw, tokens := s[0], s[1], s[2], s[3] == 1
		name, act := fmt.Sprintf("%dx%dx%d", bt, c, hw), kernels.GroupNormSilu
		if tokens {
			name, act = name+"→tokens", act|kernels.GroupNormTokens
		}
		b.Run(name, func(b *testing.B) {
			n := bt * c * hw
			target := kernels.Target{CPU: d.Info.Type == gpu.CPU}
			p := kernels.NewGroupNormParams(bt, c, hw, 32, 1e-5, act, target)
			groups, strides, partN, statN := kernels.GroupNormGroups(p)
			x, y := randTensor(b, d, n, 1), randTensor(b, d, n, 2)
			gamma, beta := randTensor(b, d, c, 3), randTensor(b, d, c, 4)
			part, stat := randTensor(b, d, partN, 5), randTensor(b, d, statN, 6)
			for _, t := range []*gpu.Tensor{x, y, gamma, beta, part, stat} {
				defer t.Free()
			}
			pp := [3]kernels.GroupNormParams{p, p, p}
			for i := range pp {
				pp[i].Stride = strides[i]
			}
			timeOps(b, d, float64(8*n), 0,
				gpu.Dispatch{Kernel: kernel(b, d, kernels.GroupNormStatsFor(p)), Bindings: []gpu.Binding{gpu.Bind(x), gpu.Bind(x), gpu.Bind(part)}, Params: gpu.Params(pp[0]), Groups: groups[0]},
				gpu.Dispatch{Kernel: kernel(b, d, kernels.GroupNormFinal), Bindings: []gpu.Binding{gpu.Bind(part), gpu.Bind(stat)}, Params: gpu.Params(pp[1]), Groups: groups[1]},
				gpu.Dispatch{Kernel: kernel(b, d, kernels.GroupNormApplyFor(p, target)), Bindings: []gpu.Binding{gpu.Bind(x), gpu.Bind(gamma), gpu.Bind(beta), gpu.Bind(stat), gpu.Bind(x), gpu.Bind(y)}, Params: gpu.Params(pp[2]), Groups: groups[2]})
		})
	}
}

// BenchmarkLayerNorm measures LayerNorm at the UNet's level-1 transformer shape and
// CLIP's; GB/s counts x read once and y written once.
func BenchmarkLayerNorm(b *testing.B) {
	d := device(b)
	for _, s := range [][2]int{{2 * 4096, 320}, {2 * 77, 768}} {
		rows, dim := s[0], s[1]
		b.Run(fmt.Sprintf("%dx%d", rows, dim), func(b *testing.B) {
			x, y := randTensor(b, d, rows*dim, 1), randTensor(b, d, rows*dim, 2)
			gamma, beta := randTensor(b, d, dim, 3), randTensor(b, d, dim, 4)
			for _, t := range []*gpu.Tensor{x, y, gamma, beta} {
				defer t.Free()
			}
			spec, p, groups := kernels.LayerNormFor(rows, dim, kernels.Target{CPU: d.Info.Type == gpu.CPU})
			p.Eps = 1e-5
			timeOps(b, d, float64(8*rows*dim), 0, gpu.Dispatch{Kernel: kernel(b, d, spec),
				Bindings: []gpu.Binding{gpu.Bind(x), gpu.Bind(gamma), gpu.Bind(beta), gpu.Bind(y)},
				Params:   gpu.Params(p), Groups: groups})
		})
	}
}

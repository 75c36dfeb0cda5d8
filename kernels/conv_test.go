package kernels_test

import (
	"fmt"
	"testing"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/kernels"
)

// BenchmarkConv times 3×3 convs (and one 1×1) at SD 1.5 shapes, latent 64×64 (512²
// images; at 256² the latent is 32×32 — the 640@32 shape), fp16 and fp32 weights.
func BenchmarkConv(b *testing.B) {
	d := device(b)
	logPeak(b, d)
	shapes := []struct{ cin, hw, cout, k, stride int }{
		{320, 64, 320, 3, 1},
		{640, 32, 640, 3, 1},
		{1280, 16, 1280, 3, 1},
		{320, 64, 320, 3, 2},
		{640, 32, 1280, 1, 1},
		{1280, 8, 1280, 3, 1}, // the deepest level: split-K on tensor cores
	}
	for _, v := range benchVariants(d) {
		for _, f16 := range []bool{true, false} {
			spec, err := kernels.ConvKernel(v, f16)
			if err != nil && !f16 {
				continue // a tensor-core variant: fp16 weights only
			} else if err != nil {
				b.Fatal(err)
			}
			for _, s := range shapes {
				b.Run(fmt.Sprintf("%s/%d>%d@%d/k%ds%d", spec.Name, s.cin, s.cout, s.hw, s.k, s.stride), func(b *testing.B) {
					k, err := d.Kernel(spec)
					if err != nil {
						b.Fatal(err)
					}
					p := kernels.ConvSplitK(v, kernels.NewConvParams(1, s.cin, s.hw, s.hw, s.cout, s.k, s.stride, s.k/2, f16, true, false))
					kk := s.cin * s.k * s.k
					words := s.cout * kk
					if f16 {
						words = s.cout * kernels.F16RowWords(kk)
					}
					tx, tw, tb, ty := filled(b, d, s.cin*s.hw*s.hw, 0.01), filled(b, d, words, 0x3c003c00), filled(b, d, s.cout, 0), filled(b, d, s.cout*int(p.OH*p.OW), 0)
					defer tx.Free()
					defer tw.Free()
					defer tb.Free()
					defer ty.Free()
					flop := 2 * float64(s.cout) * float64(p.OH*p.OW) * float64(kk)
					timePlan(b, d, flop, withSplitK(b, d, gpu.Dispatch{Kernel: k,
						Bindings: []gpu.Binding{gpu.Bind(tx), gpu.Bind(tw), gpu.Bind(tb), gpu.Bind(tx), gpu.Bind(ty)},
						Params:   gpu.Params(p), Groups: kernels.ConvGroups(v, p)}, kernels.ConvPartLen(p), kernels.ConvSplitSum, kernels.ConvSplitSumGroups(p))...)
				})
			}
		}
	}
}

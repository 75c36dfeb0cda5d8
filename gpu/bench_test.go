package gpu

import (
	"testing"

	"github.com/sdgo/sdgo/kernels"
)

// BenchmarkDispatchOverhead replays a recorded plan of 1,000 tiny dependent dispatches
// and reports the device time per dispatch, which is almost all fixed overhead.
func BenchmarkDispatchOverhead(b *testing.B) {
	for _, dependent := range []bool{false, true} {
		name := "independent"
		if dependent {
			name = "dependent"
		}
		b.Run(name, func(b *testing.B) {
			const n, count = 64, 1000
			x, _ := dev.Alloc(4 * n)
			defer x.Free()
			ys := make([]*Tensor, count)
			for i := range ys {
				ys[i], _ = dev.Alloc(4 * n)
				defer ys[i].Free()
			}
			k, err := dev.Kernel(kernels.Axpy)
			if err != nil {
				b.Fatal(err)
			}
			p := dev.NewPlan(false)
			defer p.Close()
			g, stride := kernels.Groups1D(n)
			for i := 0; i < count; i++ {
				y := ys[i]
				if dependent {
					y = ys[0] // every dispatch updates the same buffer: a barrier each
				}
				if err := p.Add(Dispatch{Kernel: k, Bindings: []Binding{Bind(x), Bind(y)}, Groups: [3]uint32{g, 1, 1},
					Params: Params(kernels.ElemParams{N: n, Stride: stride, Alpha: 1})}); err != nil {
					b.Fatal(err)
				}
			}
			if err := p.Run(); err != nil { // records and JITs
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := p.Run(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*count), "µs/dispatch")
			b.ReportMetric(float64(p.Barriers()), "barriers")
		})
	}
}

// BenchmarkUpload writes 64 MiB into a tensor and reports GB/s.
func BenchmarkUpload(b *testing.B) {
	const size = 64 << 20
	t, err := dev.Alloc(size)
	if err != nil {
		b.Fatal(err)
	}
	defer t.Free()
	data := make([]byte, size)
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := t.Write(0, data); err != nil {
			b.Fatal(err)
		}
	}
}

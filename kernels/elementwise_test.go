package kernels_test

import (
	"math/rand"
	"testing"
	"time"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/kernels"
)

// timeOps records ds as one plan, runs it once (JIT, warm-up), times b.N replays, and
// reports ms/op, GB/s for bytes of minimal traffic per replay (when > 0) and GFLOP/s for
// flop per replay (when > 0).
func timeOps(b *testing.B, d *gpu.Device, bytes, flop float64, ds ...gpu.Dispatch) {
	p := d.NewPlan(false)
	defer p.Close()
	for _, x := range ds {
		if err := p.Add(x); err != nil {
			b.Fatal(err)
		}
	}
	if err := p.Run(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if err := p.Run(); err != nil {
			b.Fatal(err)
		}
	}
	el := time.Since(start).Seconds() / float64(b.N)
	b.ReportMetric(el*1e3, "ms/op")
	if bytes > 0 {
		b.ReportMetric(bytes/el/1e9, "GB/s")
	}
	if flop > 0 {
		b.ReportMetric(flop/el/1e9, "GFLOP/s")
	}
}

// randTensor allocates n random normal float32 values on d.
func randTensor(tb testing.TB, d *gpu.Device, n int, seed int64) *gpu.Tensor {
	r := rand.New(rand.NewSource(seed))
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	t, err := d.Alloc(int64(4 * n))
	if err != nil {
		tb.Fatal(err)
	}
	if err := t.WriteFloat32(0, v); err != nil {
		tb.Fatal(err)
	}
	return t
}

func kernel(tb testing.TB, d *gpu.Device, s kernels.Spec) *gpu.Kernel {
	k, err := d.Kernel(s)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// BenchmarkElementwise measures GB/s of the 1-D kernels at the size of a SD1 level-1
// activation (2×320×64×64 floats, 10 MiB); copy is the bandwidth yardstick.
func BenchmarkElementwise(b *testing.B) {
	d := device(b)
	const n = 2 * 320 * 64 * 64
	x, y := randTensor(b, d, n, 1), randTensor(b, d, n, 2)
	defer x.Free()
	defer y.Free()
	bias := randTensor(b, d, 320, 3)
	defer bias.Free()
	g, stride := kernels.Groups1D(n)
	ep := gpu.Params(kernels.ElemParams{N: n, Stride: stride, Alpha: 0.5})
	for _, s := range []kernels.Spec{kernels.Copy, kernels.Silu, kernels.Gelu, kernels.GeluTanh, kernels.QuickGelu, kernels.Scale} {
		b.Run(s.Name, func(b *testing.B) {
			timeOps(b, d, 8*n, 0, gpu.Dispatch{Kernel: kernel(b, d, s), Bindings: []gpu.Binding{gpu.Bind(x), gpu.Bind(y)}, Params: ep, Groups: [3]uint32{g, 1, 1}})
		})
	}
	b.Run("mul_same", func(b *testing.B) {
		timeOps(b, d, 12*n, 0, gpu.Dispatch{Kernel: kernel(b, d, kernels.Mul), Bindings: []gpu.Binding{gpu.Bind(x), gpu.Bind(y), gpu.Bind(y)},
			Params: gpu.Params(kernels.BinaryParams{N: n, Stride: stride, Div: 1, Mod: n}), Groups: [3]uint32{g, 1, 1}})
	})
	b.Run("mul_channels_nchw", func(b *testing.B) {
		timeOps(b, d, 8*n, 0, gpu.Dispatch{Kernel: kernel(b, d, kernels.Mul), Bindings: []gpu.Binding{gpu.Bind(x), gpu.Bind(bias), gpu.Bind(y)},
			Params: gpu.Params(kernels.BinaryParams{N: n, Stride: stride, Div: 4096, Mod: 320}), Groups: [3]uint32{g, 1, 1}})
	})
	coef := randTensor(b, d, 8, 4)
	defer coef.Free()
	b.Run("lincomb_K2_cfg", func(b *testing.B) {
		h := int64(4 * n / 2)
		u, c := gpu.BindRange(x, 0, h), gpu.BindRange(x, h, h)
		gg, st := kernels.Groups1D(n / 2)
		timeOps(b, d, 6*n, 0, gpu.Dispatch{Kernel: kernel(b, d, kernels.Lincomb), Bindings: []gpu.Binding{gpu.Bind(coef), u, c, u, u, u, u, gpu.BindRange(y, 0, h)},
			Params: gpu.Params(kernels.LincombParams{N: n / 2, Stride: st, K: 2}), Groups: [3]uint32{gg, 1, 1}})
	})
	b.Run("nchw_to_tokens", func(b *testing.B) {
		p, grid := kernels.NewTransposeParams(int(n)/(320*4096), 320, 4096, true)
		timeOps(b, d, 8*n, 0, gpu.Dispatch{Kernel: kernel(b, d, kernels.NCHWToTokens), Bindings: []gpu.Binding{gpu.Bind(x), gpu.Bind(x), gpu.Bind(y)},
			Params: gpu.Params(p), Groups: grid})
	})
}

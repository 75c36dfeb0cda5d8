package conformance

import (
	"fmt"
	"math"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/kernels"
)

func init() {
	for _, n := range []int{1, 7, 64, 1000, 1 << 20} {
		register(Case{Kernel: "silu", Shape: fmt.Sprint(n), Run: func(d *gpu.Device) (Comparison, error) { return checkSilu(d, n) }})
		register(Case{Kernel: "axpy", Shape: fmt.Sprint(n), Run: func(d *gpu.Device) (Comparison, error) { return checkAxpy(d, n) }})
	}
}

// elementwise1D runs a 1-D elementwise kernel with bindings x (read) and y (written or
// updated) and returns y.
func elementwise1D(d *gpu.Device, spec kernels.Spec, x, y []float32, alpha float32) ([]float32, error) {
	g, stride := kernels.Groups1D(len(x))
	outs, err := runKernel(d, spec, gpu.Params(kernels.ElemParams{N: uint32(len(x)), Stride: stride, Alpha: alpha}),
		[3]uint32{g, 1, 1}, [][]float32{x}, [][]float32{y})
	if err != nil {
		return nil, err
	}
	return outs[0], nil
}

func checkSilu(d *gpu.Device, n int) (Comparison, error) {
	x := randn(1, n, 3)
	got, err := elementwise1D(d, kernels.Silu, x, make([]float32, n), 0)
	if err != nil {
		return Comparison{}, err
	}
	cpu := make([]float32, n)
	kernels.SiluCPU(x, cpu)
	want := make([]float64, n)
	for i, v := range x {
		want[i] = float64(v) / (1 + math.Exp(-float64(v)))
	}
	return Compare(got, cpu, want, 1e-6, 1e-5), nil
}

func checkAxpy(d *gpu.Device, n int) (Comparison, error) {
	x, y := randn(2, n, 1), randn(3, n, 1)
	const alpha = 0.37
	got, err := elementwise1D(d, kernels.Axpy, x, y, alpha)
	if err != nil {
		return Comparison{}, err
	}
	cpu := append([]float32(nil), y...)
	kernels.AxpyCPU(alpha, x, cpu)
	want := make([]float64, n)
	for i := range x {
		want[i] = float64(y[i]) + float64(float32(alpha))*float64(x[i])
	}
	return Compare(got, cpu, want, 1e-6, 1e-6), nil
}

func init() {
	for _, n := range []int{1, 1000, 1 << 20} {
		slow := n > 1<<16
		for _, a := range []struct {
			spec kernels.Spec
			cpu  func(x, y []float32)
			f64  func(float64) float64
			// the inputs' scale: gelu-like functions see both tails
			scale float32
		}{
			{kernels.Gelu, kernels.GeluCPU, func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }, 4},
			{kernels.GeluTanh, kernels.GeluTanhCPU, func(x float64) float64 {
				return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
			}, 4},
			{kernels.QuickGelu, kernels.QuickGeluCPU, func(x float64) float64 { return x / (1 + math.Exp(-1.702*x)) }, 4},
			{kernels.Scale, func(x, y []float32) { kernels.ScaleCPU(-0.18215, x, y) }, func(x float64) float64 { return float64(float32(-0.18215)) * x }, 1},
		} {
			register(Case{Kernel: a.spec.Name, Shape: fmt.Sprint(n), Slow: slow, Run: func(d *gpu.Device) (Comparison, error) {
				x := randn(4, n, a.scale)
				if n >= 1000 { // the far tails too
					x[0], x[1], x[2], x[3] = 30, -30, 1e-3, -100
				}
				got, err := elementwise1D(d, a.spec, x, make([]float32, n), -0.18215)
				if err != nil {
					return Comparison{}, err
				}
				cpu := make([]float32, n)
				a.cpu(x, cpu)
				want := make([]float64, n)
				for i, v := range x {
					want[i] = a.f64(float64(v))
				}
				return Compare(got, cpu, want, 1e-6, 2e-6), nil
			}})
		}
	}
	// Broadcasts of the binary kernel: same shape, per-channel and per-(batch, channel)
	// on NCHW, a mask repeated over tokens' columns, scalar.
	type bc struct {
		name      string
		n, div, m int
		slow      bool
	}
	for _, c := range []bc{
		{"same 1000", 1000, 1, 1000, false},
		{"channels 2x5x7x3", 2 * 5 * 21, 21, 5, false},
		{"batch-channels 2x5x7x3", 2 * 5 * 21, 21, 10, false},
		{"cols 33x17", 33 * 17, 1, 17, false},
		{"scalar 100", 100, 1, 1, false},
		{"channels 2x320x64x64", 2 * 320 * 4096, 4096, 320, true},
		{"batch-channels 2x1280x8x8", 2 * 1280 * 64, 64, 2 * 1280, false},
	} {
		register(Case{Kernel: "mul", Shape: c.name, Slow: c.slow, Run: func(d *gpu.Device) (Comparison, error) {
			return checkMul(d, c.n, c.div, c.m)
		}})
	}
	register(Case{Kernel: "copy", Shape: "1000", Run: func(d *gpu.Device) (Comparison, error) {
		x := randn(9, 1000, 1)
		got, err := elementwise1D(d, kernels.Copy, x, make([]float32, 1000), 0)
		if err != nil {
			return Comparison{}, err
		}
		want := make([]float64, len(x))
		for i, v := range x {
			want[i] = float64(v)
		}
		return Compare(got, x, want, 0, 0), nil
	}})
}

func checkMul(d *gpu.Device, n, div, mod int) (Comparison, error) {
	a, b := randn(5, n, 1), randn(6, mod, 1)
	g, stride := kernels.Groups1D(n)
	p := kernels.BinaryParams{N: uint32(n), Stride: stride, Div: uint32(div), Mod: uint32(mod)}
	outs, err := runKernel(d, kernels.Mul, gpu.Params(p), [3]uint32{g, 1, 1}, [][]float32{a, b}, [][]float32{make([]float32, n)})
	if err != nil {
		return Comparison{}, err
	}
	cpu := make([]float32, n)
	kernels.MulCPU(p, a, b, cpu)
	want := make([]float64, n)
	for i := range want {
		want[i] = float64(a[i]) * float64(b[(i/div)%mod])
	}
	return Compare(outs[0], cpu, want, 1e-7, 1e-7), nil
}

// runKernel runs one dispatch of spec with the read bindings holding ins and the written
// bindings initialised with outs, and returns the written bindings' contents.
func runKernel(d *gpu.Device, spec kernels.Spec, params []byte, groups [3]uint32, ins, outs [][]float32) ([][]float32, error) {
	k, err := d.Kernel(spec)
	if err != nil {
		return nil, err
	}
	var binds []gpu.Binding
	var ts []*gpu.Tensor
	defer func() {
		for _, t := range ts {
			t.Free()
		}
	}()
	for _, v := range append(append([][]float32{}, ins...), outs...) {
		if len(v) == 0 {
			v = []float32{0}
		}
		t, err := upload(d, v)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
		binds = append(binds, gpu.Bind(t))
	}
	if err := runOnce(d, gpu.Dispatch{Kernel: k, Bindings: binds, Params: params, Groups: groups}); err != nil {
		return nil, err
	}
	res := make([][]float32, len(outs))
	for i := range outs {
		if res[i], err = ts[len(ins)+i].Float32s(); err != nil {
			return nil, err
		}
	}
	return res, nil
}

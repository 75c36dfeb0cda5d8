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
	k, err := d.Kernel(spec)
	if err != nil {
		return nil, err
	}
	tx, err := upload(d, x)
	if err != nil {
		return nil, err
	}
	defer tx.Free()
	ty, err := upload(d, y)
	if err != nil {
		return nil, err
	}
	defer ty.Free()
	g, stride := kernels.Groups1D(len(x))
	err = runOnce(d, gpu.Dispatch{Kernel: k, Bindings: []gpu.Binding{gpu.Bind(tx), gpu.Bind(ty)},
		Groups: [3]uint32{g, 1, 1}, Params: gpu.Params(kernels.ElemParams{N: uint32(len(x)), Stride: stride, Alpha: alpha})})
	if err != nil {
		return nil, err
	}
	return ty.Float32s()
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

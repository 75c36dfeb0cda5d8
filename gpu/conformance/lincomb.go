package conformance

import (
	"fmt"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/kernels"
)

func init() {
	for _, k := range []int{1, 2, 3, 6} {
		for _, n := range []int{1, 999} {
			register(Case{Kernel: "lincomb", Shape: fmt.Sprintf("K=%d n=%d", k, n), Run: func(d *gpu.Device) (Comparison, error) {
				return checkLincomb(d, k, n, false)
			}})
		}
	}
	register(Case{Kernel: "lincomb", Shape: "K=2 in place n=1000", Run: func(d *gpu.Device) (Comparison, error) {
		return checkLincomb(d, 2, 1000, true)
	}})
	register(Case{Kernel: "lincomb", Shape: "CFG 2x4x64x64", Run: func(d *gpu.Device) (Comparison, error) {
		return checkCFG(d, 4*64*64, 7.5)
	}})
	register(Case{Kernel: "lincomb", Shape: "K=6 2x4x128x128", Slow: true, Run: func(d *gpu.Device) (Comparison, error) {
		return checkLincomb(d, 6, 2*4*128*128, false)
	}})
}

// checkLincomb runs dst = Σ coef·src_k with the coefficients at an offset of a larger
// coefficient tensor, replays the same recorded plan with new coefficients (as a sampler
// does every step), and compares the second result. inPlace makes dst source 0.
func checkLincomb(d *gpu.Device, k, n int, inPlace bool) (Comparison, error) {
	kern, err := d.Kernel(kernels.Lincomb)
	if err != nil {
		return Comparison{}, err
	}
	const coefOff = 5
	coef := make([]float32, 16)
	srcs := make([][]float32, k)
	var ts []*gpu.Tensor
	defer func() {
		for _, t := range ts {
			t.Free()
		}
	}()
	tc, err := upload(d, coef)
	if err != nil {
		return Comparison{}, err
	}
	ts = append(ts, tc)
	binds := []gpu.Binding{gpu.Bind(tc)}
	for i := range srcs {
		srcs[i] = randn(int64(10+i), n, 1)
		t, err := upload(d, srcs[i])
		if err != nil {
			return Comparison{}, err
		}
		ts = append(ts, t)
		binds = append(binds, gpu.Bind(t))
	}
	for len(binds) < 1+kernels.LincombMaxSources {
		binds = append(binds, binds[1])
	}
	dst := binds[1]
	if !inPlace {
		t, err := d.Alloc(int64(4 * n))
		if err != nil {
			return Comparison{}, err
		}
		ts = append(ts, t)
		dst = gpu.Bind(t)
	}
	binds = append(binds, dst)
	g, stride := kernels.Groups1D(n)
	p := d.NewPlan(false)
	defer p.Close()
	if err := p.Add(gpu.Dispatch{Kernel: kern, Bindings: binds, Groups: [3]uint32{g, 1, 1},
		Params: gpu.Params(kernels.LincombParams{N: uint32(n), Stride: stride, K: uint32(k), CoefOff: coefOff})}); err != nil {
		return Comparison{}, err
	}
	if inPlace { // the first run's result would be the next run's input: run once only
		for i := 0; i < k; i++ {
			coef[coefOff+i] = 0.5 - 0.3*float32(i)
		}
		if err := tc.WriteFloat32(0, coef); err != nil {
			return Comparison{}, err
		}
	} else {
		for i := range coef {
			coef[i] = 100
		}
		if err := tc.WriteFloat32(0, coef); err != nil {
			return Comparison{}, err
		}
		if err := p.Run(); err != nil {
			return Comparison{}, err
		}
		for i := 0; i < k; i++ {
			coef[coefOff+i] = 0.5 - 0.3*float32(i)
		}
		if err := tc.WriteFloat32(coefOff, coef[coefOff:coefOff+k]); err != nil {
			return Comparison{}, err
		}
	}
	if err := p.Run(); err != nil {
		return Comparison{}, err
	}
	got := make([]float32, n)
	if err := dst.T.ReadFloat32(0, got); err != nil {
		return Comparison{}, err
	}
	cpu := make([]float32, n)
	if err := kernels.LincombCPU(coef, coefOff, srcs, cpu); err != nil {
		return Comparison{}, err
	}
	want := make([]float64, n)
	for i := range want {
		for j := 0; j < k; j++ {
			want[i] += float64(coef[coefOff+j]) * float64(srcs[j][i])
		}
	}
	return Compare(got, cpu, want, 1e-6, 1e-6), nil
}

// checkCFG is classifier-free guidance as a lincomb: the batched noise prediction
// [uncond; cond] is bound as two half-range sources and combined with coefficients
// (1−s, s): out = uncond + s·(cond − uncond).
func checkCFG(d *gpu.Device, n int, s float32) (Comparison, error) {
	kern, err := d.Kernel(kernels.Lincomb)
	if err != nil {
		return Comparison{}, err
	}
	pred := randn(20, 2*n, 1)
	tp, err := upload(d, pred)
	if err != nil {
		return Comparison{}, err
	}
	defer tp.Free()
	tc, err := upload(d, []float32{1 - s, s})
	if err != nil {
		return Comparison{}, err
	}
	defer tc.Free()
	out, err := d.Alloc(int64(4 * n))
	if err != nil {
		return Comparison{}, err
	}
	defer out.Free()
	un, co := gpu.BindRange(tp, 0, int64(4*n)), gpu.BindRange(tp, int64(4*n), int64(4*n))
	g, stride := kernels.Groups1D(n)
	err = runOnce(d, gpu.Dispatch{Kernel: kern, Bindings: []gpu.Binding{gpu.Bind(tc), un, co, un, un, un, un, gpu.Bind(out)},
		Groups: [3]uint32{g, 1, 1}, Params: gpu.Params(kernels.LincombParams{N: uint32(n), Stride: stride, K: 2})})
	if err != nil {
		return Comparison{}, err
	}
	got, err := out.Float32s()
	if err != nil {
		return Comparison{}, err
	}
	cpu := make([]float32, n)
	if err := kernels.LincombCPU([]float32{1 - s, s}, 0, [][]float32{pred[:n], pred[n:]}, cpu); err != nil {
		return Comparison{}, err
	}
	want := make([]float64, n)
	for i := range want {
		u, c := float64(pred[i]), float64(pred[n+i])
		want[i] = u + float64(s)*(c-u)
	}
	return Compare(got, cpu, want, 1e-5, 1e-6), nil
}

package conformance

import (
	"fmt"
	"math"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/kernels"
)

func init() {
	for _, s := range [][4]int{{5, 6, 9, 11}, {4, 4, 8, 8}, {3, 7, 5, 13}, {8, 8, 8, 8}} {
		register(Case{Kernel: "resize_nearest", Shape: fmt.Sprintf("%dx%d→%dx%d", s[0], s[1], s[2], s[3]),
			Run: func(d *gpu.Device) (Comparison, error) { return checkResize(d, 3, s[0], s[1], s[2], s[3]) }})
	}
}

func checkResize(d *gpu.Device, planes, h, w, oh, ow int) (Comparison, error) {
	x := randn(7, planes*h*w, 1)
	n := planes * oh * ow
	g, stride := kernels.Groups1D(n)
	p := kernels.ResizeParams{N: uint32(n), Stride: stride, H: uint32(h), W: uint32(w), OH: uint32(oh), OW: uint32(ow)}
	outs, err := runKernel(d, kernels.ResizeNearest, gpu.Params(p), [3]uint32{g, 1, 1}, [][]float32{x}, [][]float32{make([]float32, n)})
	if err != nil {
		return Comparison{}, err
	}
	got := outs[0]
	cpu := make([]float32, n)
	kernels.ResizeNearestCPU(p, x, cpu)
	// float64 reference: torch's rule, source = min(floor(dst·in/out), in−1).
	want := make([]float64, n)
	for pl := 0; pl < planes; pl++ {
		for y := 0; y < oh; y++ {
			sy := min(int(math.Floor(float64(y)*float64(float32(h)/float32(oh)))), h-1)
			for xx := 0; xx < ow; xx++ {
				sx := min(int(math.Floor(float64(xx)*float64(float32(w)/float32(ow)))), w-1)
				want[(pl*oh+y)*ow+xx] = float64(x[(pl*h+sy)*w+sx])
			}
		}
	}
	return Compare(got, cpu, want, 0, 0), nil
}

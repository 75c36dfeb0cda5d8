package conformance

import (
	"fmt"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/kernels"
)

func init() {
	for _, s := range [][4]int{{2, 5, 3, 4}, {1, 77, 8, 40}, {2, 64, 2, 16}} {
		for _, mode := range []string{"split", "split_t", "split_tp", "merge"} {
			register(Case{Kernel: "heads_" + mode, Shape: fmt.Sprintf("b%d t%d h%d d%d", s[0], s[1], s[2], s[3]),
				Run: func(d *gpu.Device) (Comparison, error) { return checkHeads(d, mode, s[0], s[1], s[2], s[3]) }})
		}
	}
}

// checkHeads runs a head layout change: split, split_t (transposed), split_tp
// (transposed, rows padded to the texel flash kernel's key blocks) or merge.
func checkHeads(d *gpu.Device, mode string, b, t, h, dh int) (Comparison, error) {
	n := b * t * h * dh
	x := randn(9, n, 1)
	p, grid := kernels.NewHeadsParams(b, t, h, dh)
	tp := t
	switch mode {
	case "split_t":
		p, grid = kernels.NewTransposedHeadsParams(b, t, h, dh, tp)
	case "split_tp":
		tp = kernels.FlashTexVtRow(t)
		p, grid = kernels.NewTransposedHeadsParams(b, t, h, dh, tp)
	}
	spec, merge := kernels.SplitHeads, mode == "merge"
	if merge {
		spec = kernels.MergeHeads
	}
	out := n / t * tp
	garbage := randn(10, out, 1) // the padding must be written, not left
	outs, err := runKernel(d, spec, gpu.Params(p), grid, [][]float32{x}, [][]float32{garbage})
	if err != nil {
		return Comparison{}, err
	}
	cpu := make([]float32, out)
	kernels.HeadsCPU(p, merge, x, cpu)
	// Independent index arithmetic: token-major index of (b, t, head, d).
	want := make([]float64, out)
	for bi := 0; bi < b; bi++ {
		for hi := 0; hi < h; hi++ {
			for ti := 0; ti < t; ti++ {
				for di := 0; di < dh; di++ {
					tok := ((bi*t+ti)*h+hi)*dh + di
					head := ((bi*h+hi)*t+ti)*dh + di
					switch mode {
					case "split":
						want[head] = float64(x[tok])
					case "split_t", "split_tp":
						want[((bi*h+hi)*dh+di)*tp+ti] = float64(x[tok])
					default:
						want[tok] = float64(x[head])
					}
				}
			}
		}
	}
	return Compare(outs[0], cpu, want, 0, 0), nil
}

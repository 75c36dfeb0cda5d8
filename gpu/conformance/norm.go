package conformance

import (
	"fmt"
	"math"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/kernels"
)

func init() {
	type gn struct {
		b, c, h, w int
		eps        float32
		act        uint32
		offset     float32 // added to x: stability with a large mean
		slow       bool
		atol       float64
	}
	for _, s := range []gn{
		{2, 64, 5, 7, 1e-5, kernels.GroupNormNoAct, 0, false, 2e-6},
		{1, 96, 9, 9, 1e-6, kernels.GroupNormSilu, 0, false, 2e-6},
		{1, 32, 33, 33, 1e-5, kernels.GroupNormSilu, 100, false, 3e-5},
		{2, 320, 16, 16, 1e-5, kernels.GroupNormSilu, 0, false, 2e-6},
		{2, 320, 64, 64, 1e-5, kernels.GroupNormSilu, 0, true, 3e-6},
		{2, 1280, 8, 8, 1e-5, kernels.GroupNormNoAct, 0, true, 2e-6},
		{1, 128, 512, 512, 1e-6, kernels.GroupNormSilu, 3, true, 1e-5},
		{2, 64, 5, 7, 1e-5, kernels.GroupNormTokens, 0, false, 2e-6},
		{1, 96, 9, 9, 1e-6, kernels.GroupNormSilu | kernels.GroupNormTokens, 0, false, 2e-6},
		// a per-channel shift (the UNet ResNets' timestep projection): channels of 35, 81,
		// 64 and 4096 pixels, groups of 2–40 channels, both layouts
		{2, 64, 5, 7, 1e-5, kernels.GroupNormSilu | kernels.GroupNormShift, 0, false, 2e-6},
		{1, 96, 9, 9, 1e-6, kernels.GroupNormShift | kernels.GroupNormTokens, 0, false, 2e-6},
		{2, 1280, 8, 8, 1e-5, kernels.GroupNormSilu | kernels.GroupNormShift | kernels.GroupNormTokens, 0, false, 2e-6},
		{2, 320, 64, 64, 1e-5, kernels.GroupNormSilu | kernels.GroupNormShift | kernels.GroupNormTokens, 0, true, 3e-6},
		// channels-last with C and HW multiples of 4 (the texel apply pass on CPU
		// devices): groups of 4 channels (the VAE's), of 10 and 2 (channel quads across
		// groups), a last workgroup of 1 and 3 pixel quads
		{1, 128, 12, 12, 1e-6, kernels.GroupNormSilu | kernels.GroupNormTokens, 0, false, 2e-6},
		{2, 320, 6, 10, 1e-5, kernels.GroupNormSilu | kernels.GroupNormShift | kernels.GroupNormTokens, 0, false, 2e-6},
		{1, 64, 5, 4, 1e-5, kernels.GroupNormTokens, 0, false, 2e-6},
		// texel statistics whose threads take unequal counts (T = 4 over 250 texels),
		// and groups of 80 channels, where a thread's channel steps by whole channels
		{1, 320, 10, 10, 1e-5, kernels.GroupNormSilu, 0, false, 2e-6},
		{1, 2560, 4, 4, 1e-5, kernels.GroupNormSilu | kernels.GroupNormShift | kernels.GroupNormTokens, 0, false, 2e-6},
	} {
		name := "groupnorm"
		if s.act&kernels.GroupNormSilu != 0 {
			name += "+silu"
		}
		if s.act&kernels.GroupNormTokens != 0 {
			name += "→tokens"
		}
		if s.act&kernels.GroupNormShift != 0 {
			name = "shifted " + name
		}
		shape := fmt.Sprintf("%dx%dx%dx%d eps%g", s.b, s.c, s.h, s.w, s.eps)
		if s.offset != 0 {
			shape += fmt.Sprintf(" +%g", s.offset)
		}
		// Both partitionings of the statistics (GroupNormThreads) on every device, except
		// that the CPU partitioning's cases taking the texel passes (HW % 4 == 0) are
		// CPU-only.
		for _, t := range []kernels.Target{{CPU: true}, {}} {
			per := fmt.Sprintf(" T=%d", kernels.GroupNormThreads(s.c/32*s.h*s.w, t))
			p := kernels.NewGroupNormParams(s.b, s.c, s.h*s.w, 32, s.eps, s.act, t)
			tex := kernels.GroupNormStatsFor(p).Texels|kernels.GroupNormApplyFor(p, t).Texels != 0
			if tex {
				per += " texels"
			}
			register(Case{Kernel: name, Shape: shape + per, Slow: s.slow, CPUOnly: tex, Run: func(d *gpu.Device) (Comparison, error) {
				return checkGroupNorm(d, s.b, s.c, s.h*s.w, s.eps, s.act, s.offset, s.atol, t)
			}})
		}
	}
	for _, s := range []struct {
		rows, d int
		slow    bool
	}{{1, 1, false}, {77, 768, false}, {33, 320, false}, {2 * 77, 1024, false}, {2 * 4096, 320, true}, {2 * 256, 1280, true}} {
		for _, spec := range []kernels.Spec{kernels.LayerNorm, kernels.LayerNormTex, kernels.LayerNormRows} {
			if spec.Texels != 0 && s.d%4 != 0 {
				continue // the texel build takes whole texels
			}
			register(Case{Kernel: spec.Name, Shape: fmt.Sprintf("%dx%d", s.rows, s.d), Slow: s.slow, CPUOnly: spec.Texels != 0, Run: func(d *gpu.Device) (Comparison, error) {
				return checkLayerNorm(d, spec, s.rows, s.d)
			}})
		}
	}
}

// groupNormDispatches returns GroupNorm's three dispatches on device t for x [B,C,HW]
// (+ shift [B,C] with GroupNormShift) → y with scratch tensors part and stat of the
// sizes GroupNormGroups reports.
func groupNormDispatches(d *gpu.Device, p kernels.GroupNormParams, t kernels.Target, x, shift, gamma, beta, part, stat, y *gpu.Tensor) ([]gpu.Dispatch, error) {
	groups, strides, _, _ := kernels.GroupNormGroups(p)
	var ks [3]*gpu.Kernel
	for i, s := range []kernels.Spec{kernels.GroupNormStatsFor(p), kernels.GroupNormFinal, kernels.GroupNormApplyFor(p, t)} {
		k, err := d.Kernel(s)
		if err != nil {
			return nil, err
		}
		ks[i] = k
	}
	pp := [3]kernels.GroupNormParams{p, p, p}
	for i := range pp {
		pp[i].Stride = strides[i]
	}
	return []gpu.Dispatch{
		{Kernel: ks[0], Bindings: []gpu.Binding{gpu.Bind(x), gpu.Bind(shift), gpu.Bind(part)}, Params: gpu.Params(pp[0]), Groups: groups[0]},
		{Kernel: ks[1], Bindings: []gpu.Binding{gpu.Bind(part), gpu.Bind(stat)}, Params: gpu.Params(pp[1]), Groups: groups[1]},
		{Kernel: ks[2], Bindings: []gpu.Binding{gpu.Bind(x), gpu.Bind(gamma), gpu.Bind(beta), gpu.Bind(stat), gpu.Bind(shift), gpu.Bind(y)}, Params: gpu.Params(pp[2]), Groups: groups[2]},
	}, nil
}

func checkGroupNorm(d *gpu.Device, b, c, hw int, eps float32, act uint32, offset float32, atol float64, t kernels.Target) (Comparison, error) {
	const g = 32
	n := b * c * hw
	x := randn(30, n, 1)
	for i := range x {
		x[i] += offset
	}
	gamma, beta := randn(31, c, 0.5), randn(32, c, 0.5)
	for i := range gamma {
		gamma[i] += 1
	}
	shift := randn(33, b*c, 2) // varies within a group, so it moves the variance too (a group-constant shift would cancel)
	p := kernels.NewGroupNormParams(b, c, hw, g, eps, act, t)
	_, _, partN, statN := kernels.GroupNormGroups(p)
	var ts []*gpu.Tensor
	defer func() {
		for _, t := range ts {
			t.Free()
		}
	}()
	var tt [7]*gpu.Tensor
	for i, v := range [][]float32{x, shift, gamma, beta, make([]float32, partN), make([]float32, statN), make([]float32, n)} {
		t, err := upload(d, v)
		if err != nil {
			return Comparison{}, err
		}
		ts = append(ts, t)
		tt[i] = t
	}
	ds, err := groupNormDispatches(d, p, t, tt[0], tt[1], tt[2], tt[3], tt[4], tt[5], tt[6])
	if err != nil {
		return Comparison{}, err
	}
	if err := runOnce(d, ds...); err != nil {
		return Comparison{}, err
	}
	got, err := tt[6].Float32s()
	if err != nil {
		return Comparison{}, err
	}
	cpu := make([]float32, n)
	kernels.GroupNormCPU(p, x, shift, gamma, beta, cpu)
	want := make([]float64, n)
	m := c / g * hw
	xs := make([]float64, m)
	for bg := 0; bg < b*g; bg++ {
		for j := range xs {
			xs[j] = float64(x[bg*m+j])
			if act&kernels.GroupNormShift != 0 {
				xs[j] += float64(shift[(bg*m+j)/hw])
			}
		}
		mean, v := 0.0, 0.0
		for _, e := range xs {
			mean += e
		}
		mean /= float64(m)
		for _, e := range xs {
			v += (e - mean) * (e - mean)
		}
		rstd := 1 / math.Sqrt(v/float64(m)+float64(eps))
		for j := range xs {
			i := bg*m + j
			ch := (i / hw) % c
			y := (xs[j]-mean)*rstd*float64(gamma[ch]) + float64(beta[ch])
			if act&kernels.GroupNormSilu != 0 {
				y = y / (1 + math.Exp(-y))
			}
			if act&kernels.GroupNormTokens != 0 {
				i = (i/(c*hw)*hw+i%hw)*c + ch // channels-last
			}
			want[i] = y
		}
	}
	return Compare(got, cpu, want, atol, 1e-5), nil
}

func checkLayerNorm(d *gpu.Device, spec kernels.Spec, rows, dim int) (Comparison, error) {
	x := randn(40, rows*dim, 2)
	for i := range x {
		x[i] += 0.5
	}
	gamma, beta := randn(41, dim, 1), randn(42, dim, 1)
	g, stride := kernels.Groups1D(rows)
	p := kernels.LayerNormParams{Rows: uint32(rows), D: uint32(dim), Stride: stride, Eps: 1e-5}
	groups := [3]uint32{g, 1, 1}
	if spec.Name == kernels.LayerNormRows.Name {
		groups = kernels.LayerNormRowsGroups(rows)
	}
	outs, err := runKernel(d, spec, gpu.Params(p), groups, [][]float32{x, gamma, beta}, [][]float32{make([]float32, rows*dim)})
	if err != nil {
		return Comparison{}, err
	}
	cpu := make([]float32, rows*dim)
	kernels.LayerNormCPU(p, x, gamma, beta, cpu)
	want := make([]float64, rows*dim)
	for r := 0; r < rows; r++ {
		xs := x[r*dim : (r+1)*dim]
		mean, v := 0.0, 0.0
		for _, e := range xs {
			mean += float64(e)
		}
		mean /= float64(dim)
		for _, e := range xs {
			v += (float64(e) - mean) * (float64(e) - mean)
		}
		rstd := 1 / math.Sqrt(v/float64(dim)+1e-5)
		for j, e := range xs {
			want[r*dim+j] = (float64(e)-mean)*rstd*float64(gamma[j]) + float64(beta[j])
		}
	}
	return Compare(outs[0], cpu, want, 1e-5, 1e-5), nil
}

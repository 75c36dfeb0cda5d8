package conformance

import (
	"fmt"
	"math"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/kernels"
)

func init() {
	// Both builds where the texel one fits (per-batch sizes multiples of 4; 2×(3+5)×4:
	// a and b of 3 and 5 texels, a row of 8 split between them).
	// 1×(1+1)×(2²¹+4): rows of 2²⁰ + 2 texels, past the texel build's 2²⁰ a grid row
	// covers.
	for _, s := range [][5]int{{1, 1, 2, 1, 0}, {2, 3, 5, 7, 0}, {2, 3, 5, 4, 0}, {2, 320, 320, 64, 0}, {1, 1, 1, 1<<21 + 4, 0}, {2, 640, 320, 4096, 1}} {
		b, c1, c2, hw, slow := s[0], s[1], s[2], s[3], s[4] == 1
		for _, t := range []kernels.Target{{CPU: true}, {}} {
			spec, _, _ := kernels.ConcatFor(b, c1*hw, c2*hw, t)
			if spec.Texels == 0 && t.CPU {
				continue // the storage-buffer build: the GPU case below runs it
			}
			register(Case{Kernel: spec.Name, Shape: fmt.Sprintf("%dx(%d+%d)x%d", b, c1, c2, hw), Slow: slow, CPUOnly: spec.Texels != 0, Run: func(d *gpu.Device) (Comparison, error) {
				return checkConcat(d, b, c1, c2, hw, t)
			}})
		}
	}
	for _, s := range [][4]int{{1, 1, 1, 1}, {2, 3, 3, 5}, {2, 1280, 8, 8}, {1, 1280, 32, 32}, {1, 512, 64, 64}} {
		b, c, h, w := s[0], s[1], s[2], s[3]
		for _, tokens := range []bool{false, true} {
			shape := fmt.Sprintf("%dx%dx%dx%d", b, c, h, w)
			if tokens {
				shape += "→tokens"
			}
			register(Case{Kernel: "upsample2x", Shape: shape, Slow: b*c*h*w > 1<<18, Run: func(d *gpu.Device) (Comparison, error) {
				return checkUpsample(d, b, c, h, w, tokens)
			}})
		}
	}
	for _, s := range []struct {
		ts  []float32
		dim int
	}{{[]float32{999, 999}, 320}, {[]float32{0, 1, 500.5, 981}, 320}, {[]float32{3}, 8}} {
		register(Case{Kernel: "timestep_embedding", Shape: fmt.Sprintf("%dx%d", len(s.ts), s.dim), Run: func(d *gpu.Device) (Comparison, error) {
			return checkTimestep(d, s.ts, s.dim)
		}})
	}
	// Ragged shapes, and C and HW multiples of 4 (the texel builds on CPU devices): one
	// and several workgroups along a row, and 16385 rows of texels, past the grid's
	// 16384 (the workgroups step through them).
	for _, s := range [][3]int{{1, 1, 1}, {2, 3, 35}, {2, 37, 18}, {2, 8, 12}, {1, 12, 280}, {1, 4, 4 * 16385}, {2, 320, 4096}, {1, 512, 64 * 64}} {
		b, c, hw := s[0], s[1], s[2]
		slow := b*c*hw > 1<<20
		for _, dir := range []string{"nchw_to_tokens", "tokens_to_nchw"} {
			for _, res := range []bool{false, true} {
				for _, t := range []kernels.Target{{CPU: true}, {}} {
					spec, _, _ := kernels.TransposeFor(b, c, hw, dir == "nchw_to_tokens", t)
					if spec.Texels == 0 && t.CPU {
						continue // the storage-buffer build: the GPU case below runs it
					}
					shape := fmt.Sprintf("%dx%dx%d", b, c, hw)
					if res {
						shape += "+r"
					}
					register(Case{Kernel: spec.Name, Shape: shape, Slow: slow, CPUOnly: spec.Texels != 0, Run: func(d *gpu.Device) (Comparison, error) {
						return checkTranspose(d, dir, b, c, hw, res, t)
					}})
				}
			}
		}
	}
	for _, s := range [][2]int{{1, 1}, {1, 4}, {7, 77}, {33, 1000}, {5, 4096}, {2 * 8 * 64, 4096}} {
		rows, cols := s[0], s[1]
		for _, spec := range []kernels.Spec{kernels.Softmax, kernels.SoftmaxTex} {
			if spec.Texels != 0 && !kernels.SoftmaxTexFits(kernels.SoftmaxParams{Cols: uint32(cols)}) {
				continue
			}
			register(Case{Kernel: spec.Name, Shape: fmt.Sprintf("%dx%d", rows, cols), Slow: rows*cols > 1<<20, CPUOnly: spec.Texels != 0, Run: func(d *gpu.Device) (Comparison, error) {
				return checkSoftmax(d, spec, rows, cols)
			}})
		}
	}
	for _, n := range []int{1, 7, 100000} {
		register(Case{Kernel: "f32_to_f16", Shape: fmt.Sprint(n), Run: func(d *gpu.Device) (Comparison, error) { return checkToF16(d, n) }})
	}
	register(Case{Kernel: "f16_to_f32", Shape: "all 65536 halves", Run: checkToF32})
}

func identity64(v []float32) []float64 {
	w := make([]float64, len(v))
	for i, x := range v {
		w[i] = float64(x)
	}
	return w
}

func checkConcat(d *gpu.Device, b, c1, c2, hw int, t kernels.Target) (Comparison, error) {
	a, bb := randn(50, b*c1*hw, 1), randn(51, b*c2*hw, 1)
	n := b * (c1 + c2) * hw
	spec, p, grid := kernels.ConcatFor(b, c1*hw, c2*hw, t)
	outs, err := runKernel(d, spec, gpu.Params(p), grid, [][]float32{a, bb}, [][]float32{make([]float32, n)})
	if err != nil {
		return Comparison{}, err
	}
	cpu := make([]float32, n)
	kernels.ConcatCPU(p, a, bb, cpu)
	want := make([]float64, 0, n)
	for i := 0; i < b; i++ {
		want = append(want, identity64(a[i*c1*hw:(i+1)*c1*hw])...)
		want = append(want, identity64(bb[i*c2*hw:(i+1)*c2*hw])...)
	}
	return Compare(outs[0], cpu, want, 0, 0), nil
}

func checkUpsample(d *gpu.Device, b, c, h, w int, tokens bool) (Comparison, error) {
	bc := b * c
	x := randn(52, bc*h*w, 1)
	n := 4 * bc * h * w
	g, stride := kernels.Groups1D(n)
	p := kernels.UpsampleParams{N: uint32(n), Stride: stride, H: uint32(h), W: uint32(w), C: uint32(c)}
	if tokens {
		g, stride = kernels.Groups1D(n / c) // a thread per pixel
		p.Tokens, p.Stride = 1, stride
	}
	outs, err := runKernel(d, kernels.Upsample2x, gpu.Params(p), [3]uint32{g, 1, 1}, [][]float32{x}, [][]float32{make([]float32, n)})
	if err != nil {
		return Comparison{}, err
	}
	cpu := make([]float32, n)
	kernels.Upsample2xCPU(p, x, cpu)
	want := make([]float64, n)
	for pl := 0; pl < bc; pl++ {
		for y := 0; y < 2*h; y++ {
			for xx := 0; xx < 2*w; xx++ {
				i := (pl*2*h+y)*2*w + xx
				if tokens {
					i = ((pl/c*2*h+y)*2*w+xx)*c + pl%c
				}
				want[i] = float64(x[(pl*h+y/2)*w+xx/2])
			}
		}
	}
	return Compare(outs[0], cpu, want, 0, 0), nil
}

// checkTimestep runs the embedding from one recorded plan twice, writing a new
// timestep tensor in between (as the pipeline does every step), and checks the second.
func checkTimestep(d *gpu.Device, ts []float32, dim int) (Comparison, error) {
	k, err := d.Kernel(kernels.TimestepEmbedding)
	if err != nil {
		return Comparison{}, err
	}
	b := len(ts)
	tt, err := upload(d, append(make([]float32, 3), make([]float32, b)...))
	if err != nil {
		return Comparison{}, err
	}
	defer tt.Free()
	y, err := d.Alloc(int64(4 * b * dim))
	if err != nil {
		return Comparison{}, err
	}
	defer y.Free()
	n := b * dim
	g, stride := kernels.Groups1D(n)
	p := kernels.TimestepParams{N: uint32(n), Stride: stride, Dim: uint32(dim), TOff: 3, TStep: 1}
	pl := d.NewPlan(false)
	defer pl.Close()
	if err := pl.Add(gpu.Dispatch{Kernel: k, Bindings: []gpu.Binding{gpu.Bind(tt), gpu.Bind(y)}, Params: gpu.Params(p), Groups: [3]uint32{g, 1, 1}}); err != nil {
		return Comparison{}, err
	}
	if err := pl.Run(); err != nil {
		return Comparison{}, err
	}
	if err := tt.WriteFloat32(3, ts); err != nil {
		return Comparison{}, err
	}
	if err := pl.Run(); err != nil {
		return Comparison{}, err
	}
	got, err := y.Float32s()
	if err != nil {
		return Comparison{}, err
	}
	tbuf := append(make([]float32, 3), ts...)
	cpu := make([]float32, n)
	kernels.TimestepEmbeddingCPU(p, tbuf, cpu)
	want := make([]float64, n)
	half := dim / 2
	for r := 0; r < b; r++ {
		for j := 0; j < half; j++ {
			a := float64(ts[r]) * math.Exp(-math.Log(10000)*float64(j)/float64(half))
			want[r*dim+j] = math.Cos(a)
			want[r*dim+half+j] = math.Sin(a)
		}
	}
	// t·f is rounded to float32 (as in torch): |t|·2^-24 ≈ 6e-5 at t = 999.
	return Compare(got, cpu, want, 2e-4, 0), nil
}

func checkTranspose(d *gpu.Device, dir string, b, c, hw int, res bool, t kernels.Target) (Comparison, error) {
	n := b * c * hw
	x, r := randn(53, n, 1), randn(55, n, 1)
	spec, p, grid := kernels.TransposeFor(b, c, hw, dir == "nchw_to_tokens", t)
	if res {
		p.Residual = 1
	}
	cpuf := kernels.NCHWToTokensCPU
	if dir == "tokens_to_nchw" {
		cpuf = kernels.TokensToNCHWCPU
	}
	outs, err := runKernel(d, spec, gpu.Params(p), grid, [][]float32{x, r}, [][]float32{make([]float32, n)})
	if err != nil {
		return Comparison{}, err
	}
	cpu := make([]float32, n)
	cpuf(p, x, r, cpu)
	want := make([]float64, n)
	for bi := 0; bi < b; bi++ {
		for ci := 0; ci < c; ci++ {
			for t := 0; t < hw; t++ {
				nchw, tok := (bi*c+ci)*hw+t, (bi*hw+t)*c+ci
				from, to := nchw, tok
				if dir == "tokens_to_nchw" {
					from, to = tok, nchw
				}
				want[to] = float64(x[from])
				if res {
					want[to] += float64(r[to])
				}
			}
		}
	}
	rtol := 0.0 // a copy is exact
	if res {
		rtol = 0x1p-23 // one fp32 add: half an ulp of the sum, an ulp of slack
	}
	return Compare(outs[0], cpu, want, 0, rtol), nil
}

func checkSoftmax(d *gpu.Device, spec kernels.Spec, rows, cols int) (Comparison, error) {
	x := randn(54, rows*cols, 4)
	const scale = 0.3
	g, stride := kernels.Groups1D(rows)
	p := kernels.SoftmaxParams{Rows: uint32(rows), Cols: uint32(cols), Stride: stride, Scale: scale}
	outs, err := runKernel(d, spec, gpu.Params(p), [3]uint32{g, 1, 1}, [][]float32{x}, [][]float32{make([]float32, rows*cols)})
	if err != nil {
		return Comparison{}, err
	}
	cpu := make([]float32, rows*cols)
	kernels.SoftmaxCPU(p, x, cpu)
	want := make([]float64, rows*cols)
	for r := 0; r < rows; r++ {
		xs := x[r*cols : (r+1)*cols]
		m := math.Inf(-1)
		for _, v := range xs {
			m = math.Max(m, float64(v))
		}
		s := 0.0
		for j, v := range xs {
			want[r*cols+j] = math.Exp((float64(v) - m) * float64(float32(scale)))
			s += want[r*cols+j]
		}
		for j := range xs {
			want[r*cols+j] /= s
		}
	}
	return Compare(outs[0], cpu, want, 1e-7, 1e-5), nil
}

// checkToF16 converts values spanning the half range (normals, subnormals, overflow)
// and compares the decoded halves: the CPU reference must match bit for bit (atol 0
// against it is enforced through the shared tolerance only for exact values, so the
// float64 tolerance is half an fp16 ulp, and subnormals 2^-25).
func checkToF16(d *gpu.Device, n int) (Comparison, error) {
	x := randn(55, n, 1)
	for i := range x {
		switch i % 4 {
		case 1:
			x[i] *= 1e-5 // subnormal halves
		case 2:
			x[i] *= 3000
		}
	}
	if n > 10 {
		x[0], x[1], x[2] = 70000, -1e-9, 65519.99
	}
	words := (n + 1) / 2
	g, stride := kernels.Groups1D(words)
	p := kernels.ConvertParams{N: uint32(n), Stride: stride}
	k, err := d.Kernel(kernels.ConvertF32ToF16)
	if err != nil {
		return Comparison{}, err
	}
	tx, err := upload(d, x)
	if err != nil {
		return Comparison{}, err
	}
	defer tx.Free()
	ty, err := d.Alloc(int64(4 * words))
	if err != nil {
		return Comparison{}, err
	}
	defer ty.Free()
	if err := runOnce(d, gpu.Dispatch{Kernel: k, Bindings: []gpu.Binding{gpu.Bind(tx), gpu.Bind(ty)}, Params: gpu.Params(p), Groups: [3]uint32{g, 1, 1}}); err != nil {
		return Comparison{}, err
	}
	gw, err := ty.Float32s()
	if err != nil {
		return Comparison{}, err
	}
	cw := make([]uint32, words)
	kernels.ConvertF32ToF16CPU(x, cw)
	got, cpu := make([]float32, n), make([]float32, n)
	want := make([]float64, n)
	mismatch := 0
	for i := 0; i < n; i++ {
		gh := uint16(math.Float32bits(gw[i/2]) >> (16 * uint(i%2)))
		ch := uint16(cw[i/2] >> (16 * uint(i%2)))
		if gh != ch {
			mismatch++
		}
		got[i], cpu[i] = kernels.F16ToF32(gh), kernels.F16ToF32(ch)
		want[i] = float64(x[i])
		if math.Abs(want[i]) > 65520 {
			want[i] = math.Inf(int(math.Copysign(1, want[i])))
		}
	}
	infOK := true
	for i := range got { // ±Inf: compared here, then kept out of Compare's arithmetic
		if math.IsInf(want[i], 0) {
			infOK = infOK && float64(got[i]) == want[i] && float64(cpu[i]) == want[i]
			got[i], cpu[i], want[i] = 0, 0, 0
		}
	}
	c := Compare(got, cpu, want, 1.0/(1<<25), 1.0/(1<<11))
	c.Pass = c.Pass && infOK
	if mismatch > 0 {
		return c, fmt.Errorf("%d halves differ from the CPU reference's rounding", mismatch)
	}
	return c, nil
}

func checkToF32(d *gpu.Device) (Comparison, error) {
	var words []uint32
	var want []float64
	for h := 0; h < 1<<16; h += 2 {
		lo, hi := uint16(h), uint16(h+1)
		if lo&0x7c00 == 0x7c00 { // Inf/NaN: keep out of the numeric comparison
			lo, hi = 0x3c00, 0x3c01
		}
		words = append(words, uint32(lo)|uint32(hi)<<16)
		want = append(want, float64(kernels.F16ToF32(lo)), float64(kernels.F16ToF32(hi)))
	}
	n := len(want)
	k, err := d.Kernel(kernels.ConvertF16ToF32)
	if err != nil {
		return Comparison{}, err
	}
	tx, err := d.Alloc(int64(4 * len(words)))
	if err != nil {
		return Comparison{}, err
	}
	defer tx.Free()
	if err := tx.Write(0, wordBytes(words)); err != nil {
		return Comparison{}, err
	}
	ty, err := d.Alloc(int64(4 * n))
	if err != nil {
		return Comparison{}, err
	}
	defer ty.Free()
	g, stride := kernels.Groups1D(n)
	p := kernels.ConvertParams{N: uint32(n), Stride: stride}
	if err := runOnce(d, gpu.Dispatch{Kernel: k, Bindings: []gpu.Binding{gpu.Bind(tx), gpu.Bind(ty)}, Params: gpu.Params(p), Groups: [3]uint32{g, 1, 1}}); err != nil {
		return Comparison{}, err
	}
	got, err := ty.Float32s()
	if err != nil {
		return Comparison{}, err
	}
	cpu := make([]float32, n)
	kernels.ConvertF16ToF32CPU(words, cpu)
	return Compare(got, cpu, want, 0, 0), nil
}

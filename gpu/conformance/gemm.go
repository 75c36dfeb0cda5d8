package conformance

import (
	"fmt"
	"math"
	"math/rand"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/kernels"
)

// gemmShape is one GEMM case: C[batch][m][n] = act(A·Bᵀ + bias) + R.
type gemmShape struct {
	batch, m, n, k int
	bias, res      bool
	act            uint32
	note           string
	kchunk         int // split-K chunk forced on the tensor-core variants
}

func (s gemmShape) String() string {
	str := fmt.Sprintf("%dx%dx%d", s.m, s.n, s.k)
	if s.batch > 1 {
		str = fmt.Sprintf("%d*", s.batch) + str
	}
	if s.bias {
		str += "+b"
	}
	if s.res {
		str += "+r"
	}
	str += [...]string{"", " gelu", " silu", " geglu"}[s.act]
	if s.note != "" {
		str += " " + s.note
	}
	if s.kchunk != 0 {
		str += fmt.Sprintf(" split-k %d", s.kchunk)
	}
	return str
}

// gemmQuick are small random shapes: 1, primes, non-multiples of every tile, each
// epilogue, a batch.
var gemmQuick = []gemmShape{
	{batch: 1, m: 1, n: 1, k: 1},
	{batch: 1, m: 7, n: 13, k: 5, bias: true},
	{batch: 1, m: 37, n: 67, k: 31, bias: true, act: kernels.GemmActGelu},
	{batch: 2, m: 19, n: 71, k: 64, res: true, act: kernels.GemmActSilu},
	{batch: 1, m: 70, n: 29, k: 97, bias: true, act: kernels.GemmActGeglu},
	{batch: 3, m: 5, n: 130, k: 2, bias: true, res: true},
	{batch: 1, m: 131, n: 133, k: 129, bias: true, res: true, act: kernels.GemmActGeglu},
	{batch: 2, m: 45, n: 37, k: 96, bias: true, res: true, act: kernels.GemmActGeglu},
	{batch: 1, m: 33, n: 70, k: 256, bias: true, act: kernels.GemmActGelu},
	// K a multiple of 8, for the texel kernels too
	{batch: 1, m: 1, n: 1, k: 8},
	{batch: 1, m: 7, n: 13, k: 40, bias: true},
	{batch: 3, m: 37, n: 67, k: 16, bias: true, res: true, act: kernels.GemmActGelu},
	{batch: 1, m: 70, n: 29, k: 104, bias: true, act: kernels.GemmActGeglu},
	{batch: 3, m: 65, n: 80, k: 64, res: true},
	// split-K (tensor-core variants): a ragged last chunk, GEGLU, a batch
	{batch: 2, m: 45, n: 37, k: 300, bias: true, res: true, act: kernels.GemmActGeglu, kchunk: 64},
	{batch: 1, m: 70, n: 130, k: 200, bias: true, act: kernels.GemmActGelu, kchunk: 128},
	{batch: 3, m: 19, n: 71, k: 256, res: true, kchunk: 64},
}

// gemmSplitSums are the shapes the split-K sum kernel is checked on by itself.
var gemmSplitSums = []gemmShape{
	{batch: 2, m: 45, n: 37, k: 300, bias: true, res: true, act: kernels.GemmActGeglu, kchunk: 64},
	{batch: 1, m: 70, n: 130, k: 200, bias: true, act: kernels.GemmActGelu, kchunk: 128},
	{batch: 3, m: 19, n: 71, k: 256, res: true, act: kernels.GemmActSilu, kchunk: 64},
}

// gemmSD lists the GEMM shapes of SD 1.5 and SD 2.1 at 512×512 (latent 64×64), M per
// image (classifier-free guidance doubles M). UNet transformer blocks at 64², 32², 16²,
// 8² tokens with 320/640/1280 channels: proj_in/out (Linear in SD 2.1), q/k/v/out,
// cross-attention k/v from the 77-token context (768 wide in SD 1.5, 1024 in SD 2.1),
// the GEGLU projection (2·4C rows) and the feed-forward output; the time embedding;
// CLIP ViT-L (SD 1.5) and OpenCLIP ViT-H (SD 2.1) text encoders; the VAE mid-block
// attention at 64² with 512 channels.
var gemmSD = []gemmShape{
	{1, 4096, 320, 320, true, false, 0, "unet64 q/out", 0},
	{1, 4096, 320, 320, true, true, 0, "unet64 out+res", 0},
	{1, 77, 320, 768, false, false, 0, "unet64 ctx k/v sd15", 0},
	{1, 77, 320, 1024, false, false, 0, "unet64 ctx k/v sd21", 0},
	{1, 4096, 1280, 320, true, false, kernels.GemmActGeglu, "unet64 geglu", 0},
	{1, 4096, 320, 1280, true, true, 0, "unet64 ff out", 0},
	{1, 1024, 640, 640, true, false, 0, "unet32 q/out", 0},
	{1, 77, 640, 768, false, false, 0, "unet32 ctx sd15", 0},
	{1, 77, 640, 1024, false, false, 0, "unet32 ctx sd21", 0},
	{1, 1024, 2560, 640, true, false, kernels.GemmActGeglu, "unet32 geglu", 0},
	{1, 1024, 640, 2560, true, true, 0, "unet32 ff out", 0},
	{1, 256, 1280, 1280, true, false, 0, "unet16 q/out", 0},
	{1, 77, 1280, 768, false, false, 0, "unet16 ctx sd15", 0},
	{1, 77, 1280, 1024, false, false, 0, "unet16 ctx sd21", 0},
	{1, 256, 5120, 1280, true, false, kernels.GemmActGeglu, "unet16 geglu", 0},
	{1, 256, 1280, 5120, true, true, 0, "unet16 ff out", 0},
	{1, 64, 1280, 1280, true, false, 0, "unet8 q/out", 0},
	{1, 64, 5120, 1280, true, false, kernels.GemmActGeglu, "unet8 geglu", 0},
	{1, 64, 1280, 5120, true, true, 0, "unet8 ff out", 0},
	{1, 1, 1280, 320, true, false, kernels.GemmActSilu, "time linear_1", 0},
	{1, 1, 1280, 1280, true, false, 0, "time linear_2", 0},
	{1, 77, 768, 768, true, false, 0, "clip-L qkv/out", 0},
	{1, 77, 3072, 768, true, false, 0, "clip-L fc1", 0},
	{1, 77, 768, 3072, true, true, 0, "clip-L fc2", 0},
	{1, 77, 1024, 1024, true, false, 0, "clip-H qkv/out", 0},
	{1, 77, 4096, 1024, true, false, kernels.GemmActGelu, "clip-H fc1", 0},
	{1, 77, 1024, 4096, true, true, 0, "clip-H fc2", 0},
	{1, 4096, 512, 512, true, false, 0, "vae attn", 0},
}

func init() {
	for _, v := range kernels.GemmVariants() {
		for _, f16 := range []bool{false, true} {
			spec, err := kernels.GemmKernel(v, f16)
			if err != nil {
				continue // a tensor-core variant with fp32 weights
			}
			var skip func(gpu.Info) string
			if tensorCore(v) {
				skip = needsCoopMatrix
			}
			for _, s := range gemmQuick {
				if !s.fits(v) {
					continue
				}
				register(Case{Kernel: spec.Name, Shape: s.String(), Skip: skip, CPUOnly: spec.Texels != 0, Run: func(d *gpu.Device) (Comparison, error) {
					return checkGemm(d, v, f16, s, false)
				}})
			}
			for _, s := range gemmSD {
				if !s.fits(v) {
					continue
				}
				register(Case{Kernel: spec.Name, Shape: s.String(), Slow: true, Skip: skip, CPUOnly: spec.Texels != 0, Run: func(d *gpu.Device) (Comparison, error) {
					return checkGemm(d, v, f16, s, true)
				}})
			}
		}
	}
	for _, s := range gemmSplitSums {
		register(Case{Kernel: kernels.GemmSplitSum.Name, Shape: s.String(), Run: func(d *gpu.Device) (Comparison, error) {
			return checkGemmSplitSum(d, s)
		}})
	}
}

// fits reports whether variant can run s (the texel builds need GemmTexFits, "tex5" and
// "texn" also no GEGLU; a forced split-K, the tensor-core variants). The narrow texel
// builds run the shapes of up to 70 rows ("texv") or 80 columns ("texn"): they are
// picked for 8 or fewer.
func (s gemmShape) fits(variant string) bool {
	p := kernels.NewGemmParams(s.batch, s.m, s.n, s.k, true, s.bias, s.res, s.act, false)
	if s.kchunk != 0 && !tensorCore(variant) {
		return false
	}
	switch variant {
	case "tex":
		return kernels.GemmTexFits(p)
	case "tex5":
		return kernels.GemmTexFits(p) && s.act != kernels.GemmActGeglu
	case "texv":
		return kernels.GemmTexFits(p) && s.m <= 70
	case "texn":
		return kernels.GemmTexFits(p) && s.act != kernels.GemmActGeglu && s.n <= 80
	}
	return true
}

// gemmTol is the tolerance of a GEMM with inner size k on data of unit scale (see
// checkGemm): fp32 accumulation of k products of size ~1/√k each has a rounding error
// that grows like √k·2⁻²⁴ (observed ≤ ~4e-7·√k·max|C|); the erf fit adds ≤ 1.2e-7.
func gemmTol(k int) (atol, rtol float64) {
	return 2e-6 * math.Sqrt(float64(k)), 2e-6
}

// checkGemm runs one GEMM case. A and R are N(0,1), weights N(0,1/k) so outputs are of
// unit scale; fp16 weights are rounded to half first, so the float64 reference sees the
// same weights. sample compares 4096 random output elements instead of all (full-size
// shapes, where the CPU reference of the whole output takes too long).
func checkGemm(d *gpu.Device, variant string, f16 bool, s gemmShape, sample bool) (Comparison, error) {
	spec, err := kernels.GemmKernel(variant, f16)
	if err != nil {
		return Comparison{}, err
	}
	k, err2 := d.Kernel(spec)
	if err2 != nil {
		return Comparison{}, err2
	}
	rows := s.n
	if s.act == kernels.GemmActGeglu {
		rows = 2 * s.n
	}
	p := kernels.GemmSplitK(variant, kernels.NewGemmParams(s.batch, s.m, s.n, s.k, f16, s.bias, s.res, s.act, false))
	if s.kchunk != 0 {
		p.KChunk = uint32(s.kchunk)
	}
	seed := int64(s.m*1000003 + s.n*1009 + s.k)
	a := randn(seed, s.batch*s.m*s.k, 1)
	w := randn(seed+1, s.batch*rows*s.k, float32(1/math.Sqrt(float64(s.k))))
	if f16 {
		for i := range w {
			w[i] = kernels.RoundF16(w[i])
		}
	}
	bias := randn(seed+2, rows, 0.5)
	r := randn(seed+3, s.batch*s.m*s.n, 1)
	var words []uint32
	if f16 {
		words = kernels.PackF16Rows(w, s.batch*rows, s.k)
	} else {
		words = kernels.F32Words(w)
	}

	ta, err := upload(d, a)
	if err != nil {
		return Comparison{}, err
	}
	defer ta.Free()
	tb, err := d.Alloc(int64(4 * len(words)))
	if err != nil {
		return Comparison{}, err
	}
	defer tb.Free()
	if err := tb.Write(0, wordBytes(words)); err != nil {
		return Comparison{}, err
	}
	tbias, err := upload(d, bias)
	if err != nil {
		return Comparison{}, err
	}
	defer tbias.Free()
	tr, err := upload(d, r)
	if err != nil {
		return Comparison{}, err
	}
	defer tr.Free()
	tc, err := d.Alloc(int64(4 * s.batch * s.m * s.n))
	if err != nil {
		return Comparison{}, err
	}
	defer tc.Free()
	err = runTiled(d, k, kernels.GemmSplitSum, kernels.GemmPartLen(p), gpu.Params(p),
		kernels.GemmGroups(variant, p), kernels.GemmSplitSumGroups(p), ta, tb, tbias, tr, tc)
	if err != nil {
		return Comparison{}, err
	}
	full, err := tc.Float32s()
	if err != nil {
		return Comparison{}, err
	}

	// The elements compared: all, or a fixed random sample.
	var at [][3]uint32
	if sample {
		rng := rand.New(rand.NewSource(seed))
		for i := 0; i < 4096; i++ {
			at = append(at, [3]uint32{uint32(rng.Intn(s.batch)), uint32(rng.Intn(s.m)), uint32(rng.Intn(s.n))})
		}
	} else {
		for b := 0; b < s.batch; b++ {
			for m := 0; m < s.m; m++ {
				for n := 0; n < s.n; n++ {
					at = append(at, [3]uint32{uint32(b), uint32(m), uint32(n)})
				}
			}
		}
	}
	cpuFull := make([]float32, len(full))
	kernels.GemmCPUAt(p, a, words, bias, r, cpuFull, at)
	got := make([]float32, len(at))
	cpu := make([]float32, len(at))
	want := make([]float64, len(at))
	for i, e := range at {
		b, m, n := int(e[0]), int(e[1]), int(e[2])
		idx := (b*s.m+m)*s.n + n
		got[i], cpu[i] = full[idx], cpuFull[idx]
		dot := func(row int) float64 {
			acc := 0.0
			ao, wo := (b*s.m+m)*s.k, (b*rows+row)*s.k
			for kk := 0; kk < s.k; kk++ {
				acc += float64(a[ao+kk]) * float64(w[wo+kk])
			}
			if s.bias {
				acc += float64(bias[row])
			}
			return acc
		}
		gate := 0.0
		if s.act == kernels.GemmActGeglu {
			gate = dot(n + s.n)
		}
		want[i] = s.epilogue(dot(n), gate, float64(r[idx]))
	}
	atol, rtol := gemmTol(s.k)
	return Compare(got, cpu, want, atol, rtol), nil
}

// epilogue is the float64 reference of the GEMM epilogue: the activation of the inner
// product v (bias added; gate: GEGLU's gate product) plus the residual r.
func (s gemmShape) epilogue(v, gate, r float64) float64 {
	switch s.act {
	case kernels.GemmActGelu:
		v = gelu64(v)
	case kernels.GemmActSilu:
		v = v / (1 + math.Exp(-v))
	case kernels.GemmActGeglu:
		v *= gelu64(gate)
	}
	if s.res {
		v += r
	}
	return v
}

// runTiled runs a GEMM or conv (kernel k over groups, with params; in, w, bias and r
// are the family's bindings 0..3) into out: directly, or split over K (parts > 0) into
// a partial-sum buffer that the sum kernel finishes into out.
func runTiled(d *gpu.Device, k *gpu.Kernel, sum kernels.Spec, parts int, params []byte, groups, sumGroups [3]uint32, in, w, bias, r, out *gpu.Tensor) error {
	if parts == 0 {
		return runOnce(d, gpu.Dispatch{Kernel: k, Bindings: []gpu.Binding{gpu.Bind(in), gpu.Bind(w), gpu.Bind(bias), gpu.Bind(r), gpu.Bind(out)}, Params: params, Groups: groups})
	}
	ks, err := d.Kernel(sum)
	if err != nil {
		return err
	}
	part, err := d.Alloc(int64(4 * parts))
	if err != nil {
		return err
	}
	defer part.Free()
	return runOnce(d,
		gpu.Dispatch{Kernel: k, Bindings: []gpu.Binding{gpu.Bind(in), gpu.Bind(w), gpu.Bind(bias), gpu.Bind(r), gpu.Bind(part)}, Params: params, Groups: groups},
		gpu.Dispatch{Kernel: ks, Bindings: []gpu.Binding{gpu.Bind(part), gpu.Bind(w), gpu.Bind(bias), gpu.Bind(r), gpu.Bind(out)}, Params: params, Groups: sumGroups})
}

// runSplitSum runs a split-K sum kernel once on the partial sums part with bias and
// residual r (the weight binding gets bias: the kernels do not read it) and returns its
// output, of r's length.
func runSplitSum(d *gpu.Device, sum kernels.Spec, params []byte, groups [3]uint32, part, bias, r []float32) ([]float32, error) {
	var ts []*gpu.Tensor
	defer func() {
		for _, t := range ts {
			t.Free()
		}
	}()
	for _, v := range [][]float32{part, bias, r, make([]float32, len(r))} {
		t, err := upload(d, v)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	k, err := d.Kernel(sum)
	if err != nil {
		return nil, err
	}
	err = runOnce(d, gpu.Dispatch{Kernel: k,
		Bindings: []gpu.Binding{gpu.Bind(ts[0]), gpu.Bind(ts[1]), gpu.Bind(ts[1]), gpu.Bind(ts[2]), gpu.Bind(ts[3])},
		Params:   params, Groups: groups})
	if err != nil {
		return nil, err
	}
	return ts[3].Float32s()
}

// checkGemmSplitSum checks the split-K sum kernel by itself: random partial sums of
// unit scale (each chunk's share of an inner product), added up and passed through the
// epilogue.
func checkGemmSplitSum(d *gpu.Device, s gemmShape) (Comparison, error) {
	p := kernels.NewGemmParams(s.batch, s.m, s.n, s.k, true, s.bias, s.res, s.act, false)
	p.KChunk = uint32(s.kchunk)
	seed := int64(s.m*7 + s.n*31 + s.k)
	part := randn(seed, kernels.GemmPartLen(p), 1)
	bias := randn(seed+1, 2*s.n, 0.5)
	r := randn(seed+2, s.batch*s.m*s.n, 1)
	got, err := runSplitSum(d, kernels.GemmSplitSum, gpu.Params(p), kernels.GemmSplitSumGroups(p), part, bias, r)
	if err != nil {
		return Comparison{}, err
	}
	cpu := make([]float32, len(r))
	kernels.GemmSplitSumCPU(p, part, bias, r, cpu)
	want := make([]float64, len(r))
	for b := 0; b < s.batch; b++ {
		for m := 0; m < s.m; m++ {
			for n := 0; n < s.n; n++ {
				sum := func(col int) float64 {
					acc := 0.0
					for c := 0; c < int(kernels.GemmSplits(&p)); c++ {
						acc += float64(part[kernels.GemmPartIdx(&p, uint32(c), uint32(b), uint32(m), uint32(col))])
					}
					if s.bias {
						acc += float64(bias[col])
					}
					return acc
				}
				gate := 0.0
				if s.act == kernels.GemmActGeglu {
					gate = sum(n + s.n)
				}
				idx := (b*s.m+m)*s.n + n
				want[idx] = s.epilogue(sum(n), gate, float64(r[idx]))
			}
		}
	}
	return Compare(got, cpu, want, 1e-5, 2e-6), nil
}

func gelu64(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }

func wordBytes(w []uint32) []byte {
	b := make([]byte, 4*len(w))
	for i, v := range w {
		b[4*i], b[4*i+1], b[4*i+2], b[4*i+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	return b
}

package kernels_test

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/kernels"
)

// peakLogged logs the device's fp32 peak estimate once per benchmark binary.
var peakLogged bool

func logPeak(b *testing.B, d *gpu.Device) {
	if peakLogged {
		return
	}
	peakLogged = true
	if d.Info.Type == gpu.CPU {
		b.Logf("device %s: CPU device; peak estimate for the CI machine's 2 vCPUs (AMD EPYC, measured 2026-11-27 as a Zen-1-class core that runs each 256-bit AVX2 op as two 128-bit halves, at 2.3–2.95 GHz): 74–94 GFLOP/s fp32 with FMA (one 8-wide FMA per cycle per core, 2 cores × 8 lanes × 2 flop); llvmpipe 25.0.7 emits a multiply and an add for each FMA, and a register-blocked AVX2 multiply-and-add loop peaks at 52–60 GFLOP/s on these cores (bench/README.md, fifteenth session)", d.Info.Name)
	} else {
		b.Logf("device %s (%s): see the vendor's fp32 peak (H100 SXM: ~67 TFLOP/s)", d.Info.Name, d.Info.Type)
	}
}

// benchVariants returns the variants to benchmark: $SDGO_BENCH_VARIANTS (comma list),
// else on CPU devices the texel and storage-buffer register kernels side by side (their
// ratio, measured in one run, is the figure to compare) and on GPUs the tiled kernels,
// with the tensor-core ones where the device has cooperative matrices.
func benchVariants(d *gpu.Device) []string {
	if v := os.Getenv("SDGO_BENCH_VARIANTS"); v != "" {
		return strings.Split(v, ",")
	}
	switch {
	case d.Info.Type == gpu.CPU:
		return []string{"tex", "reg"}
	case d.Info.CoopMatrix:
		return []string{"tile", "big", "cm", "cm64"}
	}
	return []string{"tile"}
}

// timePlan records ds as a plan, runs it once (JIT, warm-up), then times b.N replays.
func timePlan(b *testing.B, d *gpu.Device, flop float64, ds ...gpu.Dispatch) {
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
	el := time.Since(start)
	b.ReportMetric(flop*float64(b.N)/el.Seconds()/1e9, "GFLOP/s")
}

// withSplitK returns the dispatch of a GEMM or conv (main: bindings in, w, bias, r,
// out) as it runs: itself, or where params ask for split-K (parts > 0 partial sums),
// main writing to a scratch tensor and the family's sum kernel finishing into out.
func withSplitK(b *testing.B, d *gpu.Device, main gpu.Dispatch, parts int, sum kernels.Spec, sumGroups [3]uint32) []gpu.Dispatch {
	if parts == 0 {
		return []gpu.Dispatch{main}
	}
	k, err := d.Kernel(sum)
	if err != nil {
		b.Fatal(err)
	}
	part := filled(b, d, parts, 0)
	b.Cleanup(part.Free)
	bs := main.Bindings
	sumBindings := []gpu.Binding{gpu.Bind(part), bs[1], bs[2], bs[3], bs[4]}
	main.Bindings = []gpu.Binding{bs[0], bs[1], bs[2], bs[3], gpu.Bind(part)}
	return []gpu.Dispatch{main, {Kernel: k, Bindings: sumBindings, Params: main.Params, Groups: sumGroups}}
}

func filled(b *testing.B, d *gpu.Device, n int, v float32) *gpu.Tensor {
	t, err := d.Alloc(int64(4 * n))
	if err != nil {
		b.Fatal(err)
	}
	if err := t.Fill(math.Float32bits(v)); err != nil {
		b.Fatal(err)
	}
	return t
}

// BenchmarkGEMM times C = A·Bᵀ + bias at SD 1.5 shapes (MxNxK; the ff shape is the GEGLU
// projection, N output columns from 2N weight rows), fp16 and fp32 weights
// (SDGO_BENCH_VARIANTS=tex,tex5 compares the 32- and 40-column texel tiles, tex,texv,texn
// the narrow builds on the timestep projection's and a 3-channel conv_out's shapes).
func BenchmarkGEMM(b *testing.B) {
	d := device(b)
	logPeak(b, d)
	shapes := []struct {
		m, n, k int
		act     uint32
	}{
		{4096, 320, 320, 0},
		{4096, 1280, 320, kernels.GemmActGeglu},
		{4096, 320, 1280, 0},
		{1024, 640, 640, 0},
		{256, 1280, 1280, 0},
		{77, 1280, 768, 0},
		{128, 1280, 1280, 0}, // 8×8 latents with guidance: split-K on tensor cores
		{128, 1280, 5120, 0},
		{4096, 40, 4096, 0}, // attention's P·V at head dim 40 (one pair)
		{2, 1280, 1280, 0},  // the timestep projections with guidance ("texv")
		{1920, 3, 128, 0},   // a Winograd position of the VAE's conv_out at 256² ("texn")
	}
	for _, v := range benchVariants(d) {
		for _, f16 := range []bool{true, false} {
			spec, err := kernels.GemmKernel(v, f16)
			if err != nil && !f16 {
				continue // a tensor-core variant: fp16 weights only
			} else if err != nil {
				b.Fatal(err)
			}
			for _, s := range shapes {
				if s.act == kernels.GemmActGeglu && (v == "tex5" || v == "texn") {
					continue // their tiles cannot pair values with gates
				}
				name := fmt.Sprintf("%s/%dx%dx%d", spec.Name, s.m, s.n, s.k)
				if s.act == kernels.GemmActGeglu {
					name += "geglu"
				}
				b.Run(name, func(b *testing.B) {
					k, err := d.Kernel(spec)
					if err != nil {
						b.Fatal(err)
					}
					rows := s.n
					if s.act == kernels.GemmActGeglu {
						rows *= 2
					}
					p := kernels.GemmSplitK(v, kernels.NewGemmParams(1, s.m, s.n, s.k, f16, true, false, s.act, true))
					words := rows * s.k
					if f16 {
						words = rows * kernels.F16RowWords(s.k)
					}
					ta, tb, tbias, tc := filled(b, d, s.m*s.k, 0.01), filled(b, d, words, 0x3c003c00), filled(b, d, rows, 0), filled(b, d, s.m*s.n, 0)
					defer ta.Free()
					defer tb.Free()
					defer tbias.Free()
					defer tc.Free()
					timePlan(b, d, 2*float64(s.m)*float64(rows)*float64(s.k), withSplitK(b, d, gpu.Dispatch{Kernel: k,
						Bindings: []gpu.Binding{gpu.Bind(ta), gpu.Bind(tb), gpu.Bind(tbias), gpu.Bind(ta), gpu.Bind(tc)},
						Params:   gpu.Params(p), Groups: kernels.GemmGroups(v, p)}, kernels.GemmPartLen(p), kernels.GemmSplitSum, kernels.GemmSplitSumGroups(p))...)
				})
			}
		}
	}
}

// BenchmarkGEMMGoReference times the plain Go reference (GemmCPU) on one small shape,
// for scale.
func BenchmarkGEMMGoReference(b *testing.B) {
	const m, n, k = 256, 320, 320
	a := make([]float32, m*k)
	w := kernels.F32Words(make([]float32, n*k))
	bias := make([]float32, n)
	c := make([]float32, m*n)
	p := kernels.NewGemmParams(1, m, n, k, false, true, false, 0, true)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		kernels.GemmCPU(p, a, w, bias, nil, c)
	}
	b.ReportMetric(2*m*n*k*float64(b.N)/time.Since(start).Seconds()/1e9, "GFLOP/s")
}

// TestGemmGeluAccuracy checks the erf fit behind the exact GELU against math.Erf.
func TestGemmGeluAccuracy(t *testing.T) {
	var maxErf, maxGelu float64
	for x := -8.0; x <= 8.0; x += 1.0 / 1024 {
		e := math.Abs(float64(kernels.GemmErf(float32(x))) - math.Erf(x))
		maxErf = math.Max(maxErf, e)
		want := 0.5 * x * (1 + math.Erf(x/math.Sqrt2))
		g := math.Abs(float64(kernels.GemmGelu(float32(x))) - want)
		maxGelu = math.Max(maxGelu, g/math.Max(math.Abs(want), 1))
	}
	t.Logf("max |erf error| %.2e, max GELU error (abs below 1, rel above) %.2e", maxErf, maxGelu)
	if maxErf > 3e-7 || maxGelu > 1e-6 {
		t.Fatalf("erf error %g, gelu error %g", maxErf, maxGelu)
	}
}

// TestF16 checks the fp16 encoder/decoder on exact values, rounding and the packing.
func TestF16(t *testing.T) {
	for _, c := range []struct {
		v float32
		h uint16
	}{{0, 0}, {1, 0x3c00}, {-2, 0xc000}, {65504, 0x7bff}, {1e6, 0x7c00}, {5.9604645e-8, 0x0001}, {0.33325195, 0x3555}, {6.1035156e-5, 0x0400}} {
		if got := kernels.F32ToF16(c.v); got != c.h {
			t.Errorf("F32ToF16(%g) = %#04x, want %#04x", c.v, got, c.h)
		}
		if c.h != 0x7c00 && kernels.F16ToF32(c.h) != c.v {
			t.Errorf("F16ToF32(%#04x) = %g, want %g", c.h, kernels.F16ToF32(c.h), c.v)
		}
	}
	if got := kernels.F32ToF16(1 + 1.0/2048); got != 0x3c00 { // tie to even
		t.Errorf("tie rounding: %#04x", got)
	}
	for h := 0; h < 0x7c00; h++ { // every finite positive half survives a round trip
		if kernels.F32ToF16(kernels.F16ToF32(uint16(h))) != uint16(h) {
			t.Fatalf("round trip of %#04x", h)
		}
	}
	w := kernels.PackF16Rows([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	if len(w) != 4 || w[0] != 0x40003c00 || w[1] != 0x4200 || w[2] != 0x45004400 || w[3] != 0x4600 {
		t.Fatalf("PackF16Rows: %#x", w)
	}
}

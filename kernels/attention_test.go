package kernels_test

import (
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/kernels"
)

// attnSetup allocates Q, K, V, O for [b, t, h·dh] self-attention.
func attnSetup(tb testing.TB, d *gpu.Device, b, t, h, dh int) (q, k, v, o *gpu.Tensor) {
	n := b * t * h * dh
	return randTensor(tb, d, n, 1), randTensor(tb, d, n, 2), randTensor(tb, d, n, 3), randTensor(tb, d, n, 4)
}

// flashDispatch is the one FlashAttention dispatch for p.
func flashDispatch(tb testing.TB, d *gpu.Device, p kernels.AttentionParams, q, k, v, o *gpu.Tensor) gpu.Dispatch {
	spec, groups, err := kernels.FlashAttentionFor(p, kernels.Target{CPU: d.Info.Type == gpu.CPU, CoopMatrix: d.Info.CoopMatrix})
	if err != nil {
		tb.Fatal(err)
	}
	return gpu.Dispatch{Kernel: kernel(tb, d, spec), Bindings: []gpu.Binding{gpu.Bind(q), gpu.Bind(k), gpu.Bind(v), gpu.Bind(o)}, Params: gpu.Params(p), Groups: groups}
}

// naiveDispatches is the materialised reference for p with scores s [B·H, Tq, Tk], split
// into one scores/softmax/PV triple per (batch, head) pair so each binding stays under the
// device's max storage buffer range.
func naiveDispatches(tb testing.TB, d *gpu.Device, p kernels.AttentionParams, q, k, v, o, s *gpu.Tensor) []gpu.Dispatch {
	per := int64(4) * int64(p.Tq) * int64(p.Tk)
	var ds []gpu.Dispatch
	for bh := uint32(0); bh < p.B*p.H; bh++ {
		pp := p
		pp.BH0, pp.NBH = bh, 1
		sr := gpu.BindRange(s, int64(bh)*per, per)
		g, stride := kernels.Groups1D(int(p.Tq * p.Tk))
		pp.Stride = stride
		ds = append(ds, gpu.Dispatch{Kernel: kernel(tb, d, kernels.AttentionScores), Bindings: []gpu.Binding{gpu.Bind(q), gpu.Bind(k), sr}, Params: gpu.Params(pp), Groups: [3]uint32{g, 1, 1}})
		g, stride = kernels.Groups1D(int(p.Tq))
		ds = append(ds, gpu.Dispatch{Kernel: kernel(tb, d, kernels.Softmax), Bindings: []gpu.Binding{sr, sr}, Groups: [3]uint32{g, 1, 1},
			Params: gpu.Params(kernels.SoftmaxParams{Rows: p.Tq, Cols: p.Tk, Stride: stride, Scale: 1})})
		g, stride = kernels.Groups1D(int(p.Tq * p.D))
		pp.Stride = stride
		ds = append(ds, gpu.Dispatch{Kernel: kernel(tb, d, kernels.AttentionPV), Bindings: []gpu.Binding{sr, gpu.Bind(v), gpu.Bind(o)}, Params: gpu.Params(pp), Groups: [3]uint32{g, 1, 1}})
	}
	return ds
}

// TestFlashAttentionMemory shows that flash attention needs no memory beyond Q, K, V and
// O — nothing that grows with Tq·Tk — while the naive reference needs the B·H·Tq·Tk·4-byte
// score tensor; both give the same output.
func TestFlashAttentionMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a Vulkan device; runs without -short")
	}
	d := device(t)
	const b, tt, h, dh = 1, 2048, 2, 40
	before := d.Memory().Live
	d.ResetPeak()
	q, k, v, o := attnSetup(t, d, b, tt, h, dh)
	defer q.Free()
	defer k.Free()
	defer v.Free()
	defer o.Free()
	io := d.Memory().Live - before
	p := kernels.NewAttentionParams(b, tt, tt, h, dh, false)
	pl := d.NewPlan(false)
	defer pl.Close()
	require.NoError(t, pl.Add(flashDispatch(t, d, p, q, k, v, o)))
	require.NoError(t, pl.Run())
	flashPeak := d.Memory().Peak - before
	require.Equal(t, io, flashPeak, "flash attention allocated beyond Q, K, V, O")
	flash, err := o.Float32s()
	require.NoError(t, err)

	s, err := d.Alloc(int64(4 * b * h * tt * tt))
	require.NoError(t, err)
	defer s.Free()
	pn := d.NewPlan(false)
	defer pn.Close()
	for _, x := range naiveDispatches(t, d, p, q, k, v, o, s) {
		require.NoError(t, pn.Add(x))
	}
	require.NoError(t, pn.Run())
	naivePeak := d.Memory().Peak - before
	require.GreaterOrEqual(t, naivePeak-io, int64(4*b*h*tt*tt))
	naive, err := o.Float32s()
	require.NoError(t, err)
	worst := 0.0
	for i := range naive {
		worst = max(worst, float64(abs32(naive[i]-flash[i])))
	}
	require.Less(t, worst, 1e-5)
	t.Logf("%d tokens, %d heads of %d: flash peak %.1f MiB (Q,K,V,O only); naive peak %.1f MiB (+%.0f MiB of scores); max |flash−naive| %.1e",
		tt, h, dh, float64(flashPeak)/(1<<20), float64(naivePeak)/(1<<20), float64(naivePeak-io)/(1<<20), worst)
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

// BenchmarkAttention times flash vs naive attention at SD1's level-1 self-attention:
// 4096 tokens (512×512), 8 heads of 40, batch 2 (CFG), and on CPU devices the texel
// flash kernel (its V binding holds the values, untransposed: the same work); reports
// device memory (bytes allocated for the op beyond what was live before: flash needs
// Q,K,V,O = 42 MiB, naive adds B·H·4096²·4 = 1 GiB of scores). $SDGO_ATTN_TOKENS
// overrides the token count.
func BenchmarkAttention(b *testing.B) {
	d := device(b)
	tokens := 4096
	if s := os.Getenv("SDGO_ATTN_TOKENS"); s != "" {
		tokens, _ = strconv.Atoi(s)
	}
	for _, c := range []struct {
		name     string
		b, h, dh int
		tk       int
		naive    bool
		tex      bool // the texel flash kernel (CPU devices; V transposed per head)
	}{
		{"flash_self_d40", 2, 8, 40, tokens, false, false},
		{"tex_self_d40", 2, 8, 40, tokens, false, true},
		{"naive_self_d40", 2, 8, 40, tokens, true, false},
		{"flash_cross77_d40", 2, 8, 40, 77, false, false},
		{"flash_self_d160", 2, 8, 160, tokens / 16, false, false},
		{"tex_self_d160", 2, 8, 160, tokens / 16, false, true},
	} {
		if c.tex && d.Info.Type != gpu.CPU {
			continue
		}
		b.Run(fmt.Sprintf("%s/%dx%d", c.name, tokens, c.tk), func(b *testing.B) {
			before := d.Memory().Live
			d.ResetPeak()
			n := c.b * tokens * c.h * c.dh
			q, o := randTensor(b, d, n, 1), randTensor(b, d, n, 4)
			vlen := c.b * c.tk * c.h * c.dh
			if c.tex { // Vᵀ, rows padded to whole key blocks
				vlen = c.b * c.h * c.dh * kernels.FlashTexVtRow(c.tk)
			}
			k, v := randTensor(b, d, c.b*c.tk*c.h*c.dh, 2), randTensor(b, d, vlen, 3)
			defer q.Free()
			defer k.Free()
			defer v.Free()
			defer o.Free()
			p := kernels.NewAttentionParams(c.b, tokens, c.tk, c.h, c.dh, false)
			flop := 4 * float64(c.b*c.h) * float64(tokens) * float64(c.tk) * float64(c.dh)
			var ds []gpu.Dispatch
			if c.naive {
				s, err := d.Alloc(int64(4*c.b*c.h) * int64(tokens) * int64(c.tk))
				if err != nil {
					b.Fatal(err)
				}
				defer s.Free()
				ds = naiveDispatches(b, d, p, q, k, v, o, s)
			} else if c.tex {
				spec, groups := kernels.FlashTex(p)
				ds = []gpu.Dispatch{{Kernel: kernel(b, d, spec), Bindings: []gpu.Binding{gpu.Bind(q), gpu.Bind(k), gpu.Bind(v), gpu.Bind(o)}, Params: gpu.Params(p), Groups: groups}}
			} else {
				ds = []gpu.Dispatch{flashDispatch(b, d, p, q, k, v, o)}
			}
			timeOps(b, d, 0, flop, ds...)
			b.ReportMetric(float64(d.Memory().Peak-before)/(1<<20), "MiB-device")
		})
	}
}

// BenchmarkSoftmax times the score softmax of GEMM attention at 4096 tokens (1024 query
// rows of 4096 scores, in place), the storage-buffer and texel-fetch kernels; GB/s
// counts the scores read once and written once.
func BenchmarkSoftmax(b *testing.B) {
	d := device(b)
	const rows, cols = 1024, 4096
	for _, spec := range []kernels.Spec{kernels.Softmax, kernels.SoftmaxTex} {
		b.Run(spec.Name, func(b *testing.B) {
			s := randTensor(b, d, rows*cols, 1)
			defer s.Free()
			g, stride := kernels.Groups1D(rows)
			p := kernels.SoftmaxParams{Rows: rows, Cols: cols, Stride: stride, Scale: 0.1}
			timeOps(b, d, 8*rows*cols, 0, gpu.Dispatch{Kernel: kernel(b, d, spec), Bindings: []gpu.Binding{gpu.Bind(s), gpu.Bind(s)},
				Params: gpu.Params(p), Groups: [3]uint32{g, 1, 1}})
		})
	}
}

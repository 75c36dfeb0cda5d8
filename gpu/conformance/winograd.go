package conformance

import (
	"fmt"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/kernels"
)

// WinogradDispatches returns the dispatches of a Winograd F(tile×tile, 3×3) conv (see
// kernels/winograd.go) of p's shape: chunks of tile rows whose V and M fit v and m,
// each an input transform, the (tile+2)² batched texel GEMMs (kernels.WinoGemm) and an
// output transform.
// x is the channels-last input, u the transformed weight (kernels.WinoWeights, fp16
// rows of Cin when f16) or with taps the conv's fp16 tap-major weight, which the tap
// GEMMs (kernels.WinoTapGemms) read instead; r the residual (read when p has
// ConvResidual), y the NCHW output.
func WinogradDispatches(d *gpu.Device, p kernels.ConvParams, tile int, f16, taps bool, chunkRows int, x, u, bias, r, v, m, y *gpu.Tensor) ([]gpu.Dispatch, error) {
	var ds []gpu.Dispatch
	pos := kernels.WinoPositions(tile)
	for _, st := range kernels.WinoSteps(p, tile, f16, chunkRows) {
		in, err := d.Kernel(st.In)
		if err != nil {
			return nil, err
		}
		out, err := d.Kernel(st.Out)
		if err != nil {
			return nil, err
		}
		gspec, groups := kernels.WinoTapGemm, kernels.QueueGrid()
		if !taps {
			if gspec, groups, err = kernels.WinoGemm(st.Gemm, f16); err != nil {
				return nil, err
			}
		}
		gemm, err := d.Kernel(gspec)
		if err != nil {
			return nil, err
		}
		vs := gpu.BindRange(v, 0, int64(4*pos*st.Tiles*int(p.Cin)))
		ms := gpu.BindRange(m, 0, int64(4*pos*st.Tiles*int(p.Cout)))
		ds = append(ds, gpu.Dispatch{Kernel: in, Bindings: []gpu.Binding{gpu.Bind(x), vs}, Params: gpu.Params(st.InParams), Groups: st.InGroups})
		gemmBinds := []gpu.Binding{vs, gpu.Bind(u), vs, vs, ms}
		if taps {
			for _, tg := range kernels.WinoTapGemms(tile, st.Gemm) {
				ds = append(ds, gpu.Dispatch{Kernel: gemm, Bindings: gemmBinds, Params: gpu.Params(tg), Groups: groups})
			}
		} else {
			ds = append(ds, gpu.Dispatch{Kernel: gemm, Bindings: gemmBinds, Params: gpu.Params(st.Gemm), Groups: groups})
		}
		ds = append(ds, gpu.Dispatch{Kernel: out, Bindings: []gpu.Binding{ms, gpu.Bind(bias), gpu.Bind(r), gpu.Bind(y)}, Params: gpu.Params(st.OutParams), Groups: st.OutGroups})
	}
	return ds, nil
}

// runWinograd runs conv p on the device as Winograd F(tile×tile, 3×3), in chunks of at
// most chunk bytes of V and M, into y: from U = kernels.WinoWeights(w), or with taps
// from w itself (fp16, tap-major) through the tap GEMMs.
func runWinograd(d *gpu.Device, p kernels.ConvParams, tile int, f16, taps bool, x, w, bias, r []float32, y *gpu.Tensor, chunk int64) error {
	n, cin, cout := int(p.N), int(p.Cin), int(p.Cout)
	pos := kernels.WinoPositions(tile)
	var words []uint32
	switch {
	case taps:
		words = kernels.PackF16Rows(kernels.ConvTapMajor(w, cout, cin, 9), cout, 9*cin)
	case f16:
		words = kernels.PackF16Rows(kernels.WinoWeights(w, cout, cin, tile), pos*cout, cin)
	default:
		words = kernels.F32Words(kernels.WinoWeights(w, cout, cin, tile))
	}
	tx, err := upload(d, channelsLast(x, n, cin, int(p.H*p.W)))
	if err != nil {
		return err
	}
	defer tx.Free()
	tu, err := d.Alloc(int64(4 * len(words)))
	if err != nil {
		return err
	}
	defer tu.Free()
	if err := tu.Write(0, wordBytes(words)); err != nil {
		return err
	}
	tb, err := upload(d, bias)
	if err != nil {
		return err
	}
	defer tb.Free()
	tr, err := upload(d, r)
	if err != nil {
		return err
	}
	defer tr.Free()
	tilesW, tileRows := kernels.WinoGrid(tile, int(p.H), int(p.W))
	rows := kernels.WinoChunkRows(tile, n, tilesW, tileRows, cin, cout, chunk)
	tv, err := d.Alloc(int64(4 * pos * n * rows * tilesW * cin))
	if err != nil {
		return err
	}
	defer tv.Free()
	tm, err := d.Alloc(int64(4 * pos * n * rows * tilesW * cout))
	if err != nil {
		return err
	}
	defer tm.Free()
	ds, err := WinogradDispatches(d, p, tile, f16, taps, rows, tx, tu, tb, tr, tv, tm, y)
	if err != nil {
		return err
	}
	return runOnce(d, ds...)
}

func init() {
	// The transforms on their own against their Go references (WinoInCPU, WinoOutCPU,
	// Wino4InCPU, Wino4OutCPU):
	// odd sizes (tiles over the edge; an odd height with an even width, where the texel
	// build writes pixel pairs), a chunk of tile rows, with and without bias and residual.
	type stage struct {
		n, h, w, c, r0, rows int
		flags                uint32
	}
	br := kernels.ConvBias | kernels.ConvResidual
	for _, s := range []stage{{1, 5, 7, 8, 0, 3, br}, {2, 6, 4, 12, 1, 2, br}, {1, 5, 6, 8, 1, 2, br}, {1, 4, 6, 8, 0, 2, 0}, {2, 6, 8, 4, 1, 2, kernels.ConvBias}} {
		name := fmt.Sprintf("%d*%dx%dx%d rows%d+%d", s.n, s.c, s.h, s.w, s.r0, s.rows)
		if s.flags&kernels.ConvBias != 0 {
			name += "+b"
		}
		if s.flags&kernels.ConvResidual != 0 {
			name += "+r"
		}
		p := kernels.WinoParams{N: uint32(s.n), H: uint32(s.h), W: uint32(s.w), C: uint32(s.c), TilesW: uint32((s.w + 1) / 2),
			TileRow0: uint32(s.r0), TileRows: uint32(s.rows), Flags: s.flags}
		t := int(kernels.WinoTiles(&p))
		for _, in := range []kernels.Spec{kernels.WinoIn, kernels.WinoInTex} {
			register(Case{Kernel: in.Name, Shape: name, CPUOnly: in.Texels != 0, Run: func(d *gpu.Device) (Comparison, error) {
				x := randn(70, s.n*s.h*s.w*s.c, 1)
				want := make([]float32, 16*t*s.c)
				kernels.WinoInCPU(p, x, want)
				return checkWinoStage(d, in, p, [][]float32{x}, want, 1e-6)
			}})
		}
		for _, out := range []kernels.Spec{kernels.WinoOut, kernels.WinoOutTex} {
			register(Case{Kernel: out.Name, Shape: name, CPUOnly: out.Texels != 0, Run: func(d *gpu.Device) (Comparison, error) {
				m, bias, r := randn(71, 16*t*s.c, 1), randn(72, s.c, 1), randn(73, s.n*s.c*s.h*s.w, 1)
				want := make([]float32, len(r))
				kernels.WinoOutCPU(p, m, bias, r, want)
				return checkWinoStage(d, out, p, [][]float32{m, bias, r}, want, 1e-6)
			}})
		}
	}
	// F(4×4, 3×3): widths that are multiples of 4 (the output's float4 rows) and not,
	// tiles over the bottom and right edges, chunks of tile rows.
	for _, s := range []stage{{1, 5, 7, 8, 0, 2, br}, {2, 9, 8, 12, 1, 2, br}, {1, 6, 12, 8, 1, 1, br}, {1, 4, 8, 8, 0, 1, 0}, {2, 8, 6, 4, 1, 1, kernels.ConvBias}} {
		name := fmt.Sprintf("%d*%dx%dx%d rows%d+%d", s.n, s.c, s.h, s.w, s.r0, s.rows)
		p := kernels.WinoParams{N: uint32(s.n), H: uint32(s.h), W: uint32(s.w), C: uint32(s.c), TilesW: uint32((s.w + 3) / 4),
			TileRow0: uint32(s.r0), TileRows: uint32(s.rows), Flags: s.flags}
		t := int(kernels.WinoTiles(&p))
		register(Case{Kernel: kernels.Wino4InTex.Name, Shape: name, CPUOnly: true, Run: func(d *gpu.Device) (Comparison, error) {
			x := randn(74, s.n*s.h*s.w*s.c, 1)
			want := make([]float32, 36*t*s.c)
			kernels.Wino4InCPU(p, x, want)
			return checkWinoStage(d, kernels.Wino4InTex, p, [][]float32{x}, want, 3e-5)
		}})
		out, _, _ := kernels.WinoOutFor(4, p) // the float4-row build or, for W % 4 != 0, the pixel one
		register(Case{Kernel: out.Name, Shape: name, CPUOnly: out.Texels != 0, Run: func(d *gpu.Device) (Comparison, error) {
			m, bias, r := randn(75, 36*t*s.c, 1), randn(76, s.c, 1), randn(77, s.n*s.c*s.h*s.w, 1)
			want := make([]float32, len(r))
			kernels.Wino4OutCPU(p, m, bias, r, want)
			return checkWinoStage(d, out, p, [][]float32{m, bias, r}, want, 1e-6)
		}})
	}
}

// checkWinoStage runs one Winograd transform (spec, the plain or texel build) on ins and
// compares its output with the CPU reference's within atol; elements the transform does
// not write stay 0 in both. The F(4×4) input transform's ×5 terms may be contracted
// into fused multiply-adds by the device's compiler: measured ≤ 1.5e-5 on its values of
// up to ≈ 100 from unit inputs, hence its 3e-5.
func checkWinoStage(d *gpu.Device, spec kernels.Spec, p kernels.WinoParams, ins [][]float32, want []float32, atol float64) (Comparison, error) {
	per := int(p.C)
	if spec.Texels != 0 {
		per /= 4
	}
	g, stride := kernels.Groups1D(int(kernels.WinoTiles(&p)) * per)
	p.Stride = stride
	outs, err := runKernel(d, spec, gpu.Params(p), [3]uint32{g, 1, 1}, ins, [][]float32{make([]float32, len(want))})
	if err != nil {
		return Comparison{}, err
	}
	w64 := make([]float64, len(want))
	for i, v := range want {
		w64[i] = float64(v)
	}
	return Compare(outs[0], want, w64, atol, 1e-6), nil
}

package conformance

import (
	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/kernels"
)

// WinogradDispatches returns the dispatches of a Winograd F(2×2, 3×3) conv (see
// kernels/winograd.go) of p's shape: chunks of tile rows whose V and M fit v and m,
// each an input transform, the 16 batched "tex" GEMMs and an output transform. x is
// the channels-last input, u the transformed weight (kernels.WinoWeights, fp16 rows of
// Cin when f16), r the residual (read when p has ConvResidual), y the NCHW output.
func WinogradDispatches(d *gpu.Device, p kernels.ConvParams, f16 bool, chunkRows int, x, u, bias, r, v, m, y *gpu.Tensor) ([]gpu.Dispatch, error) {
	in, err := d.Kernel(kernels.WinoIn)
	if err != nil {
		return nil, err
	}
	out, err := d.Kernel(kernels.WinoOut)
	if err != nil {
		return nil, err
	}
	gspec, err := kernels.GemmKernel("tex", f16)
	if err != nil {
		return nil, err
	}
	gemm, err := d.Kernel(gspec)
	if err != nil {
		return nil, err
	}
	n, cin, cout := int(p.N), int(p.Cin), int(p.Cout)
	tilesW, tileRows := (int(p.W)+1)/2, (int(p.H)+1)/2
	var ds []gpu.Dispatch
	for r0 := 0; r0 < tileRows; r0 += chunkRows {
		rows := min(chunkRows, tileRows-r0)
		t := n * rows * tilesW
		wp := kernels.WinoParams{N: p.N, H: p.H, W: p.W, C: p.Cin, TilesW: uint32(tilesW), TileRow0: uint32(r0), TileRows: uint32(rows), Flags: p.Flags}
		g, stride := kernels.Groups1D(t * cin)
		wp.Stride = stride
		vs := gpu.BindRange(v, 0, int64(4*16*t*cin))
		ms := gpu.BindRange(m, 0, int64(4*16*t*cout))
		ds = append(ds, gpu.Dispatch{Kernel: in, Bindings: []gpu.Binding{gpu.Bind(x), vs}, Params: gpu.Params(wp), Groups: [3]uint32{g, 1, 1}})
		gp := kernels.NewGemmParams(16, t, cout, cin, f16, false, false, kernels.GemmActNone, false)
		ds = append(ds, gpu.Dispatch{Kernel: gemm, Bindings: []gpu.Binding{vs, gpu.Bind(u), vs, vs, ms}, Params: gpu.Params(gp), Groups: kernels.GemmGroups("tex", gp)})
		wp.C = p.Cout
		g, wp.Stride = kernels.Groups1D(t * cout)
		ds = append(ds, gpu.Dispatch{Kernel: out, Bindings: []gpu.Binding{ms, gpu.Bind(bias), gpu.Bind(r), gpu.Bind(y)}, Params: gpu.Params(wp), Groups: [3]uint32{g, 1, 1}})
	}
	return ds, nil
}

// runWinograd runs conv p on the device the Winograd way, in chunks of at most chunk
// bytes of V and M, and returns Y (with the contents of y0 where it writes nothing).
func runWinograd(d *gpu.Device, p kernels.ConvParams, f16 bool, x, w, bias, r []float32, y *gpu.Tensor, chunk int64) error {
	n, cin, cout := int(p.N), int(p.Cin), int(p.Cout)
	u := kernels.WinoWeights(w, cout, cin)
	words := kernels.F32Words(u)
	if f16 {
		words = kernels.PackF16Rows(u, 16*cout, cin)
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
	tilesW, tileRows := (int(p.W)+1)/2, (int(p.H)+1)/2
	rows := kernels.WinoChunkRows(n, tilesW, tileRows, cin, cout, chunk)
	tv, err := d.Alloc(int64(4 * 16 * n * rows * tilesW * cin))
	if err != nil {
		return err
	}
	defer tv.Free()
	tm, err := d.Alloc(int64(4 * 16 * n * rows * tilesW * cout))
	if err != nil {
		return err
	}
	defer tm.Free()
	ds, err := WinogradDispatches(d, p, f16, rows, tx, tu, tb, tr, tv, tm, y)
	if err != nil {
		return err
	}
	return runOnce(d, ds...)
}

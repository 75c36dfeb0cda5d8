package kernels_test

import (
	"fmt"
	"testing"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/gpu/conformance"
	"github.com/sdgo/sdgo/kernels"
)

// BenchmarkWinoTransforms times the Winograd F(2×2, 3×3) and F(4×4, 3×3) input and
// output transforms (the output one with bias and residual, as in a resnet's second
// conv) at the Winograd convs of the VAE decoder at 256² (one image, a chunk of tile
// rows whose V and M take at most 16 MiB as in nn), reporting GB/s of V or M in the
// GFLOP/s column.
func BenchmarkWinoTransforms(b *testing.B) {
	d := device(b)
	for _, s := range []struct{ tile, c, hw int }{{2, 512, 64}, {2, 256, 128}, {2, 128, 256}, {4, 512, 64}, {4, 256, 128}, {4, 128, 256}} {
		tilesW, tileRows := kernels.WinoGrid(s.tile, s.hw, s.hw)
		p := kernels.WinoParams{N: 1, H: uint32(s.hw), W: uint32(s.hw), C: uint32(s.c), TilesW: uint32(tilesW),
			TileRows: uint32(kernels.WinoChunkRows(s.tile, 1, tilesW, tileRows, s.c, s.c, 16<<20)), Flags: kernels.ConvBias | kernels.ConvResidual}
		t := int(kernels.WinoTiles(&p))
		pos := kernels.WinoPositions(s.tile)
		b.Run(fmt.Sprintf("F%d/in/%dx%d", s.tile, s.c, s.hw), func(b *testing.B) {
			spec, pp, g := kernels.WinoInFor(s.tile, p)
			k, err := d.Kernel(spec)
			if err != nil {
				b.Fatal(err)
			}
			x, v := filled(b, d, s.hw*s.hw*s.c, 1), filled(b, d, pos*t*s.c, 0)
			defer x.Free()
			defer v.Free()
			timePlan(b, d, float64(pos*t*s.c*4), gpu.Dispatch{Kernel: k, Bindings: []gpu.Binding{gpu.Bind(x), gpu.Bind(v)}, Params: gpu.Params(pp), Groups: g})
		})
		b.Run(fmt.Sprintf("F%d/out/%dx%d", s.tile, s.c, s.hw), func(b *testing.B) {
			spec, pp, g := kernels.WinoOutFor(s.tile, p)
			k, err := d.Kernel(spec)
			if err != nil {
				b.Fatal(err)
			}
			m, y, bias, r := filled(b, d, pos*t*s.c, 1), filled(b, d, s.hw*s.hw*s.c, 0), filled(b, d, s.c, 0), filled(b, d, s.hw*s.hw*s.c, 0)
			defer m.Free()
			defer y.Free()
			defer bias.Free()
			defer r.Free()
			timePlan(b, d, float64(pos*t*s.c*4), gpu.Dispatch{Kernel: k, Bindings: []gpu.Binding{gpu.Bind(m), gpu.Bind(bias), gpu.Bind(r), gpu.Bind(y)}, Params: gpu.Params(pp), Groups: g})
		})
	}
}

// BenchmarkConvWinograd times the 3×3 convs of SD 1.5's UNet with guidance (2 images) at
// the deeper levels of 256² and 512² generations as CPU devices run them: the direct
// "tex" conv and Winograd on the tap GEMMs (kernels.WinoTapTile's tile), transforms
// included. GFLOP/s counts the direct conv's FLOPs for both, so they compare.
func BenchmarkConvWinograd(b *testing.B) {
	d := device(b)
	for _, s := range []struct{ c, hw int }{{640, 16}, {1280, 16}, {1280, 8}} {
		benchConvWinograd(b, d, s.c, s.hw)
	}
}

// benchConvWinograd runs BenchmarkConvWinograd's cases for c channels at hw×hw.
func benchConvWinograd(b *testing.B, d *gpu.Device, c, hw int) {
	p := kernels.NewConvParams(2, c, hw, hw, c, 3, 1, 1, true, true, false)
	flop := 2 * float64(2*hw*hw) * float64(c*c*9)
	x, w := filled(b, d, 2*c*hw*hw, 0.01), filled(b, d, c*kernels.F16RowWords(9*c), 0x3c003c00)
	bias, y := filled(b, d, c, 0), filled(b, d, 2*c*hw*hw, 0)
	defer x.Free()
	defer w.Free()
	defer bias.Free()
	defer y.Free()
	b.Run(fmt.Sprintf("%d@%d/direct", c, hw), func(b *testing.B) {
		spec, err := kernels.ConvKernel("tex", true)
		if err != nil {
			b.Fatal(err)
		}
		k, err := d.Kernel(spec)
		if err != nil {
			b.Fatal(err)
		}
		timePlan(b, d, flop, gpu.Dispatch{Kernel: k, Bindings: []gpu.Binding{gpu.Bind(x), gpu.Bind(w), gpu.Bind(bias), gpu.Bind(x), gpu.Bind(y)},
			Params: gpu.Params(p), Groups: kernels.ConvGroups("tex", p)})
	})
	tile := kernels.WinoTapTile(p)
	if tile == 0 {
		return
	}
	b.Run(fmt.Sprintf("%d@%d/taps-F%d", c, hw, tile), func(b *testing.B) {
		tilesW, tileRows := kernels.WinoGrid(tile, hw, hw)
		rows := kernels.WinoChunkRows(tile, 2, tilesW, tileRows, c, c, 16<<20)
		n := kernels.WinoPositions(tile) * 2 * rows * tilesW * c
		v, m := filled(b, d, n, 0), filled(b, d, n, 0)
		defer v.Free()
		defer m.Free()
		ds, err := conformance.WinogradDispatches(d, p, tile, true, true, rows, x, w, bias, x, v, m, y)
		if err != nil {
			b.Fatal(err)
		}
		timePlan(b, d, flop, ds...)
	})
}

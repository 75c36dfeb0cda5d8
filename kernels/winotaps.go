package kernels

import "os"

// Winograd on the conv's own weights. The stored Winograd path (winograd.go) keeps U =
// G·g·Gᵀ in fp32: 8× the fp16 kernel for F(4×4), too much for the UNet's deeper levels,
// whose convs hold most of its weights. The tap GEMM (WinoTapGemm, a build of gemm_tex)
// instead reads the "tex" conv's fp16 tap-major weights [Cout][3][3][Cin] and forms each
// U row as it loads it: U[ξν] = Σ G[ξ][r]·G[ν][s]·g[r][s] over the taps where both G
// entries are nonzero — 1, 3 or 9 of them, as ξ and ν are each an outer row of G (one
// nonzero) or an inner one (three). The positions of F(m×m) fall into four classes by
// that count, each one batched dispatch, so a dispatch's tiles all fetch the same
// number of weight texels: 4 of the 36 positions of F(4×4) take 1 fetch per weight
// texel, 16 take 3 and 16 take 9. U is computed in fp32 from the fp16 weights, as
// WinoWeights computes it (in float64, rounded once).
//
// Measured on lavapipe against the direct "tex" conv (transforms included, 2 images):
// 640 channels at 16×16, F(4×4): 2.0× as fast; 1280 at 16×16: 1.8×; 1280 at 8×8,
// F(2×2): 1.3×; where a GEMM's 32-row tiles stay mostly empty (1280 at 8×8 as F(4×4),
// at 4×4 as F(2×2)): 0.3–0.5× (WinoTapTile's cost model). One build serves the four
// classes (its 9 tap slots skip those past the class's taps): builds with a fixed tap
// count were 1.06× (F(4×4)) and 1.11× (F(2×2)) as fast in all, and cost ≈ 4 s more of
// first-run JIT each.

//gosl: start winotaps

// WinoTapParams select the class of positions a tap GEMM computes (16 bytes, after
// its GemmParams in the push constants): the positions ξ·(m+2)+ν whose rows ξ of G have
// RowTaps nonzero entries and whose columns ν have ColTaps (1: the outer rows 0 and
// m+1; 3: the inner rows 1…m). Batch z of the GEMM is the class's z-th position, ξ
// major.
type WinoTapParams struct {
	// Tile is the output tile side m: 2 or 4.
	Tile    uint32
	RowTaps uint32
	ColTaps uint32
	pad0    uint32
}

// WinoG returns G[a][r] of F(m×m, 3×3) (m = 2 or 4; see WinoWeights).
func WinoG(m uint32, a uint32, r uint32) float32 {
	if a == 0 {
		if r != 0 {
			return 0
		}
		if m == 4 {
			return 0.25
		}
		return 1
	}
	if a == m+1 {
		if r == 2 {
			return 1
		}
		return 0
	}
	if m == 2 {
		if a == 2 && r == 1 {
			return -0.5
		}
		return 0.5
	}
	if a <= 2 {
		if a == 2 && r == 1 {
			return 0.16666667
		}
		return -0.16666667
	}
	if r == 0 {
		return 0.041666668
	}
	if r == 2 {
		return 0.16666667
	}
	if a == 4 {
		return -0.083333336
	}
	return 0.083333336
}

// WinoTapCount is the number of rows of G of tile side m with taps nonzero entries.
func WinoTapCount(m uint32, taps uint32) uint32 {
	if taps == 1 {
		return 2
	}
	return m
}

// winoTapRow returns the i-th row of G of tile side m with taps nonzero entries.
func winoTapRow(m uint32, taps uint32, i uint32) uint32 {
	if taps == 1 {
		return i * (m + 1)
	}
	return 1 + i
}

// winoTapFirst returns the first nonzero column of row a of G (taps nonzero entries).
func winoTapFirst(taps uint32, a uint32) uint32 {
	if taps == 3 || a == 0 {
		return 0
	}
	return 2
}

// WinoTapXi returns ξ, the row of G of batch z's position.
func WinoTapXi(t *WinoTapParams, z uint32) uint32 {
	return winoTapRow(t.Tile, t.RowTaps, z/WinoTapCount(t.Tile, t.ColTaps))
}

// WinoTapNu returns ν, the column of batch z's position.
func WinoTapNu(t *WinoTapParams, z uint32) uint32 {
	return winoTapRow(t.Tile, t.ColTaps, z%WinoTapCount(t.Tile, t.ColTaps))
}

// WinoTapPos returns batch z's position ξ·(m+2)+ν: its slice of V and of M.
func WinoTapPos(t *WinoTapParams, z uint32) uint32 {
	return WinoTapXi(t, z)*(t.Tile+2) + WinoTapNu(t, z)
}

// WinoTapIndex returns the kernel tap r·3+s of batch z's i-th term (i < RowTaps·ColTaps).
func WinoTapIndex(t *WinoTapParams, z uint32, i uint32) uint32 {
	r := winoTapFirst(t.RowTaps, WinoTapXi(t, z)) + i/t.ColTaps
	s := winoTapFirst(t.ColTaps, WinoTapNu(t, z)) + i%t.ColTaps
	return r*3 + s
}

// WinoTapCoef returns the coefficient G[ξ][r]·G[ν][s] of batch z's i-th term.
func WinoTapCoef(t *WinoTapParams, z uint32, i uint32) float32 {
	tap := WinoTapIndex(t, z, i)
	return WinoG(t.Tile, WinoTapXi(t, z), tap/3) * WinoG(t.Tile, WinoTapNu(t, z), tap%3)
}

//gosl: end winotaps

// WinoTapGemmParams are the push constants of a tap GEMM (64 bytes): C[pos] = V[pos]·
// U[pos]ᵀ for the positions of one class, A = V [(m+2)²][T][Cin], B the tap-major fp16
// conv weight (StrideB 0), C = M [(m+2)²][T][Cout].
type WinoTapGemmParams struct {
	Gemm GemmParams
	Taps WinoTapParams
}

// WinoTapGemm is the tap GEMM: bindings as GemmKernel's (bias and R unused), params
// WinoTapGemmParams, fp16 weights only, queued (QueueGrid).
var WinoTapGemm = Spec{Name: "gemm_wino_f16", Reads: 4, Writes: 1, ParamsSize: 64,
	Local: [3]uint32{8, 1, 1}, Texels: 1<<0 | 1<<1, Queue: true}

// WinoTapGemms returns the params of the four tap GEMMs of a Winograd step (WinoSteps
// with fp16 weights: gemm is its Gemm) for tile side m, one per class of positions.
// Cin (gemm.K) must be a multiple of 8 (WinoFits): each tap's row of the weight is
// then Cin/8 whole texels.
func WinoTapGemms(m int, gemm GemmParams) []WinoTapGemmParams {
	var out []WinoTapGemmParams
	for _, rt := range []uint32{1, 3} {
		for _, ct := range []uint32{1, 3} {
			t := WinoTapParams{Tile: uint32(m), RowTaps: rt, ColTaps: ct}
			g := gemm
			g.Batch = WinoTapCount(t.Tile, rt) * WinoTapCount(t.Tile, ct)
			g.StrideB = 0
			out = append(out, WinoTapGemmParams{Gemm: g, Taps: t})
		}
	}
	return out
}

// WinoTapGemmCPU is the CPU reference of the tap GEMMs: w holds the tap-major fp16
// weight words (PackF16Rows of [Cout][9·Cin]).
func WinoTapGemmCPU(p WinoTapGemmParams, a []float32, w []uint32, c []float32) {
	cpuMu.Lock()
	defer cpuMu.Unlock()
	g, t := p.Gemm, p.Taps
	ldb := GemmLdB(&g)
	u := make([]float32, g.K)
	GemmBufB = w
	defer func() { GemmBufB = nil }()
	for z := uint32(0); z < GemmBatch(&g); z++ {
		pos := WinoTapPos(&t, z)
		for n := uint32(0); n < g.N; n++ {
			for k := range u {
				u[k] = 0
			}
			for i := uint32(0); i < t.RowTaps*t.ColTaps; i++ {
				coef, off := WinoTapCoef(&t, z, i), (n*9+WinoTapIndex(&t, z, i))*ldb
				for k := uint32(0); k < g.K; k++ {
					u[k] += coef * GemmLoadB(&g, off, k)
				}
			}
			for m := uint32(0); m < g.M; m++ {
				row := a[pos*g.StrideA+m*g.K:]
				var s float32
				for k, uk := range u {
					s += row[k] * uk
				}
				c[pos*g.StrideC+m*g.N+n] = s
			}
		}
	}
}

// WinoTapTile returns the tile side of the cheapest way to run conv p on CPU devices
// from its fp16 tap-major weights: 4 or 2 for the tap-GEMM Winograd path, 0 for the
// direct "tex" conv. It needs WinoFits, and for F(4×4) both channel counts % 4 == 0.
// The cost model counts 32-row tiles of the GEMMs (the queued kernels' unit of work),
// each k-step weighted by its measured time against a direct conv tap's: F(4×4) ≈ 2.1
// (its 9-fetch positions), F(2×2) ≈ 1.75, transforms included. $SDGO_WINO_TAPS
// overrides the model: "off" never, "2" or "4" that tile wherever it fits (tests,
// comparisons); other values leave the choice to the model.
func WinoTapTile(p ConvParams) int {
	if !WinoFits(int(p.KH), int(p.Stride), int(p.PadT), int(p.PadL), int(p.PadT), int(p.PadL), int(p.Cin)) ||
		p.KW != 3 || p.OH != p.H || p.OW != p.W || p.Rows != p.OH || p.OY0 != 0 {
		return 0
	}
	switch os.Getenv("SDGO_WINO_TAPS") {
	case "off":
		return 0
	case "2":
		return 2
	case "4":
		if WinoTile(int(p.Cin), int(p.Cout)) == 4 {
			return 4
		}
		return 0
	}
	rowTiles := func(rows int) float64 { return float64((rows + 31) / 32) }
	direct := 9 * rowTiles(int(p.N*p.H*p.W))
	best, cost := 0, winoTapMargin*direct
	for _, m := range []int{4, 2} {
		if m == 4 && WinoTile(int(p.Cin), int(p.Cout)) != 4 {
			continue
		}
		tw, th := WinoGrid(m, int(p.H), int(p.W))
		if c := winoTapCost[m] * float64(WinoPositions(m)) * rowTiles(int(p.N)*tw*th); c < cost {
			best, cost = m, c
		}
	}
	return best
}

// winoTapCost is the time of a tap GEMM's 32-row k-step (per position, transforms
// included) against one tap of the direct conv, by tile side; winoTapMargin is how
// much cheaper the model must find Winograd before taking it.
var winoTapCost = map[int]float64{4: 2.1, 2: 1.75}

const winoTapMargin = 0.9

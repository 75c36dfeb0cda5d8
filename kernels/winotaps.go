package kernels

import "os"

// Winograd on the conv's own weights. The stored Winograd path (winograd.go) keeps U =
// G·g·Gᵀ in fp32: 8× the fp16 kernel for F(4×4), too much for the UNet's deeper levels,
// whose convs hold most of its weights. The tap GEMM (WinoTapGemm, on gemm_tex's tiles)
// instead reads the "tex" conv's fp16 tap-major weights [Cout][3][3][Cin] and forms each
// U row as it loads it: U[ξν] = Σ G[ξ][r]·G[ν][s]·g[r][s] over the taps where both G
// entries are nonzero — 1, 3 or 9 of them, as ξ and ν are each an outer row of G (one
// nonzero) or an inner one (three). The positions of F(m×m) fall into four classes by
// that count, each one batched dispatch, so a dispatch's tiles all fetch the same
// number of weight texels: 4 of the 36 positions of F(4×4) take 1 fetch per weight
// texel, 16 take 3 and 16 take 9. U is computed in fp32 from the fp16 weights, as
// WinoWeights computes it (in float64, rounded once).
//
// A workgroup computes two positions of its class at once, sharing the weight fetches:
// inner rows ξ and ξ+1 of G (or, where ξ is an outer row, columns ν and ν+1) have their
// nonzero entries on the same taps, so the pair fetches each tap texel once and forms
// both U rows from it; the 1-tap class's pairs fetch both positions' taps. On the
// 9-fetch positions that is 26 texel fetches per position and k-step of a 32×32 tile
// instead of 44; measured against one position per workgroup (9 interleaved pairs, medians):
// 1.28–1.49× on the 9-tap class, 1.04–1.15× on the 3-tap ones.
//
// Measured on lavapipe against the direct "tex" conv (transforms included, 2 images, 7
// interleaved rounds, medians): 640 channels at 16×16, F(4×4): 2.0× as fast; 1280 at
// 16×16: 2.1×; 640 and 1280 at 12×12, F(4×4): 1.2×; 1280 at 8×8, F(2×2): 1.4×; where a
// GEMM's 32-row tiles stay mostly empty (1280 at 8×8 as F(4×4), at 4×4 as F(2×2)):
// 0.35–0.55× (WinoTapTile's cost model). One build serves the four
// classes (its 9 tap slots skip those past the class's taps): builds with a fixed tap
// count were 1.06× (F(4×4)) and 1.11× (F(2×2)) as fast in all, and cost ≈ 4 s more of
// first-run JIT each.

//gosl: start winotaps

// WinoTapParams select the class of positions a tap GEMM computes (16 bytes, after
// its GemmParams in the push constants): the positions ξ·(m+2)+ν whose rows ξ of G have
// RowTaps nonzero entries and whose columns ν have ColTaps (1: the outer rows 0 and
// m+1; 3: the inner rows 1…m), numbered ξ major. Batch z of the GEMM is the class's
// z-th pair of positions (WinoTapPairA).
type WinoTapParams struct {
	// Tile is the output tile side m: 2 or 4.
	Tile    uint32
	RowTaps uint32
	ColTaps uint32
	// Pair is the distance in class numbering from a pair's first position to its
	// second: the class's column count where pairs are rows ξ, ξ+1 (RowTaps 3), else 1
	// (columns ν, ν+1).
	Pair uint32
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

// WinoTapXi returns ξ, the row of G of the class's position z.
func WinoTapXi(t *WinoTapParams, z uint32) uint32 {
	return winoTapRow(t.Tile, t.RowTaps, z/WinoTapCount(t.Tile, t.ColTaps))
}

// WinoTapNu returns ν, the column of the class's position z.
func WinoTapNu(t *WinoTapParams, z uint32) uint32 {
	return winoTapRow(t.Tile, t.ColTaps, z%WinoTapCount(t.Tile, t.ColTaps))
}

// WinoTapPos returns the class's position z as ξ·(m+2)+ν: its slice of V and of M.
func WinoTapPos(t *WinoTapParams, z uint32) uint32 {
	return WinoTapXi(t, z)*(t.Tile+2) + WinoTapNu(t, z)
}

// WinoTapIndex returns the kernel tap r·3+s of the i-th term of the class's position z
// (i < RowTaps·ColTaps).
func WinoTapIndex(t *WinoTapParams, z uint32, i uint32) uint32 {
	r := winoTapFirst(t.RowTaps, WinoTapXi(t, z)) + i/t.ColTaps
	s := winoTapFirst(t.ColTaps, WinoTapNu(t, z)) + i%t.ColTaps
	return r*3 + s
}

// WinoTapCoef returns the coefficient G[ξ][r]·G[ν][s] of the i-th term of the class's
// position z.
func WinoTapCoef(t *WinoTapParams, z uint32, i uint32) float32 {
	tap := WinoTapIndex(t, z, i)
	return WinoG(t.Tile, WinoTapXi(t, z), tap/3) * WinoG(t.Tile, WinoTapNu(t, z), tap%3)
}

// WinoTapPairA returns the class number of pair z's first position (the second is
// t.Pair further on): pairs take every other row (or column) of the class's.
func WinoTapPairA(t *WinoTapParams, z uint32) uint32 {
	return 2*z - z%t.Pair
}

// WinoTapSlots returns the number of tap slots a pair fetches: the class's taps, which
// both positions share, or in the 1-tap class each position's own.
func WinoTapSlots(t *WinoTapParams) uint32 {
	if t.RowTaps*t.ColTaps == 1 {
		return 2
	}
	return t.RowTaps * t.ColTaps
}

// WinoTapSlotIndex returns the kernel tap r·3+s of pair z's slot i (i < WinoTapSlots).
func WinoTapSlotIndex(t *WinoTapParams, z uint32, i uint32) uint32 {
	a := WinoTapPairA(t, z)
	if t.RowTaps*t.ColTaps == 1 {
		return WinoTapIndex(t, a+i*t.Pair, 0)
	}
	return WinoTapIndex(t, a, i)
}

// WinoTapSlotCoef returns the coefficient of pair z's slot i in the U row of its
// position q (0: the first, 1: the second); 0 where the slot is the other position's
// own tap.
func WinoTapSlotCoef(t *WinoTapParams, z uint32, i uint32, q uint32) float32 {
	a := WinoTapPairA(t, z) + q*t.Pair
	if t.RowTaps*t.ColTaps == 1 {
		if i != q {
			return 0
		}
		return WinoTapCoef(t, a, 0)
	}
	return WinoTapCoef(t, a, i)
}

//gosl: end winotaps

// The tap GEMM: gemm_tex's 32×32 tile and k-steps of 8, for both positions of pair
// gid.z, each with its own accumulators and V rows, their two weight rows formed from
// one fetch of each tap texel (WinoTapSlots of them; slots past those repeat the last
// and are skipped: llvmpipe skips the fetches of a branch that no lane takes). The
// epilogue is the plain store.

//gosl: hlsl gemm_wino_f16
/*
#include "gemm.hlsl"
#include "texmma.hlsl"
#define QUEUE_BINDING 5
#include "queue.hlsl"
#include "winotaps.hlsl"
[[vk::push_constant]] cbuffer PC { GemmParams P; WinoTapParams WT; };
[[vk::binding(0, 0)]] Buffer<uint4> WinoTapV;
[[vk::binding(1, 0)]] Buffer<uint4> WinoTapW;
#define WTM 32
#define WTN 4
#define WTQ (WTM / 8)
// // WINO_TAP_STORE writes the tile acc of position pos.
#define WINO_TAP_STORE(acc, pos) \
	[loop] for (uint i = 0; i < WTM; i++) { \
		[unroll] for (uint j = 0; j < WTN; j++) { \
			uint m = m0 + i; \
			uint n = n0 + 8 * j; \
			if (m < p.M && n < p.N) { GemmBufC[(pos) * p.StrideC + m * p.N + n] = acc[i][j]; } \
		} \
	}
void winoTapTile(uint3 gid, uint3 lid) {
	GemmParams p = P;
	WinoTapParams wt = WT;
	uint ldb = GemmLdB(p);
	uint slots = WinoTapSlots(wt);
	uint toff[9]; // in texels
	float ca[9], cb[9];
	[unroll] for (uint t = 0; t < 9; t++) {
		uint s = min(t, slots - 1);
		toff[t] = WinoTapSlotIndex(wt, gid.z, s) * (ldb >> 2);
		ca[t] = WinoTapSlotCoef(wt, gid.z, s, 0);
		cb[t] = WinoTapSlotCoef(wt, gid.z, s, 1);
	}
	uint za = WinoTapPairA(wt, gid.z);
	uint posA = WinoTapPos(wt, za);
	uint posB = WinoTapPos(wt, za + wt.Pair);
	uint n0 = gid.x * 8 * WTN + lid.x;
	uint boff[WTN]; // in texels
	[unroll] for (uint j = 0; j < WTN; j++) {
		boff[j] = (min(n0 + 8 * j, p.N - 1) * 9 * ldb) >> 2;
	}
	uint m0 = gid.y * WTM;
	uint aoffA[WTQ], aoffB[WTQ]; // in texels
	[unroll] for (uint q = 0; q < WTQ; q++) {
		uint row = min(m0 + 8 * q + lid.x, p.M - 1) * p.K;
		aoffA[q] = (posA * p.StrideA + row) >> 2;
		aoffB[q] = (posB * p.StrideA + row) >> 2;
	}
	float accA[WTM][WTN], accB[WTM][WTN];
	[unroll] for (uint i = 0; i < WTM; i++) {
		[unroll] for (uint j = 0; j < WTN; j++) { accA[i][j] = 0; accB[i][j] = 0; }
	}
	for (uint k = 0; k < p.K; k += 8) {
		uint kt = k >> 2;
		float4 b0A[WTN], b1A[WTN], b0B[WTN], b1B[WTN];
		[unroll] for (uint j = 0; j < WTN; j++) { b0A[j] = 0; b1A[j] = 0; b0B[j] = 0; b1B[j] = 0; }
		[unroll] for (uint t = 0; t < 9; t++) {
			if (t < slots) {
				[unroll] for (uint j = 0; j < WTN; j++) {
					uint4 w = WinoTapW[boff[j] + toff[t] + (kt >> 1)];
					float4 h0 = TexHalves(w.xy);
					float4 h1 = TexHalves(w.zw);
					b0A[j] += ca[t] * h0;
					b1A[j] += ca[t] * h1;
					b0B[j] += cb[t] * h0;
					b1B[j] += cb[t] * h1;
				}
			}
		}
		float4 a0[WTQ], a1[WTQ];
		[unroll] for (uint q = 0; q < WTQ; q++) {
			a0[q] = asfloat(WinoTapV[aoffA[q] + kt]);
			a1[q] = asfloat(WinoTapV[aoffA[q] + kt + 1]);
		}
		TEX_MMA(accA, a0, a1, b0A, b1A, WTM, WTN);
		[unroll] for (uint q = 0; q < WTQ; q++) {
			a0[q] = asfloat(WinoTapV[aoffB[q] + kt]);
			a1[q] = asfloat(WinoTapV[aoffB[q] + kt + 1]);
		}
		TEX_MMA(accB, a0, a1, b0B, b1B, WTM, WTN);
	}
	WINO_TAP_STORE(accA, posA);
	WINO_TAP_STORE(accB, posB);
}
[numthreads(8, 1, 1)]
void main(uint3 lid : SV_GroupThreadID) {
	GemmParams p = P;
	uint gx = (p.N + 8 * WTN - 1) / (8 * WTN);
	uint gy = (p.M + WTM - 1) / WTM;
	for (uint t = QueueTake(lid.x); t < gx * gy * GemmBatch(p); t = QueueTake(lid.x)) {
		winoTapTile(QueueTile(t, gx, gy), lid);
	}
	QueueDone(lid.x);
}
*/
//gosl: end gemm_wino_f16

// WinoTapGemmParams are the push constants of a tap GEMM (64 bytes): C[pos] = V[pos]·
// U[pos]ᵀ for the positions of one class, A = V [(m+2)²][T][Cin], B the tap-major fp16
// conv weight (StrideB 0), C = M [(m+2)²][T][Cout]; Gemm.Batch counts the class's pairs
// of positions, and its epilogue is the plain store.
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
			t := WinoTapParams{Tile: uint32(m), RowTaps: rt, ColTaps: ct, Pair: 1}
			if rt == 3 {
				t.Pair = WinoTapCount(t.Tile, ct)
			}
			g := gemm
			g.Batch = WinoTapCount(t.Tile, rt) * WinoTapCount(t.Tile, ct) / 2
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
	for z := uint32(0); z < 2*GemmBatch(&g); z++ { // every position of the class
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
// each k-step weighted by its measured time against a direct conv tap's: F(4×4) ≈ 1.85
// (its 9-fetch positions), F(2×2) ≈ 1.65, transforms included. $SDGO_WINO_TAPS
// overrides the model: "off" never, "2" or "4" that tile wherever it fits (tests,
// comparisons); other values leave the choice to the model. The direct conv of 4×4
// images is the "tex4x4" build, tex4x4Speedup times as fast as "tex".
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
	if ConvTex4x4Fits(p) {
		direct /= tex4x4Speedup
	}
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
var winoTapCost = map[int]float64{4: 1.85, 2: 1.65}

const winoTapMargin = 0.9

// tex4x4Speedup is "tex4x4"'s measured speed against "tex" (1.55–1.63× on SD's 4×4
// convs, 7 interleaved pairs).
const tex4x4Speedup = 1.6

package kernels

import (
	"math"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWinoG ties the shaders' G (WinoG) to WinoWeights' float64 tables.
func TestWinoG(t *testing.T) {
	for m, g := range map[uint32][][3]float64{2: winoG2, 4: winoG4} {
		for a := range g {
			for r := range 3 {
				require.Equal(t, float32(g[a][r]), WinoG(m, uint32(a), uint32(r)), "F(%d) G[%d][%d]", m, a, r)
			}
		}
	}
}

// TestWinoTapClasses checks that the four tap GEMMs of a tile size cover every position
// once, as both positions of one pair, each with exactly the taps where its G entries
// are nonzero, and that a pair's tap slots hold both positions' taps with their
// coefficients.
func TestWinoTapClasses(t *testing.T) {
	for _, m := range []int{2, 4} {
		seen := map[uint32]bool{}
		for _, tg := range WinoTapGemms(m, GemmParams{Batch: 99, StrideB: 7}) {
			require.Zero(t, tg.Gemm.StrideB, "shared weight")
			for z := uint32(0); z < tg.Gemm.Batch; z++ {
				for q := uint32(0); q < 2; q++ {
					zq := WinoTapPairA(&tg.Taps, z) + q*tg.Taps.Pair
					pos := WinoTapPos(&tg.Taps, zq)
					require.False(t, seen[pos], "F(%d) position %d twice", m, pos)
					seen[pos] = true
					xi, nu := pos/uint32(m+2), pos%uint32(m+2)
					want := map[uint32]float32{}
					for tap := uint32(0); tap < 9; tap++ {
						if c := WinoG(uint32(m), xi, tap/3) * WinoG(uint32(m), nu, tap%3); c != 0 {
							want[tap] = c
						}
					}
					got := map[uint32]float32{}
					for i := uint32(0); i < tg.Taps.RowTaps*tg.Taps.ColTaps; i++ {
						got[WinoTapIndex(&tg.Taps, zq, i)] = WinoTapCoef(&tg.Taps, zq, i)
					}
					require.Equal(t, want, got, "F(%d) position %d", m, pos)
					slots := map[uint32]float32{}
					for i := uint32(0); i < WinoTapSlots(&tg.Taps); i++ {
						if c := WinoTapSlotCoef(&tg.Taps, z, i, q); c != 0 {
							slots[WinoTapSlotIndex(&tg.Taps, z, i)] += c
						}
					}
					require.Equal(t, want, slots, "F(%d) position %d from its pair's slots", m, pos)
				}
			}
		}
		require.Len(t, seen, WinoPositions(m))
	}
}

// TestWinoTapGemmCPU checks the tap GEMMs' reference against the stored path's: the
// batched GEMM with U from WinoWeights (float64, rounded once).
func TestWinoTapGemmCPU(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	const cout, cin, tiles = 5, 8, 3
	g := make([]float32, cout*cin*9)
	for i := range g {
		g[i] = RoundF16(float32(rng.NormFloat64()))
	}
	w := PackF16Rows(ConvTapMajor(g, cout, cin, 9), cout, 9*cin)
	for _, m := range []int{2, 4} {
		pos := WinoPositions(m)
		v := make([]float32, pos*tiles*cin)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		step := NewGemmParams(pos, tiles, cout, cin, true, false, false, GemmActNone, false)
		want := make([]float32, pos*tiles*cout)
		stored := step
		stored.Flags &^= GemmF16
		stored.StrideB = uint32(cout * cin)
		GemmCPU(stored, v, F32Words(WinoWeights(g, cout, cin, m)), nil, nil, want)
		got := make([]float32, len(want))
		for _, tg := range WinoTapGemms(m, step) {
			WinoTapGemmCPU(tg, v, w, got)
		}
		for i := range want {
			require.InDelta(t, want[i], got[i], 1e-5*(1+math.Abs(float64(want[i]))), "F(%d) element %d", m, i)
		}
	}
}

// TestWinoTapTile checks the cost model's choices at the SD UNet's levels with guidance
// (2 images) against the measured ratios (winotaps.go).
func TestWinoTapTile(t *testing.T) {
	t.Setenv("SDGO_WINO_TAPS", "") // the model's own choices first
	conv := func(n, c, hw int) ConvParams { return NewConvParams(n, c, hw, hw, c, 3, 1, 1, true, true, false) }
	require.Equal(t, 4, WinoTapTile(conv(2, 640, 16)), "2.0× measured")
	require.Equal(t, 4, WinoTapTile(conv(2, 1280, 16)), "2.1×")
	require.Equal(t, 2, WinoTapTile(conv(2, 1280, 8)), "1.4×; F(4×4) 0.55×")
	require.Equal(t, 0, WinoTapTile(conv(2, 1280, 4)), "F(2×2) 0.35×")
	require.Equal(t, 0, WinoTapTile(conv(8, 1280, 4)), "4 images with guidance: F(2×2) would beat conv_tex, not conv_tex4x4")
	require.Equal(t, 4, WinoTapTile(conv(2, 640, 12)), "F(4×4) 1.2×, F(2×2) 1.05×")
	require.Equal(t, 2, WinoTapTile(conv(2, 640, 8)), "F(2×2) 1.4×, F(4×4) 0.6×")
	require.Equal(t, 0, WinoTapTile(NewConvParams(2, 640, 16, 16, 640, 3, 2, 1, true, true, false)), "stride 2")
	require.Equal(t, 0, WinoTapTile(NewConvParams(2, 640, 16, 16, 640, 1, 1, 0, true, true, false)), "1×1")
	require.Equal(t, 0, WinoTapTile(conv(2, 12, 16)), "Cin % 8")
	t.Setenv("SDGO_WINO_TAPS", "off")
	require.Equal(t, 0, WinoTapTile(conv(2, 640, 16)))
	t.Setenv("SDGO_WINO_TAPS", "2")
	require.Equal(t, 2, WinoTapTile(conv(2, 1280, 4)))
	t.Setenv("SDGO_WINO_TAPS", "4")
	require.Equal(t, 4, WinoTapTile(conv(2, 1280, 4)))
	require.Equal(t, 0, WinoTapTile(NewConvParams(2, 8, 16, 16, 6, 3, 1, 1, true, true, false)), "F(4×4) needs Cout % 4")
}

#ifndef __WINOTAPS_HLSL__
#define __WINOTAPS_HLSL__


// WinoTapParams select the class of positions a tap GEMM computes (16 bytes, after
// its GemmParams in the push constants): the positions ξ·(m+2)+ν whose rows ξ of G have
// RowTaps nonzero entries and whose columns ν have ColTaps (1: the outer rows 0 and
// m+1; 3: the inner rows 1…m), numbered ξ major. Batch z of the GEMM is the class's
// z-th pair of positions (WinoTapPairA).
struct WinoTapParams {
	// Tile is the output tile side m: 2 or 4.
	uint Tile;
	uint RowTaps;
	uint ColTaps;
	// Pair is the distance in class numbering from a pair's first position to its
	// second: the class's column count where pairs are rows ξ, ξ+1 (RowTaps 3), else 1
	// (columns ν, ν+1).
	uint Pair;
};

// WinoG returns G[a][r] of F(m×m, 3×3) (m = 2 or 4; see WinoWeights).
float WinoG(uint m, uint a, uint r) {
	if (a == 0) {
		if (r != 0) {
			return 0;
		}
		if (m == 4) {
			return 0.25;
		}
		return 1;
	}
	if (a == m+1) {
		if (r == 2) {
			return 1;
		}
		return 0;
	}
	if (m == 2) {
		if (a == 2 && r == 1) {
			return -0.5;
		}
		return 0.5;
	}
	if (a <= 2) {
		if (a == 2 && r == 1) {
			return 0.16666667;
		}
		return -0.16666667;
	}
	if (r == 0) {
		return 0.041666668;
	}
	if (r == 2) {
		return 0.16666667;
	}
	if (a == 4) {
		return -0.083333336;
	}
	return 0.083333336;
}

// WinoTapCount is the number of rows of G of tile side m with taps nonzero entries.
uint WinoTapCount(uint m, uint taps) {
	if (taps == 1) {
		return 2;
	}
	return m;
}

// winoTapRow returns the i-th row of G of tile side m with taps nonzero entries.
uint winoTapRow(uint m, uint taps, uint i) {
	if (taps == 1) {
		return i * (m + 1);
	}
	return 1 + i;
}

// winoTapFirst returns the first nonzero column of row a of G (taps nonzero entries).
uint winoTapFirst(uint taps, uint a) {
	if (taps == 3 || a == 0) {
		return 0;
	}
	return 2;
}

// WinoTapXi returns ξ, the row of G of the class's position z.
uint WinoTapXi(inout WinoTapParams t, uint z) {
	return winoTapRow(t.Tile, t.RowTaps, z/WinoTapCount(t.Tile, t.ColTaps));
}

// WinoTapNu returns ν, the column of the class's position z.
uint WinoTapNu(inout WinoTapParams t, uint z) {
	return winoTapRow(t.Tile, t.ColTaps, z%WinoTapCount(t.Tile, t.ColTaps));
}

// WinoTapPos returns the class's position z as ξ·(m+2)+ν: its slice of V and of M.
uint WinoTapPos(inout WinoTapParams t, uint z) {
	return WinoTapXi(t, z)*(t.Tile+2) + WinoTapNu(t, z);
}

// WinoTapIndex returns the kernel tap r·3+s of the i-th term of the class's position z
// (i < RowTaps·ColTaps).
uint WinoTapIndex(inout WinoTapParams t, uint z, uint i) {
	uint r = winoTapFirst(t.RowTaps, WinoTapXi(t, z)) + i/t.ColTaps;
	uint s = winoTapFirst(t.ColTaps, WinoTapNu(t, z)) + i%t.ColTaps;
	return r*3 + s;
}

// WinoTapCoef returns the coefficient G[ξ][r]·G[ν][s] of the i-th term of the class's
// position z.
float WinoTapCoef(inout WinoTapParams t, uint z, uint i) {
	uint tap = WinoTapIndex(t, z, i);
	return WinoG(t.Tile, WinoTapXi(t, z), tap/3) * WinoG(t.Tile, WinoTapNu(t, z), tap%3);
}

// WinoTapPairA returns the class number of pair z's first position (the second is
// t.Pair further on): pairs take every other row (or column) of the class's.
uint WinoTapPairA(inout WinoTapParams t, uint z) {
	return 2*z - z%t.Pair;
}

// WinoTapSlots returns the number of tap slots a pair fetches: the class's taps, which
// both positions share, or in the 1-tap class each position's own.
uint WinoTapSlots(inout WinoTapParams t) {
	if (t.RowTaps*t.ColTaps == 1) {
		return 2;
	}
	return t.RowTaps * t.ColTaps;
}

// WinoTapSlotIndex returns the kernel tap r·3+s of pair z's slot i (i < WinoTapSlots).
uint WinoTapSlotIndex(inout WinoTapParams t, uint z, uint i) {
	uint a = WinoTapPairA(t, z);
	if (t.RowTaps*t.ColTaps == 1) {
		return WinoTapIndex(t, a+i*t.Pair, 0);
	}
	return WinoTapIndex(t, a, i);
}

// WinoTapSlotCoef returns the coefficient of pair z's slot i in the U row of its
// position q (0: the first, 1: the second); 0 where the slot is the other position's
// own tap.
float WinoTapSlotCoef(inout WinoTapParams t, uint z, uint i, uint q) {
	uint a = WinoTapPairA(t, z) + q*t.Pair;
	if (t.RowTaps*t.ColTaps == 1) {
		if (i != q) {
			return 0;
		}
		return WinoTapCoef(t, a, 0);
	}
	return WinoTapCoef(t, a, i);
}
#endif // __WINOTAPS_HLSL__

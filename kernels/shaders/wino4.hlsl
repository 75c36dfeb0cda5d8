#ifndef __WINO4_HLSL__
#define __WINO4_HLSL__


// Bᵀ of F(4×4, 3×3), row by row, applied to six values.
#define WINO4_BT0(d0, d1, d2, d3, d4, d5) (4 * (d0) - 5 * (d2) + (d4))
#define WINO4_BT1(d0, d1, d2, d3, d4, d5) ((d3) + (d4) - 4 * ((d1) + (d2)))
#define WINO4_BT2(d0, d1, d2, d3, d4, d5) (4 * ((d1) - (d2)) - (d3) + (d4))
#define WINO4_BT3(d0, d1, d2, d3, d4, d5) (2 * ((d3) - (d1)) - (d2) + (d4))
#define WINO4_BT4(d0, d1, d2, d3, d4, d5) (2 * ((d1) - (d3)) - (d2) + (d4))
#define WINO4_BT5(d0, d1, d2, d3, d4, d5) (4 * (d1) - 5 * (d3) + (d5))
// Aᵀ of F(4×4, 3×3), row by row.
#define WINO4_AT0(m0, m1, m2, m3, m4, m5) ((m0) + (m1) + (m2) + (m3) + (m4))
#define WINO4_AT1(m0, m1, m2, m3, m4, m5) ((m1) - (m2) + 2 * ((m3) - (m4)))
#define WINO4_AT2(m0, m1, m2, m3, m4, m5) ((m1) + (m2) + 4 * ((m3) + (m4)))
#define WINO4_AT3(m0, m1, m2, m3, m4, m5) ((m1) - (m2) + 8 * ((m3) - (m4)) + (m5))
#endif // __WINO4_HLSL__

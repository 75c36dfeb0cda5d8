package kernels

// Winograd F(2×2, 3×3) for 3×3 convolutions at stride 1 with padding 1 (Lavin & Gray,
// "Fast Algorithms for Convolutional Neural Networks"): each 2×2 block ("tile") of
// output pixels is Aᵀ·[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]·A of the tile's 4×4 input patch d, so the
// 36 multiplies per tile and channel pair of the direct conv become 16, done as 16
// GEMMs over the channels:
//
//   WinoIn   V[16][T][Cin]  = Bᵀ·d·B of each tile's patch of channels-last X [N][H][W][Cin]
//   GEMM     M[p] = V[p]·U[p]ᵀ, p < 16, with U[16][Cout][Cin] = G·g·Gᵀ (WinoWeights)
//   WinoOut  Y [N][Cout][H][W] = Aᵀ·M·A of each tile, + bias + R
//
// T is the number of tiles a dispatch covers: all images, TileRows rows of tiles from
// TileRow0, TilesW tiles per row, so a large conv runs in row chunks whose V and M stay
// small. It is used on CPU devices, where the GEMM is the costly part (2.25× fewer
// multiplies) and V, M traffic is cheap next to it.
//
// F(4×4, 3×3) is the same with 4×4 output tiles of 6×6 patches, V, M and U of 36
// positions instead of 16 (Wino4InTex, Wino4OutTex): 36 GEMMs for 16 output pixels, 4×
// fewer multiplies than the direct conv and 1.78× fewer than F(2×2), and 2.25 values of V and M per output pixel instead of 4 (WinoTile picks it where its
// texel transforms fit both channel counts). Its transforms' larger coefficients (up
// to 5 in Bᵀ, 8 in Aᵀ, 1/24 in G) cost it accuracy: with U in fp32 its error measured
// within a few times F(2×2)'s (conformance "wino4" cases).

//gosl: start cpuonly

// Go-side storage buffers of the Winograd transforms.
var WinoX, WinoV, WinoM, WinoBias, WinoR, WinoY []float32

//gosl: end cpuonly

//gosl: hlsl winofam
// [[vk::binding(0, 0)]] RWStructuredBuffer<float> WinoX;
// [[vk::binding(1, 0)]] RWStructuredBuffer<float> WinoV;
//gosl: end winofam

//gosl: hlsl winooutfam
// [[vk::binding(0, 0)]] RWStructuredBuffer<float> WinoM;
// [[vk::binding(1, 0)]] RWStructuredBuffer<float> WinoBias;
// [[vk::binding(2, 0)]] RWStructuredBuffer<float> WinoR;
// [[vk::binding(3, 0)]] RWStructuredBuffer<float> WinoY;
//gosl: end winooutfam

//gosl: start winoparams

// WinoParams are the push constants of WinoIn and WinoOut (48 bytes).
type WinoParams struct {
	// N images of H×W pixels (input and output: stride 1, padding 1).
	N uint32
	H uint32
	W uint32
	// C is Cin for WinoIn, Cout for WinoOut.
	C uint32
	// TilesW = ⌈W/m⌉ tiles per row (tile side m: 2 or 4); the dispatch covers tile
	// rows [TileRow0, TileRow0+TileRows) of every image.
	TilesW   uint32
	TileRow0 uint32
	TileRows uint32
	// Stride is the number of threads in the grid (see Groups1D).
	Stride uint32
	// Flags: ConvBias, ConvResidual (WinoOut).
	Flags uint32
	pad0  uint32
	pad1  uint32
	pad2  uint32
}

// WinoTiles is T, the number of tiles of the dispatch.
func WinoTiles(p *WinoParams) uint32 {
	return p.N * p.TileRows * p.TilesW
}

// WinoTileImage is the image of tile t of the dispatch (tiles in image, row, column
// order).
func WinoTileImage(p *WinoParams, t uint32) uint32 {
	return t / p.TilesW / p.TileRows
}

// WinoTileRow is the tile row of tile t.
func WinoTileRow(p *WinoParams, t uint32) uint32 {
	return p.TileRow0 + (t/p.TilesW)%p.TileRows
}

//gosl: end winoparams

//gosl: start winofam

// WinoLoadX returns X[b][iy][ix][c] (channels-last), 0 in the padding.
func WinoLoadX(p *WinoParams, b uint32, iy int32, ix int32, c uint32) float32 {
	if iy < 0 || ix < 0 || iy >= int32(p.H) || ix >= int32(p.W) {
		return 0
	}
	return WinoX[((b*p.H+uint32(iy))*p.W+uint32(ix))*p.C+c]
}

// WinoStoreV writes V[pos][t][c].
func WinoStoreV(p *WinoParams, pos uint32, t uint32, c uint32, v float32) {
	WinoV[(pos*WinoTiles(p)+t)*p.C+c] = v
}

// WinoInAt transforms channel c of tile t (i = t·C + c): V[4ξ+ν][t][c] = (Bᵀ·d·B)[ξ][ν]
// with Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1] and d the 4×4 patch whose top-left
// input pixel is (2·ty−1, 2·tx−1).
func WinoInAt(p *WinoParams, i uint32) {
	c := i % p.C
	t := i / p.C
	tx := t % p.TilesW
	b := WinoTileImage(p, t)
	ty := WinoTileRow(p, t)
	y := int32(2*ty) - 1
	x := int32(2*tx) - 1
	d00 := WinoLoadX(p, b, y, x, c)
	d01 := WinoLoadX(p, b, y, x+1, c)
	d02 := WinoLoadX(p, b, y, x+2, c)
	d03 := WinoLoadX(p, b, y, x+3, c)
	d10 := WinoLoadX(p, b, y+1, x, c)
	d11 := WinoLoadX(p, b, y+1, x+1, c)
	d12 := WinoLoadX(p, b, y+1, x+2, c)
	d13 := WinoLoadX(p, b, y+1, x+3, c)
	d20 := WinoLoadX(p, b, y+2, x, c)
	d21 := WinoLoadX(p, b, y+2, x+1, c)
	d22 := WinoLoadX(p, b, y+2, x+2, c)
	d23 := WinoLoadX(p, b, y+2, x+3, c)
	d30 := WinoLoadX(p, b, y+3, x, c)
	d31 := WinoLoadX(p, b, y+3, x+1, c)
	d32 := WinoLoadX(p, b, y+3, x+2, c)
	d33 := WinoLoadX(p, b, y+3, x+3, c)
	// e = Bᵀ·d
	e00 := d00 - d20
	e10 := d10 + d20
	e20 := d20 - d10
	e30 := d10 - d30
	e01 := d01 - d21
	e11 := d11 + d21
	e21 := d21 - d11
	e31 := d11 - d31
	e02 := d02 - d22
	e12 := d12 + d22
	e22 := d22 - d12
	e32 := d12 - d32
	e03 := d03 - d23
	e13 := d13 + d23
	e23 := d23 - d13
	e33 := d13 - d33
	// V = e·B
	WinoStoreV(p, 0, t, c, e00-e02)
	WinoStoreV(p, 1, t, c, e01+e02)
	WinoStoreV(p, 2, t, c, e02-e01)
	WinoStoreV(p, 3, t, c, e01-e03)
	WinoStoreV(p, 4, t, c, e10-e12)
	WinoStoreV(p, 5, t, c, e11+e12)
	WinoStoreV(p, 6, t, c, e12-e11)
	WinoStoreV(p, 7, t, c, e11-e13)
	WinoStoreV(p, 8, t, c, e20-e22)
	WinoStoreV(p, 9, t, c, e21+e22)
	WinoStoreV(p, 10, t, c, e22-e21)
	WinoStoreV(p, 11, t, c, e21-e23)
	WinoStoreV(p, 12, t, c, e30-e32)
	WinoStoreV(p, 13, t, c, e31+e32)
	WinoStoreV(p, 14, t, c, e32-e31)
	WinoStoreV(p, 15, t, c, e31-e33)
}

//gosl: end winofam

//gosl: start winooutfam

// WinoStoreY adds bias and residual to output (b, co, oy, ox) and writes it, if it lies
// inside the image.
func WinoStoreY(p *WinoParams, b uint32, co uint32, oy uint32, ox uint32, v float32) {
	if oy >= p.H || ox >= p.W {
		return
	}
	idx := ((b*p.C+co)*p.H+oy)*p.W + ox
	if (p.Flags & ConvBias) != 0 {
		v += WinoBias[co]
	}
	if (p.Flags & ConvResidual) != 0 {
		v += WinoR[idx]
	}
	WinoY[idx] = v
}

// WinoOutAt transforms channel co of tile t (i = t·C + co) back to its 2×2 output
// pixels, Aᵀ·m·A with Aᵀ = [1 1 1 0; 0 1 −1 −1].
func WinoOutAt(p *WinoParams, i uint32) {
	co := i % p.C
	t := i / p.C
	tx := t % p.TilesW
	b := WinoTileImage(p, t)
	ty := WinoTileRow(p, t)
	nt := WinoTiles(p)
	m00 := WinoM[(0*nt+t)*p.C+co]
	m01 := WinoM[(1*nt+t)*p.C+co]
	m02 := WinoM[(2*nt+t)*p.C+co]
	m03 := WinoM[(3*nt+t)*p.C+co]
	m10 := WinoM[(4*nt+t)*p.C+co]
	m11 := WinoM[(5*nt+t)*p.C+co]
	m12 := WinoM[(6*nt+t)*p.C+co]
	m13 := WinoM[(7*nt+t)*p.C+co]
	m20 := WinoM[(8*nt+t)*p.C+co]
	m21 := WinoM[(9*nt+t)*p.C+co]
	m22 := WinoM[(10*nt+t)*p.C+co]
	m23 := WinoM[(11*nt+t)*p.C+co]
	m30 := WinoM[(12*nt+t)*p.C+co]
	m31 := WinoM[(13*nt+t)*p.C+co]
	m32 := WinoM[(14*nt+t)*p.C+co]
	m33 := WinoM[(15*nt+t)*p.C+co]
	// u = Aᵀ·m
	u00 := m00 + m10 + m20
	u10 := m10 - m20 - m30
	u01 := m01 + m11 + m21
	u11 := m11 - m21 - m31
	u02 := m02 + m12 + m22
	u12 := m12 - m22 - m32
	u03 := m03 + m13 + m23
	u13 := m13 - m23 - m33
	WinoStoreY(p, b, co, 2*ty, 2*tx, u00+u01+u02)
	WinoStoreY(p, b, co, 2*ty, 2*tx+1, u01-u02-u03)
	WinoStoreY(p, b, co, 2*ty+1, 2*tx, u10+u11+u12)
	WinoStoreY(p, b, co, 2*ty+1, 2*tx+1, u11-u12-u13)
}

//gosl: end winooutfam

//gosl: hlsl wino_in
/*
#include "winoparams.hlsl"
#include "winofam.hlsl"
[[vk::push_constant]] cbuffer PC { WinoParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	WinoParams p = P;
	uint n = WinoTiles(p) * p.C;
	for (uint i = id.x; i < n; i += p.Stride) {
		WinoInAt(p, i);
	}
}
*/
//gosl: end wino_in

//gosl: hlsl wino_out
/*
#include "conv.hlsl"
#include "winoparams.hlsl"
#include "winooutfam.hlsl"
[[vk::push_constant]] cbuffer PC { WinoParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	WinoParams p = P;
	uint n = WinoTiles(p) * p.C;
	for (uint i = id.x; i < n; i += p.Stride) {
		WinoOutAt(p, i);
	}
}
*/
//gosl: end wino_out

// The texel-fetch builds for CPU devices (wino_in_tex, wino_out_tex): the same
// transforms on 4 channels at a time, X and M read as uint4 texels (one fetch for all
// lanes where a storage-buffer load loops over them). They need C % 4 == 0 (WinoTexFits).
// Their stores are vectors too (V as float4s; Y, for even W, as pairs of pixels): on
// llvmpipe a store loops over the lanes with a bounds check per component, so a vector
// store per lane saves the loop's overhead for all but the first component — the stores,
// not the transforms' arithmetic, were 80% of the input transform's time.

//gosl: hlsl winotexitem
/*
// // WinoTexItem splits item i of a texel transform's grid (a tile and a group of 4
// // channels) into the group c4, the tile t, its column tx, image b and tile row ty.
void WinoTexItem(WinoParams p, uint i, out uint c4, out uint t, out uint tx, out uint b, out uint ty) {
	c4 = i % (p.C / 4);
	t = i / (p.C / 4);
	tx = t % p.TilesW;
	b = WinoTileImage(p, t);
	ty = WinoTileRow(p, t);
}
*/
//gosl: end winotexitem

//gosl: hlsl winointex
/*
// // The texel input transforms' X and V bindings: X fetched 4 channels a texel, 0 in
// // the padding; V stored as float4s.
[[vk::binding(0, 0)]] Buffer<uint4> WinoTexX;
[[vk::binding(1, 0)]] RWStructuredBuffer<float4> WinoV4;
float4 WinoFetchX(WinoParams p, uint b, int iy, int ix, uint c4) {
	if (iy < 0 || ix < 0 || iy >= int(p.H) || ix >= int(p.W)) {
		return float4(0, 0, 0, 0);
	}
	return asfloat(WinoTexX[((b * p.H + uint(iy)) * p.W + uint(ix)) * (p.C / 4) + c4]);
}
void WinoStoreV4(WinoParams p, uint pos, uint t, uint c, float4 v) {
	WinoV4[((pos * WinoTiles(p) + t) * p.C + c) / 4] = v;
}
*/
//gosl: end winointex

//gosl: hlsl winoouttex
/*
// // The texel output transforms' M and bias bindings, and the per-pixel store of 4
// // channels (bias and residual added by WinoStoreY) for rows not stored as vectors.
[[vk::binding(0, 0)]] Buffer<uint4> WinoTexM;
[[vk::binding(1, 0)]] RWStructuredBuffer<float4> WinoBias4;
void WinoStoreY4(WinoParams p, uint b, uint co, uint oy, uint ox, float4 v) {
	WinoStoreY(p, b, co, oy, ox, v.x);
	WinoStoreY(p, b, co + 1, oy, ox, v.y);
	WinoStoreY(p, b, co + 2, oy, ox, v.z);
	WinoStoreY(p, b, co + 3, oy, ox, v.w);
}
*/
//gosl: end winoouttex

//gosl: hlsl wino_in_tex
/*
#include "winoparams.hlsl"
#include "winotexitem.hlsl"
#include "winointex.hlsl"
[[vk::push_constant]] cbuffer PC { WinoParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	WinoParams p = P;
	uint n = WinoTiles(p) * (p.C / 4);
	for (uint i = id.x; i < n; i += p.Stride) {
		uint c4, t, tx, b, ty;
		WinoTexItem(p, i, c4, t, tx, b, ty);
		int y = int(2 * ty) - 1;
		int x = int(2 * tx) - 1;
		float4 e[4][4]; // Bᵀ·d, column by column
		[unroll] for (uint q = 0; q < 4; q++) {
			float4 d0 = WinoFetchX(p, b, y, x + int(q), c4);
			float4 d1 = WinoFetchX(p, b, y + 1, x + int(q), c4);
			float4 d2 = WinoFetchX(p, b, y + 2, x + int(q), c4);
			float4 d3 = WinoFetchX(p, b, y + 3, x + int(q), c4);
			e[0][q] = d0 - d2;
			e[1][q] = d1 + d2;
			e[2][q] = d2 - d1;
			e[3][q] = d1 - d3;
		}
		[unroll] for (uint r = 0; r < 4; r++) { // V = e·B
			WinoStoreV4(p, 4 * r, t, 4 * c4, e[r][0] - e[r][2]);
			WinoStoreV4(p, 4 * r + 1, t, 4 * c4, e[r][1] + e[r][2]);
			WinoStoreV4(p, 4 * r + 2, t, 4 * c4, e[r][2] - e[r][1]);
			WinoStoreV4(p, 4 * r + 3, t, 4 * c4, e[r][1] - e[r][3]);
		}
	}
}
*/
//gosl: end wino_in_tex

//gosl: hlsl wino_out_tex
/*
#include "conv.hlsl"
#include "winoparams.hlsl"
#include "winooutfam.hlsl"
#include "winotexitem.hlsl"
#include "winoouttex.hlsl"
[[vk::push_constant]] cbuffer PC { WinoParams P; };
[[vk::binding(2, 0)]] RWStructuredBuffer<float2> WinoR2;
[[vk::binding(3, 0)]] RWStructuredBuffer<float2> WinoY2;
// // WinoStoreRow writes output row oy of a tile, channels co..co+3 (x: column ox,
// // y: ox+1) + R, as pairs of floats: for even W, where each pair is 8-byte aligned
// // and inside the row.
void WinoStoreRow(WinoParams p, uint b, uint co, uint oy, uint ox, float4 x, float4 y) {
	if (oy >= p.H) {
		return;
	}
	[unroll] for (uint c = 0; c < 4; c++) {
		uint idx = (((b * p.C + co + c) * p.H + oy) * p.W + ox) / 2;
		float2 v = float2(x[c], y[c]);
		if ((p.Flags & ConvResidual) != 0) {
			v += WinoR2[idx];
		}
		WinoY2[idx] = v;
	}
}
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	WinoParams p = P;
	uint c4n = p.C / 4;
	uint nt = WinoTiles(p);
	uint n = nt * c4n;
	for (uint i = id.x; i < n; i += p.Stride) {
		uint c4, t, tx, b, ty;
		WinoTexItem(p, i, c4, t, tx, b, ty);
		float4 u0[4], u1[4]; // Aᵀ·m, column by column
		[unroll] for (uint q = 0; q < 4; q++) {
			float4 m0 = asfloat(WinoTexM[(q * nt + t) * c4n + c4]);
			float4 m1 = asfloat(WinoTexM[((4 + q) * nt + t) * c4n + c4]);
			float4 m2 = asfloat(WinoTexM[((8 + q) * nt + t) * c4n + c4]);
			float4 m3 = asfloat(WinoTexM[((12 + q) * nt + t) * c4n + c4]);
			u0[q] = m0 + m1 + m2;
			u1[q] = m1 - m2 - m3;
		}
		float4 y00 = u0[0] + u0[1] + u0[2];
		float4 y01 = u0[1] - u0[2] - u0[3];
		float4 y10 = u1[0] + u1[1] + u1[2];
		float4 y11 = u1[1] - u1[2] - u1[3];
		if ((p.W & 1) == 0) {
			if ((p.Flags & ConvBias) != 0) {
				float4 bias = WinoBias4[c4];
				y00 += bias;
				y01 += bias;
				y10 += bias;
				y11 += bias;
			}
			WinoStoreRow(p, b, 4 * c4, 2 * ty, 2 * tx, y00, y01);
			WinoStoreRow(p, b, 4 * c4, 2 * ty + 1, 2 * tx, y10, y11);
		} else {
			WinoStoreY4(p, b, 4 * c4, 2 * ty, 2 * tx, y00);
			WinoStoreY4(p, b, 4 * c4, 2 * ty, 2 * tx + 1, y01);
			WinoStoreY4(p, b, 4 * c4, 2 * ty + 1, 2 * tx, y10);
			WinoStoreY4(p, b, 4 * c4, 2 * ty + 1, 2 * tx + 1, y11);
		}
	}
}
*/
//gosl: end wino_out_tex

// The F(4×4, 3×3) transforms, texel builds only (both channel counts % 4 == 0: WinoTile),
// with Wino4InCPU and Wino4OutCPU as their Go references. Y rows are stored as float4s
// of 4 pixels where W % 4 == 0 (every VAE decoder level), else pixel by pixel by a build
// of their own (wino4_out_tex_px): the pixel stores, each a loop over the lanes in
// llvmpipe, made one kernel with both take 12 s of first-run JIT, 2.2–2.5 s without them.

//gosl: hlsl wino4
/*
// // Bᵀ of F(4×4, 3×3), row by row, applied to six values.
#define WINO4_BT0(d0, d1, d2, d3, d4, d5) (4 * (d0) - 5 * (d2) + (d4))
#define WINO4_BT1(d0, d1, d2, d3, d4, d5) ((d3) + (d4) - 4 * ((d1) + (d2)))
#define WINO4_BT2(d0, d1, d2, d3, d4, d5) (4 * ((d1) - (d2)) - (d3) + (d4))
#define WINO4_BT3(d0, d1, d2, d3, d4, d5) (2 * ((d3) - (d1)) - (d2) + (d4))
#define WINO4_BT4(d0, d1, d2, d3, d4, d5) (2 * ((d1) - (d3)) - (d2) + (d4))
#define WINO4_BT5(d0, d1, d2, d3, d4, d5) (4 * (d1) - 5 * (d3) + (d5))
// // Aᵀ of F(4×4, 3×3), row by row.
#define WINO4_AT0(m0, m1, m2, m3, m4, m5) ((m0) + (m1) + (m2) + (m3) + (m4))
#define WINO4_AT1(m0, m1, m2, m3, m4, m5) ((m1) - (m2) + 2 * ((m3) - (m4)))
#define WINO4_AT2(m0, m1, m2, m3, m4, m5) ((m1) + (m2) + 4 * ((m3) + (m4)))
#define WINO4_AT3(m0, m1, m2, m3, m4, m5) ((m1) - (m2) + 8 * ((m3) - (m4)) + (m5))
*/
//gosl: end wino4

//gosl: hlsl wino4_in_tex
/*
#include "winoparams.hlsl"
#include "winotexitem.hlsl"
#include "winointex.hlsl"
#include "wino4.hlsl"
[[vk::push_constant]] cbuffer PC { WinoParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	WinoParams p = P;
	uint n = WinoTiles(p) * (p.C / 4);
	for (uint i = id.x; i < n; i += p.Stride) {
		uint c4, t, tx, b, ty;
		WinoTexItem(p, i, c4, t, tx, b, ty);
		int y = int(4 * ty) - 1;
		int x = int(4 * tx) - 1;
		float4 e[6][6]; // Bᵀ·d, column by column
		[unroll] for (uint q = 0; q < 6; q++) {
			float4 d0 = WinoFetchX(p, b, y, x + int(q), c4);
			float4 d1 = WinoFetchX(p, b, y + 1, x + int(q), c4);
			float4 d2 = WinoFetchX(p, b, y + 2, x + int(q), c4);
			float4 d3 = WinoFetchX(p, b, y + 3, x + int(q), c4);
			float4 d4 = WinoFetchX(p, b, y + 4, x + int(q), c4);
			float4 d5 = WinoFetchX(p, b, y + 5, x + int(q), c4);
			e[0][q] = WINO4_BT0(d0, d1, d2, d3, d4, d5);
			e[1][q] = WINO4_BT1(d0, d1, d2, d3, d4, d5);
			e[2][q] = WINO4_BT2(d0, d1, d2, d3, d4, d5);
			e[3][q] = WINO4_BT3(d0, d1, d2, d3, d4, d5);
			e[4][q] = WINO4_BT4(d0, d1, d2, d3, d4, d5);
			e[5][q] = WINO4_BT5(d0, d1, d2, d3, d4, d5);
		}
		[unroll] for (uint r = 0; r < 6; r++) { // V = e·B
			WinoStoreV4(p, 6 * r, t, 4 * c4, WINO4_BT0(e[r][0], e[r][1], e[r][2], e[r][3], e[r][4], e[r][5]));
			WinoStoreV4(p, 6 * r + 1, t, 4 * c4, WINO4_BT1(e[r][0], e[r][1], e[r][2], e[r][3], e[r][4], e[r][5]));
			WinoStoreV4(p, 6 * r + 2, t, 4 * c4, WINO4_BT2(e[r][0], e[r][1], e[r][2], e[r][3], e[r][4], e[r][5]));
			WinoStoreV4(p, 6 * r + 3, t, 4 * c4, WINO4_BT3(e[r][0], e[r][1], e[r][2], e[r][3], e[r][4], e[r][5]));
			WinoStoreV4(p, 6 * r + 4, t, 4 * c4, WINO4_BT4(e[r][0], e[r][1], e[r][2], e[r][3], e[r][4], e[r][5]));
			WinoStoreV4(p, 6 * r + 5, t, 4 * c4, WINO4_BT5(e[r][0], e[r][1], e[r][2], e[r][3], e[r][4], e[r][5]));
		}
	}
}
*/
//gosl: end wino4_in_tex

//gosl: hlsl wino4_out_tex
/*
#include "conv.hlsl"
#include "winoparams.hlsl"
#include "winooutfam.hlsl"
#include "winotexitem.hlsl"
#include "winoouttex.hlsl"
#include "wino4.hlsl"
// // sdgo:variant wino4_out_tex_px -DWINO_PX=1
[[vk::push_constant]] cbuffer PC { WinoParams P; };
// // R as texels (4 pixels of a row a fetch) in the float4-row build; the pixel build
// // reads it through WinoStoreY's storage buffer on the same binding, and each build
// // keeps only the one it uses.
[[vk::binding(2, 0)]] Buffer<uint4> WinoR4T;
[[vk::binding(3, 0)]] RWStructuredBuffer<float4> WinoY4;
// // WinoStoreRow4 writes output row oy of a tile, channels co..co+3, pixels ox..ox+3
// // (y0..y3) + R, as float4s of 4 pixels: for W % 4 == 0, where each is 16-byte
// // aligned and inside the row.
void WinoStoreRow4(WinoParams p, uint b, uint co, uint oy, uint ox, float4 y0, float4 y1, float4 y2, float4 y3) {
	if (oy >= p.H) {
		return;
	}
	[unroll] for (uint c = 0; c < 4; c++) {
		uint idx = (((b * p.C + co + c) * p.H + oy) * p.W + ox) / 4;
		float4 v = float4(y0[c], y1[c], y2[c], y3[c]);
		if ((p.Flags & ConvResidual) != 0) {
			v += asfloat(WinoR4T[idx]);
		}
		WinoY4[idx] = v;
	}
}
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	WinoParams p = P;
	uint c4n = p.C / 4;
	uint nt = WinoTiles(p);
	uint n = nt * c4n;
	for (uint i = id.x; i < n; i += p.Stride) {
		uint c4, t, tx, b, ty;
		WinoTexItem(p, i, c4, t, tx, b, ty);
		float4 u[4][6]; // Aᵀ·m, column by column
		[unroll] for (uint q = 0; q < 6; q++) {
			float4 m0 = asfloat(WinoTexM[(q * nt + t) * c4n + c4]);
			float4 m1 = asfloat(WinoTexM[((6 + q) * nt + t) * c4n + c4]);
			float4 m2 = asfloat(WinoTexM[((12 + q) * nt + t) * c4n + c4]);
			float4 m3 = asfloat(WinoTexM[((18 + q) * nt + t) * c4n + c4]);
			float4 m4 = asfloat(WinoTexM[((24 + q) * nt + t) * c4n + c4]);
			float4 m5 = asfloat(WinoTexM[((30 + q) * nt + t) * c4n + c4]);
			u[0][q] = WINO4_AT0(m0, m1, m2, m3, m4, m5);
			u[1][q] = WINO4_AT1(m0, m1, m2, m3, m4, m5);
			u[2][q] = WINO4_AT2(m0, m1, m2, m3, m4, m5);
			u[3][q] = WINO4_AT3(m0, m1, m2, m3, m4, m5);
		}
#ifndef WINO_PX
		float4 bias = float4(0, 0, 0, 0);
		if ((p.Flags & ConvBias) != 0) {
			bias = WinoBias4[c4];
		}
#endif
		[unroll] for (uint r = 0; r < 4; r++) { // Y = u·A
			float4 y0 = WINO4_AT0(u[r][0], u[r][1], u[r][2], u[r][3], u[r][4], u[r][5]);
			float4 y1 = WINO4_AT1(u[r][0], u[r][1], u[r][2], u[r][3], u[r][4], u[r][5]);
			float4 y2 = WINO4_AT2(u[r][0], u[r][1], u[r][2], u[r][3], u[r][4], u[r][5]);
			float4 y3 = WINO4_AT3(u[r][0], u[r][1], u[r][2], u[r][3], u[r][4], u[r][5]);
			uint oy = 4 * ty + r;
#ifdef WINO_PX
			WinoStoreY4(p, b, 4 * c4, oy, 4 * tx, y0);
			WinoStoreY4(p, b, 4 * c4, oy, 4 * tx + 1, y1);
			WinoStoreY4(p, b, 4 * c4, oy, 4 * tx + 2, y2);
			WinoStoreY4(p, b, 4 * c4, oy, 4 * tx + 3, y3);
#else
			WinoStoreRow4(p, b, 4 * c4, oy, 4 * tx, y0 + bias, y1 + bias, y2 + bias, y3 + bias);
#endif
		}
	}
}
*/
//gosl: end wino4_out_tex

// WinoIn is the input transform (WinoParams, C = Cin): binding 0 X channels-last
// [N][H][W][Cin] (read), 1 V [16][T][Cin] (written). Groups: Groups1D(T·Cin).
var WinoIn = Spec{Name: "wino_in", Reads: 1, Writes: 1, ParamsSize: 48, Local: [3]uint32{Local1D, 1, 1}}

// WinoOut is the output transform (WinoParams, C = Cout): binding 0 M [16][T][Cout],
// 1 bias [Cout], 2 R [N][Cout][H][W] (read; unused ones bound to anything), 3 Y
// [N][Cout][H][W] (written: the tiles' pixels). Groups: Groups1D(T·Cout).
var WinoOut = Spec{Name: "wino_out", Reads: 3, Writes: 1, ParamsSize: 48, Local: [3]uint32{Local1D, 1, 1}}

// WinoInTex and WinoOutTex are WinoIn and WinoOut reading X and M through texel buffers
// (binding 0), for CPU devices where WinoTexFits; Groups1D(T·C/4).
var (
	WinoInTex  = Spec{Name: "wino_in_tex", Reads: 1, Writes: 1, ParamsSize: 48, Local: [3]uint32{Local1D, 1, 1}, Texels: 1}
	WinoOutTex = Spec{Name: "wino_out_tex", Reads: 3, Writes: 1, ParamsSize: 48, Local: [3]uint32{Local1D, 1, 1}, Texels: 1}
)

// Wino4InTex and Wino4OutTex are the F(4×4, 3×3) transforms (texel builds, C % 4 == 0):
// bindings as WinoInTex and WinoOutTex, with V and M [36][T][C] (Wino4OutTex also reads
// the residual as texels); Groups1D(T·C/4).
var (
	Wino4InTex  = Spec{Name: "wino4_in_tex", Reads: 1, Writes: 1, ParamsSize: 48, Local: [3]uint32{Local1D, 1, 1}, Texels: 1}
	Wino4OutTex = Spec{Name: "wino4_out_tex", Reads: 3, Writes: 1, ParamsSize: 48, Local: [3]uint32{Local1D, 1, 1}, Texels: 1 | 1<<2}
	// Wino4OutTexPx is Wino4OutTex for widths W % 4 != 0 (WinoOutFor picks it).
	Wino4OutTexPx = Spec{Name: "wino4_out_tex_px", Reads: 3, Writes: 1, ParamsSize: 48, Local: [3]uint32{Local1D, 1, 1}, Texels: 1}
)

// WinoTexFits reports whether the texel builds can transform c channels (4 per fetch).
func WinoTexFits(c int) bool { return c%4 == 0 }

// WinoTile returns the output tile side m of the Winograd conv of cin → cout channels:
// 4, F(4×4, 3×3), where its texel transforms fit both counts, else 2.
func WinoTile(cin, cout int) int {
	if WinoTexFits(cin) && WinoTexFits(cout) {
		return 4
	}
	return 2
}

// WinoPositions is the number of products per tile of F(m×m, 3×3), (m+2)²: the GEMMs
// of a chunk, and the leading dimension of U, V and M.
func WinoPositions(m int) int { return (m + 2) * (m + 2) }

// WinoTileOf returns the tile side m whose U has positions rows (16 → 2, 36 → 4).
func WinoTileOf(positions int) int {
	if positions == WinoPositions(4) {
		return 4
	}
	return 2
}

// WinoInFor returns the input transform of tile side m for p (the texel build where p.C
// fits it) with p.Stride set and its workgroup count; WinoOutFor likewise for the output
// transform.
func WinoInFor(m int, p WinoParams) (Spec, WinoParams, [3]uint32) {
	if m == 4 {
		return winoStage(Wino4InTex, Wino4InTex, p)
	}
	return winoStage(WinoIn, WinoInTex, p)
}

// WinoOutFor is WinoInFor for the output transform (p.C = Cout).
func WinoOutFor(m int, p WinoParams) (Spec, WinoParams, [3]uint32) {
	if m == 4 {
		if p.W%4 != 0 {
			return winoStage(Wino4OutTexPx, Wino4OutTexPx, p)
		}
		return winoStage(Wino4OutTex, Wino4OutTex, p)
	}
	return winoStage(WinoOut, WinoOutTex, p)
}

func winoStage(plain, tex Spec, p WinoParams) (Spec, WinoParams, [3]uint32) {
	spec, per := plain, int(p.C)
	if WinoTexFits(int(p.C)) {
		spec, per = tex, int(p.C)/4
	}
	g, stride := Groups1D(int(WinoTiles(&p)) * per)
	p.Stride = stride
	return spec, p, [3]uint32{g, 1, 1}
}

// WinoFits reports whether a conv can run as Winograd on the "tex" GEMM: a 3×3 kernel at
// stride 1 with padding 1 on every side, and cin % 8 == 0.
func WinoFits(k, stride, padT, padL, padB, padR, cin int) bool {
	return k == 3 && stride == 1 && padT == 1 && padL == 1 && padB == 1 && padR == 1 && GemmTexFits(GemmParams{K: uint32(cin)})
}

// WinoWeights transforms a [cout][cin][3][3] kernel to U [(m+2)²][cout][cin] for tile
// side m, U[p] = G·g·Gᵀ, with G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1] for m = 2 and
// [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1/24 1/12 ⅙; 1/24 −1/12 ⅙; 0 0 1] for m = 4, computed in
// float64 and rounded once.
func WinoWeights(g []float32, cout, cin, m int) []float32 {
	gm := winoG2
	if m == 4 {
		gm = winoG4
	}
	a := len(gm)
	u := make([]float32, a*a*cout*cin)
	for co := 0; co < cout; co++ {
		for ci := 0; ci < cin; ci++ {
			k := g[(co*cin+ci)*9:]
			var gg [6][3]float64 // G·g
			for r := range a {
				for c := range 3 {
					gg[r][c] = gm[r][0]*float64(k[c]) + gm[r][1]*float64(k[3+c]) + gm[r][2]*float64(k[6+c])
				}
			}
			for r := range a {
				for c := range a {
					v := gg[r][0]*gm[c][0] + gg[r][1]*gm[c][1] + gg[r][2]*gm[c][2]
					u[((r*a+c)*cout+co)*cin+ci] = float32(v)
				}
			}
		}
	}
	return u
}

// G of F(2×2, 3×3) and F(4×4, 3×3).
var (
	winoG2 = [][3]float64{{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}}
	winoG4 = [][3]float64{{0.25, 0, 0}, {-1.0 / 6, -1.0 / 6, -1.0 / 6}, {-1.0 / 6, 1.0 / 6, -1.0 / 6},
		{1.0 / 24, 1.0 / 12, 1.0 / 6}, {1.0 / 24, -1.0 / 12, 1.0 / 6}, {0, 0, 1}}
)

// WinoChunkRows returns how many tile rows one chunk of a Winograd conv of tile side m
// covers so that its V and M ((m+2)² values per tile and channel each) stay within
// maxBytes.
func WinoChunkRows(m, n, tilesW, tileRows, cin, cout int, maxBytes int64) int {
	perRow := int64(WinoPositions(m) * 4 * n * tilesW * (cin + cout))
	return max(1, min(tileRows, int(maxBytes/perRow)))
}

// WinoGrid returns the tiles per row and tile rows of an h×w image for tile side m.
func WinoGrid(m, h, w int) (tilesW, tileRows int) {
	return (w + m - 1) / m, (h + m - 1) / m
}

// WinoStep is one chunk of tile rows of a Winograd conv: the input transform, the
// (m+2)² batched texel GEMMs (Gemm: V[p]·U[p]ᵀ → M[p]; WinoGemm, or the tap GEMM) and
// the output transform, with
// their params and workgroup counts; Tiles is the chunk's T.
type WinoStep struct {
	In, Out             Spec
	InParams, OutParams WinoParams
	InGroups, OutGroups [3]uint32
	Gemm                GemmParams
	Tiles               int
}

// WinoGemm returns the kernel and grid of a stored-U Winograd step's GEMM g (fp16 or
// fp32 U): the "tex" build, or where M or N is at most 8 (the VAE's conv_out, N = 3)
// its narrow builds, by GemmVariant's rules.
func WinoGemm(g GemmParams, f16 bool) (Spec, [3]uint32, error) {
	v := GemmVariant(Target{CPU: true}, "tex", g)
	spec, err := GemmKernel(v, f16)
	return spec, GemmGroups(v, g), err
}

// WinoSteps splits conv p (3×3, stride 1, padding 1; WinoFits) into chunks of at most
// rows tile rows (WinoChunkRows) of tile side m, f16 for fp16 U.
func WinoSteps(p ConvParams, m int, f16 bool, rows int) []WinoStep {
	tilesW, tileRows := WinoGrid(m, int(p.H), int(p.W))
	var steps []WinoStep
	for r0 := 0; r0 < tileRows; r0 += rows {
		wp := WinoParams{N: p.N, H: p.H, W: p.W, C: p.Cin, TilesW: uint32(tilesW), TileRow0: uint32(r0), TileRows: uint32(min(rows, tileRows-r0)), Flags: p.Flags}
		st := WinoStep{Tiles: int(WinoTiles(&wp))}
		st.In, st.InParams, st.InGroups = WinoInFor(m, wp)
		st.Gemm = NewGemmParams(WinoPositions(m), st.Tiles, int(p.Cout), int(p.Cin), f16, false, false, GemmActNone, false)
		wp.C = p.Cout
		st.Out, st.OutParams, st.OutGroups = WinoOutFor(m, wp)
		steps = append(steps, st)
	}
	return steps
}

// WinoInCPU and WinoOutCPU are the CPU references of WinoIn and WinoOut.
func WinoInCPU(p WinoParams, x, v []float32) {
	cpuMu.Lock()
	defer cpuMu.Unlock()
	WinoX, WinoV = x, v
	for i := uint32(0); i < WinoTiles(&p)*p.C; i++ {
		WinoInAt(&p, i)
	}
	WinoX, WinoV = nil, nil
}

// WinoOutCPU is the CPU reference of WinoOut (bias, r may be nil when unused).
func WinoOutCPU(p WinoParams, m, bias, r, y []float32) {
	cpuMu.Lock()
	defer cpuMu.Unlock()
	WinoM, WinoBias, WinoR, WinoY = m, bias, r, y
	for i := uint32(0); i < WinoTiles(&p)*p.C; i++ {
		WinoOutAt(&p, i)
	}
	WinoM, WinoBias, WinoR, WinoY = nil, nil, nil, nil
}

// Wino4InCPU is the CPU reference of Wino4InTex: V[6ξ+ν][t][c] = (Bᵀ·d·B)[ξ][ν] of the
// 6×6 patch d whose top-left input pixel is (4·ty−1, 4·tx−1), 0 in the padding.
func Wino4InCPU(p WinoParams, x, v []float32) {
	nt := WinoTiles(&p)
	for t := uint32(0); t < nt; t++ {
		tx, b, ty := t%p.TilesW, WinoTileImage(&p, t), WinoTileRow(&p, t)
		for c := uint32(0); c < p.C; c++ {
			var e [6][6]float32 // Bᵀ·d, column by column
			for q := range 6 {
				var d [6]float32
				for i := range d {
					iy, ix := int(4*ty)-1+i, int(4*tx)-1+q
					if iy >= 0 && ix >= 0 && iy < int(p.H) && ix < int(p.W) {
						d[i] = x[((int(b)*int(p.H)+iy)*int(p.W)+ix)*int(p.C)+int(c)]
					}
				}
				col := wino4BT(d)
				for i := range 6 {
					e[i][q] = col[i]
				}
			}
			for r := range 6 {
				for q, val := range wino4BT(e[r]) {
					v[((uint32(6*r+q))*nt+t)*p.C+c] = val
				}
			}
		}
	}
}

// Wino4OutCPU is the CPU reference of Wino4OutTex: each tile's 4×4 output pixels
// Aᵀ·m·A (+ bias, + r; bias and r may be nil when unused), those inside the image.
func Wino4OutCPU(p WinoParams, m, bias, r, y []float32) {
	nt := WinoTiles(&p)
	for t := uint32(0); t < nt; t++ {
		tx, b, ty := t%p.TilesW, WinoTileImage(&p, t), WinoTileRow(&p, t)
		for co := uint32(0); co < p.C; co++ {
			var u [4][6]float32 // Aᵀ·m, column by column
			for q := range 6 {
				var col [6]float32
				for i := range col {
					col[i] = m[(uint32(6*i+q)*nt+t)*p.C+co]
				}
				for i, val := range wino4AT(col) {
					u[i][q] = val
				}
			}
			for i := range 4 {
				for j, val := range wino4AT(u[i]) {
					oy, ox := 4*ty+uint32(i), 4*tx+uint32(j)
					if oy >= p.H || ox >= p.W {
						continue
					}
					idx := ((b*p.C+co)*p.H+oy)*p.W + ox
					if p.Flags&ConvBias != 0 {
						val += bias[co]
					}
					if p.Flags&ConvResidual != 0 {
						val += r[idx]
					}
					y[idx] = val
				}
			}
		}
	}
}

// wino4BT and wino4AT apply Bᵀ and Aᵀ of F(4×4, 3×3) to six values, in the order of
// the kernels' WINO4_BT* and WINO4_AT* (so that the references round alike).
func wino4BT(d [6]float32) [6]float32 {
	return [6]float32{
		4*d[0] - 5*d[2] + d[4],
		d[3] + d[4] - 4*(d[1]+d[2]),
		4*(d[1]-d[2]) - d[3] + d[4],
		2*(d[3]-d[1]) - d[2] + d[4],
		2*(d[1]-d[3]) - d[2] + d[4],
		4*d[1] - 5*d[3] + d[5],
	}
}

func wino4AT(m [6]float32) [4]float32 {
	return [4]float32{
		m[0] + m[1] + m[2] + m[3] + m[4],
		m[1] - m[2] + 2*(m[3]-m[4]),
		m[1] + m[2] + 4*(m[3]+m[4]),
		m[1] - m[2] + 8*(m[3]-m[4]) + m[5],
	}
}

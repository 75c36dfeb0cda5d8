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
	// TilesW = ⌈W/2⌉ tiles per row; the dispatch covers tile rows
	// [TileRow0, TileRow0+TileRows) of every image.
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

//gosl: hlsl wino_in_tex
/*
#include "winoparams.hlsl"
[[vk::push_constant]] cbuffer PC { WinoParams P; };
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
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	WinoParams p = P;
	uint c4n = p.C / 4;
	uint n = WinoTiles(p) * c4n;
	for (uint i = id.x; i < n; i += p.Stride) {
		uint c4 = i % c4n;
		uint t = i / c4n;
		uint tx = t % p.TilesW;
		uint b = WinoTileImage(p, t);
		uint ty = WinoTileRow(p, t);
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
[[vk::push_constant]] cbuffer PC { WinoParams P; };
[[vk::binding(0, 0)]] Buffer<uint4> WinoTexM;
[[vk::binding(1, 0)]] RWStructuredBuffer<float4> WinoBias4;
[[vk::binding(2, 0)]] RWStructuredBuffer<float2> WinoR2;
[[vk::binding(3, 0)]] RWStructuredBuffer<float2> WinoY2;
void WinoStoreY4(WinoParams p, uint b, uint co, uint oy, uint ox, float4 v) {
	WinoStoreY(p, b, co, oy, ox, v.x);
	WinoStoreY(p, b, co + 1, oy, ox, v.y);
	WinoStoreY(p, b, co + 2, oy, ox, v.z);
	WinoStoreY(p, b, co + 3, oy, ox, v.w);
}
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
		uint c4 = i % c4n;
		uint t = i / c4n;
		uint tx = t % p.TilesW;
		uint b = WinoTileImage(p, t);
		uint ty = WinoTileRow(p, t);
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

// WinoTexFits reports whether the texel builds can transform c channels (4 per fetch).
func WinoTexFits(c int) bool { return c%4 == 0 }

// WinoInFor returns the input transform for p (the texel build where p.C fits it) with
// p.Stride set and its workgroup count; WinoOutFor likewise for the output transform.
func WinoInFor(p WinoParams) (Spec, WinoParams, [3]uint32) {
	return winoStage(WinoIn, WinoInTex, p)
}

// WinoOutFor is WinoInFor for the output transform (p.C = Cout).
func WinoOutFor(p WinoParams) (Spec, WinoParams, [3]uint32) {
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

// WinoFits reports whether a conv can run as Winograd F(2×2, 3×3) on the "tex" GEMM:
// a 3×3 kernel at stride 1 with padding 1 on every side, and cin % 8 == 0.
func WinoFits(k, stride, padT, padL, padB, padR, cin int) bool {
	return k == 3 && stride == 1 && padT == 1 && padL == 1 && padB == 1 && padR == 1 && GemmTexFits(GemmParams{K: uint32(cin)})
}

// WinoWeights transforms a [cout][cin][3][3] kernel to U [16][cout][cin], U[p] = G·g·Gᵀ
// with G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1].
func WinoWeights(g []float32, cout, cin int) []float32 {
	u := make([]float32, 16*cout*cin)
	for co := 0; co < cout; co++ {
		for ci := 0; ci < cin; ci++ {
			k := g[(co*cin+ci)*9:]
			var gg [4][3]float32 // G·g
			for c := 0; c < 3; c++ {
				g0, g1, g2 := k[c], k[3+c], k[6+c]
				gg[0][c], gg[1][c], gg[2][c], gg[3][c] = g0, (g0+g1+g2)/2, (g0-g1+g2)/2, g2
			}
			for r := 0; r < 4; r++ {
				g0, g1, g2 := gg[r][0], gg[r][1], gg[r][2]
				row := [4]float32{g0, (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2, g2}
				for c, v := range row {
					u[((r*4+c)*cout+co)*cin+ci] = v
				}
			}
		}
	}
	return u
}

// WinoChunkRows returns how many tile rows one chunk of a Winograd conv covers so that
// its V and M (16 values per tile and channel each) stay within maxBytes.
func WinoChunkRows(n, tilesW, tileRows, cin, cout int, maxBytes int64) int {
	perRow := int64(16 * 4 * n * tilesW * (cin + cout))
	return max(1, min(tileRows, int(maxBytes/perRow)))
}

// WinoStep is one chunk of tile rows of a Winograd conv: the input transform, the 16
// batched "tex" GEMMs (Gemm: V[p]·U[p]ᵀ → M[p]) and the output transform, with their
// params and workgroup counts; Tiles is the chunk's T.
type WinoStep struct {
	In, Out             Spec
	InParams, OutParams WinoParams
	InGroups, OutGroups [3]uint32
	Gemm                GemmParams
	Tiles               int
}

// WinoSteps splits conv p (3×3, stride 1, padding 1; WinoFits) into chunks of at most
// rows tile rows (WinoChunkRows), f16 for fp16 U.
func WinoSteps(p ConvParams, f16 bool, rows int) []WinoStep {
	tilesW, tileRows := (p.W+1)/2, (p.H+1)/2
	var steps []WinoStep
	for r0 := uint32(0); r0 < tileRows; r0 += uint32(rows) {
		wp := WinoParams{N: p.N, H: p.H, W: p.W, C: p.Cin, TilesW: tilesW, TileRow0: r0, TileRows: min(uint32(rows), tileRows-r0), Flags: p.Flags}
		st := WinoStep{Tiles: int(WinoTiles(&wp))}
		st.In, st.InParams, st.InGroups = WinoInFor(wp)
		st.Gemm = NewGemmParams(16, st.Tiles, int(p.Cout), int(p.Cin), f16, false, false, GemmActNone, false)
		wp.C = p.Cout
		st.Out, st.OutParams, st.OutGroups = WinoOutFor(wp)
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

package kernels

import (
	"fmt"
	"math"
)

// Conv2d, NCHW, as an implicit GEMM (no im2col buffer), fp32 accumulation:
//
//   Y[b,co,oy,ox] = bias[co] + Σ_{ci,ky,kx} W[co,ci,ky,kx]·X[b,ci,oy·S−PadT+ky,ox·S−PadL+kx] + R[b,co,oy,ox]
//
// with X read as 0 outside [0,H)×[0,W) (so any padding, symmetric or not: SD's
// Downsample2D is 3×3 stride 2 PadT=PadL=1 with OH=H/2; the VAE encoder's downsample
// pads (0,1,0,1) and is PadT=PadL=0, OH=(H−2)/2+1 — bottom/right padding is implied by
// the output size). W is [Cout][Cin·KH·KW] fp32, or fp16 packed two per word with each
// row padded to F16RowWords(Cin·KH·KW) words (see f16.go).
//
// Splitting for maxStorageBufferRange (128 MiB on lavapipe): one dispatch computes the
// output rows [OY0, OY0+Rows) of every image and channel (all of X stays bound: it is the
// layout that is too big only if X itself is). Where a binding is too large, split
// (1) over the batch (bind image b alone, N=1), (2) over output channels (bind weight
// rows, bias and the Y/R channel slab [c0,c1); N=1 keeps the slab contiguous), and
// (3) over input channels: the first dispatch binds X[:, c0:c1] with Cin=c1−c0 and the
// matching weight columns — which are not contiguous in W, so the caller repacks the
// weight once per split — and each later dispatch adds its partial sum through the
// residual (R = Y, read and written element by element by the same invocation, so the
// in-place update is safe).

//gosl: start cpuonly

// ConvBufX, ConvBufW, ConvBufBias, ConvBufR and ConvBufY are the Go-side storage buffers
// of the conv kernels (bindings 0..4). ConvBufW holds weight words (fp32 bits or fp16
// pairs).
var (
	ConvBufX, ConvBufBias, ConvBufR, ConvBufY []float32
	ConvBufW                                  []uint32
)

//gosl: end cpuonly

//gosl: hlsl conv
// #ifndef SDGO_GLSL
// [[vk::binding(0, 0)]] RWStructuredBuffer<float> ConvBufX;
// [[vk::binding(1, 0)]] RWStructuredBuffer<uint> ConvBufW;
// [[vk::binding(2, 0)]] RWStructuredBuffer<float> ConvBufBias;
// [[vk::binding(3, 0)]] RWStructuredBuffer<float> ConvBufR;
// [[vk::binding(4, 0)]] RWStructuredBuffer<float> ConvBufY;
// #endif
//gosl: end conv

//gosl: start conv

// Flags of ConvParams.Flags.
const (
	// ConvBias adds bias[co] (binding 2).
	ConvBias uint32 = 1
	// ConvResidual adds R[b,co,oy,ox] (binding 3).
	ConvResidual uint32 = 2
	// ConvF16 marks fp16 weights; it must match the kernel built for them (ConvKernel's
	// f16; NewConvParams sets it).
	ConvF16 uint32 = 4
)

// ConvParams are the push constants of the conv kernels (64 bytes).
type ConvParams struct {
	// N images of Cin channels of H×W in; Cout channels of OH×OW out.
	N    uint32
	Cin  uint32
	H    uint32
	W    uint32
	Cout uint32
	OH   uint32
	OW   uint32
	// KH×KW kernel, Stride, padding at the top and left (bottom/right follow from OH, OW).
	KH     uint32
	KW     uint32
	Stride uint32
	PadT   uint32
	PadL   uint32
	// The dispatch computes output rows [OY0, OY0+Rows) (Rows = OH for all).
	OY0  uint32
	Rows uint32
	// Flags is a set of ConvBias, ConvResidual, ConvF16.
	Flags uint32
	// KChunk splits the inner size ConvK (split-K, tensor-core variants only; 0: no
	// split, see ConvSplitK): workgroup layer s sums k in [s·KChunk, (s+1)·KChunk) and
	// writes its raw partial sums to Y where ConvPartIdx says, for conv_splitk_sum to add
	// up and finish. A multiple of 64, as GemmParams.KChunk.
	KChunk uint32
}

// ConvK is the inner size Cin·KH·KW.
func ConvK(p *ConvParams) uint32 {
	return p.Cin * p.KH * p.KW
}

// ConvLdW is the row stride of the weight in words.
func ConvLdW(p *ConvParams) uint32 {
	if (p.Flags & ConvF16) != 0 {
		return (ConvK(p) + 1) / 2
	}
	return ConvK(p)
}

// ConvLoadW returns weight element k of the row starting at word off.
func ConvLoadW(p *ConvParams, off uint32, k uint32) float32 {
	if (p.Flags & ConvF16) != 0 {
		return f16tof32(ConvBufW[off+k/2] >> ((k & 1) * 16))
	}
	return math.Float32frombits(ConvBufW[off+k])
}

// ConvLoadX returns X[b,ci,iy,ix], 0 outside the image.
func ConvLoadX(p *ConvParams, b uint32, ci uint32, iy int32, ix int32) float32 {
	if iy < 0 || ix < 0 || iy >= int32(p.H) || ix >= int32(p.W) {
		return 0
	}
	return ConvBufX[((b*p.Cin+ci)*p.H+uint32(iy))*p.W+uint32(ix)]
}

// ConvStore adds bias and residual to the inner product v of output (b, co, oy, ox) and
// writes it.
func ConvStore(p *ConvParams, b uint32, co uint32, oy uint32, ox uint32, v float32) {
	if (p.Flags & ConvBias) != 0 {
		v += ConvBufBias[co]
	}
	idx := ((b*p.Cout+co)*p.OH+oy)*p.OW + ox
	if (p.Flags & ConvResidual) != 0 {
		v += ConvBufR[idx]
	}
	ConvBufY[idx] = v
}

// ConvPixels is the number of output pixels of the dispatch, N·Rows·OW: the M of its
// implicit GEMM, pixels in (image, row, column) order.
func ConvPixels(p *ConvParams) uint32 {
	return p.N * p.Rows * p.OW
}

// ConvSplits is the number of k-chunks of a split-K dispatch (1: no split).
func ConvSplits(p *ConvParams) uint32 {
	if p.KChunk == 0 {
		return 1
	}
	return (ConvK(p) + p.KChunk - 1) / p.KChunk
}

// ConvPartIdx is where a split-K dispatch leaves chunk s's partial sum of channel co
// at pixel m (see ConvPixels): the partials are [splits][Cout][pixels].
func ConvPartIdx(p *ConvParams, s uint32, co uint32, m uint32) uint32 {
	return (s*p.Cout+co)*ConvPixels(p) + m
}

// ConvSplitSumAt finishes channel co at pixel m of a split-K conv: it adds up the
// partial sums in X (laid out as ConvPartIdx says) in chunk order and stores the result
// with bias and residual.
func ConvSplitSumAt(p *ConvParams, co uint32, m uint32) {
	v := float32(0)
	for s := uint32(0); s < ConvSplits(p); s++ {
		v += ConvBufX[ConvPartIdx(p, s, co, m)]
	}
	npix := p.Rows * p.OW
	r := m % npix
	ConvStore(p, m/npix, co, p.OY0+r/p.OW, r%p.OW, v)
}

// ConvAt computes output (b, co, oy, ox) the simple way (the CPU reference), in the
// weight's k order.
func ConvAt(p *ConvParams, b uint32, co uint32, oy uint32, ox uint32) {
	woff := co * ConvLdW(p)
	acc := float32(0)
	k := uint32(0)
	for ci := uint32(0); ci < p.Cin; ci++ {
		for ky := uint32(0); ky < p.KH; ky++ {
			iy := int32(oy*p.Stride+ky) - int32(p.PadT)
			for kx := uint32(0); kx < p.KW; kx++ {
				ix := int32(ox*p.Stride+kx) - int32(p.PadL)
				acc += ConvLoadX(p, b, ci, iy, ix) * ConvLoadW(p, woff, k)
				k++
			}
		}
	}
	ConvStore(p, b, co, oy, ox, acc)
}

//gosl: end conv

// The register-tiled conv for CPU devices (lavapipe): a workgroup is one SIMD row of 8
// invocations (= one subgroup) computing CTM output pixels × 8·CTN output channels. Each
// lane owns CTN output channels (lane + 8·j) and loads their weights itself; the input
// values of the CTM pixels are loaded per lane (lane l loads pixel m0+8q+l, padding
// tested per lane) and handed to every lane with subgroup broadcasts — the same trick
// as gemm_reg (see there: loads are what costs on lavapipe). The k loop runs over the
// taps (ky, kx) outside and input channels inside, so the pixel addresses are computed
// once per tap.

//gosl: hlsl conv_reg
/*
#include "conv.hlsl"
[[vk::push_constant]] cbuffer PC { ConvParams P; };
// // sdgo:variant conv_reg_f16 -DCONV_F16=1
#ifndef CTM
#define CTM 32
#endif
#ifndef CTN
#define CTN 4
#endif
#define CQ (CTM / 8)
#ifdef CONV_F16
#define LOADW(off, k) f16tof32(ConvBufW[(off) + ((k) >> 1)] >> (((k) & 1) * 16))
#else
#define LOADW(off, k) asfloat(ConvBufW[(off) + (k)])
#endif
[numthreads(8, 1, 1)]
void main(uint3 gid : SV_GroupID, uint3 lid : SV_GroupThreadID) {
	ConvParams p = P;
	uint KK = ConvK(p);
	uint KHW = p.KH * p.KW;
	uint HW = p.H * p.W;
	uint ldw = ConvLdW(p);
	uint c0 = gid.x * 8 * CTN + lid.x;
	uint woff[CTN];
	[unroll] for (uint j = 0; j < CTN; j++) { woff[j] = min(c0 + 8 * j, p.Cout - 1) * ldw; }
	uint npix = p.Rows * p.OW;
	uint M = p.N * npix;
	uint m0 = gid.y * CTM;
	// lane l holds pixel m0 + 8q + l of each group q
	uint xb[CQ];
	int iy0[CQ];
	int ix0[CQ];
	[unroll] for (uint q = 0; q < CQ; q++) {
		uint m = min(m0 + 8 * q + lid.x, M - 1);
		uint b = m / npix;
		uint r = m % npix;
		uint oy = p.OY0 + r / p.OW;
		uint ox = r % p.OW;
		xb[q] = b * p.Cin * HW;
		iy0[q] = int(oy * p.Stride) - int(p.PadT);
		ix0[q] = int(ox * p.Stride) - int(p.PadL);
	}
	float acc[CTM][CTN];
	[unroll] for (uint i = 0; i < CTM; i++) { [unroll] for (uint j = 0; j < CTN; j++) { acc[i][j] = 0; } }
	for (uint ky = 0; ky < p.KH; ky++) {
		for (uint kx = 0; kx < p.KW; kx++) {
			uint tap = ky * p.KW + kx;
			uint xo[CQ];
			float vf[CQ];
			[unroll] for (uint q = 0; q < CQ; q++) {
				int iy = iy0[q] + int(ky);
				int ix = ix0[q] + int(kx);
				bool ok = iy >= 0 && ix >= 0 && iy < int(p.H) && ix < int(p.W);
				xo[q] = xb[q] + (ok ? uint(iy) * p.W + uint(ix) : 0);
				vf[q] = ok ? 1.0 : 0.0;
			}
			uint ci = 0;
			for (; ci + 2 <= p.Cin; ci += 2) {
				uint k0 = ci * KHW + tap;
				uint k1 = k0 + KHW;
				float b0[CTN], b1[CTN];
				[unroll] for (uint j = 0; j < CTN; j++) { b0[j] = LOADW(woff[j], k0); b1[j] = LOADW(woff[j], k1); }
				float x0[CQ], x1[CQ];
				[unroll] for (uint q = 0; q < CQ; q++) {
					x0[q] = ConvBufX[xo[q] + ci * HW] * vf[q];
					x1[q] = ConvBufX[xo[q] + (ci + 1) * HW] * vf[q];
				}
				[unroll] for (uint i = 0; i < CTM; i++) {
					float a0 = WaveReadLaneAt(x0[i / 8], i % 8);
					float a1 = WaveReadLaneAt(x1[i / 8], i % 8);
					[unroll] for (uint j = 0; j < CTN; j++) {
						acc[i][j] = mad(a0, b0[j], acc[i][j]);
						acc[i][j] = mad(a1, b1[j], acc[i][j]);
					}
				}
			}
			if (ci < p.Cin) {
				uint k0 = ci * KHW + tap;
				float b0[CTN];
				[unroll] for (uint j = 0; j < CTN; j++) { b0[j] = LOADW(woff[j], k0); }
				float x0[CQ];
				[unroll] for (uint q = 0; q < CQ; q++) { x0[q] = ConvBufX[xo[q] + ci * HW] * vf[q]; }
				[unroll] for (uint i = 0; i < CTM; i++) {
					float a0 = WaveReadLaneAt(x0[i / 8], i % 8);
					[unroll] for (uint j = 0; j < CTN; j++) { acc[i][j] = mad(a0, b0[j], acc[i][j]); }
				}
			}
		}
	}
	float outv[CTM * CTN];
	[unroll] for (uint i = 0; i < CTM; i++) { [unroll] for (uint j = 0; j < CTN; j++) { outv[i * CTN + j] = acc[i][j]; } }
	[loop] for (uint t = 0; t < CTM * CTN; t++) {
		uint i = t / CTN;
		uint j = t % CTN;
		uint m = m0 + i;
		uint co = c0 + 8 * j;
		if (m < M && co < p.Cout) {
			uint b = m / npix;
			uint r = m % npix;
			ConvStore(p, b, co, p.OY0 + r / p.OW, r % p.OW, outv[t]);
		}
	}
}
*/
//gosl: end conv_reg

// The texel-fetch conv for CPU devices: gemm_tex's scheme (8 invocations, 32 output
// pixels × 8·4 output channels, 16-byte texel fetches, subgroup broadcasts, tiles from
// the work queue) on a channels-last copy of the input, X [N][H][W][Cin] (NCHWToTokens
// of the NCHW activations), and a tap-major weight, W [Cout][KH][KW][Cin]
// (ConvTapMajor), so that for each tap the inner loop reads 8 consecutive input
// channels of a pixel and of a weight row per fetch. Pixels whose tap falls in the
// padding read texel 0 times 0. It needs Cin % 8 == 0 (ConvTexFits). The output is
// NCHW, as every conv writes it.
//
// The 4×4 build (conv_tex4x4: 3×3, stride 1, padding 1 on 4×4 images, ConvTex4x4Fits;
// SD's deepest UNet level at 256²) holds two whole images per tile. Every tap's input
// pixel is then one of the tile's own rows, so the tile fetches its 32 pixels' channels
// once for all 9 taps (8 fetches instead of 72 per 8 channels) and takes each tap's
// rows from the lanes that hold them; a row whose tap falls in the padding is skipped
// at compile time (100 of the 144 row-taps of an image remain).

//gosl: hlsl conv_tex
/*
#include "conv.hlsl"
#include "texmma.hlsl"
#define QUEUE_BINDING 5
#include "queue.hlsl"
[[vk::push_constant]] cbuffer PC { ConvParams P; };
[[vk::binding(0, 0)]] Buffer<uint4> ConvTexX;
[[vk::binding(1, 0)]] Buffer<uint4> ConvTexW;
// // sdgo:variant conv_tex_f16 -DCONV_F16=1
// // sdgo:variant conv_tex4x4 -DCONV_IMG=4
// // sdgo:variant conv_tex4x4_f16 -DCONV_F16=1 -DCONV_IMG=4
#define CTM 32
#define CTN 4
#define CQ (CTM / 8)
// // CONV_TEX_B loads the lane's weights (b0, b1) of tap-major column k: 8 of them.
#ifdef CONV_F16
#define CONV_TEX_B(k) \
	[unroll] for (uint j = 0; j < CTN; j++) { \
		uint4 w = ConvTexW[(woff[j] + ((k) >> 1)) >> 2]; \
		b0[j] = TexHalves(w.xy); \
		b1[j] = TexHalves(w.zw); \
	}
#else
#define CONV_TEX_B(k) \
	[unroll] for (uint j = 0; j < CTN; j++) { \
		uint t = (woff[j] + (k)) >> 2; \
		b0[j] = asfloat(ConvTexW[t]); \
		b1[j] = asfloat(ConvTexW[t + 1]); \
	}
#endif
void convTexTile(uint3 gid, uint3 lid) {
	ConvParams p = P;
	uint ldw = ConvLdW(p);
	uint ctex = p.Cin >> 2; // texels per pixel of X
	uint c0 = gid.x * 8 * CTN + lid.x;
	uint woff[CTN]; // in words
	[unroll] for (uint j = 0; j < CTN; j++) { woff[j] = min(c0 + 8 * j, p.Cout - 1) * ldw; }
	uint npix = p.Rows * p.OW;
	uint M = p.N * npix;
	uint m0 = gid.y * CTM;
	float acc[CTM][CTN];
	[unroll] for (uint i = 0; i < CTM; i++) { [unroll] for (uint j = 0; j < CTN; j++) { acc[i][j] = 0; } }
#ifdef CONV_IMG
	uint xo[CQ]; // texel of channel 0 of the row's pixel
	[unroll] for (uint q = 0; q < CQ; q++) { xo[q] = min(m0 + 8 * q + lid.x, M - 1) * ctex; }
	for (uint ci = 0; ci < p.Cin; ci += 8) {
		float4 a0[CQ], a1[CQ];
		[unroll] for (uint q = 0; q < CQ; q++) {
			a0[q] = asfloat(ConvTexX[xo[q] + (ci >> 2)]);
			a1[q] = asfloat(ConvTexX[xo[q] + (ci >> 2) + 1]);
		}
		[unroll] for (uint tap = 0; tap < 9; tap++) {
			float4 b0[CTN], b1[CTN];
			CONV_TEX_B(tap * p.Cin + ci);
			[unroll] for (uint i = 0; i < CTM; i++) {
				int sy = int(i % (CONV_IMG * CONV_IMG) / CONV_IMG + tap / 3) - 1;
				int sx = int(i % CONV_IMG + tap % 3) - 1;
				if (sy >= 0 && sy < CONV_IMG && sx >= 0 && sx < CONV_IMG) {
					uint src = i - i % (CONV_IMG * CONV_IMG) + uint(sy * CONV_IMG + sx); // the tap's input row
					float4 x = WaveReadLaneAt(a0[src / 8], src % 8);
					float4 y = WaveReadLaneAt(a1[src / 8], src % 8);
					TEX_MMA_ROW(acc, i, x, y, b0, b1, CTN);
				}
			}
		}
	}
#else
	uint img[CQ];
	int iy0[CQ];
	int ix0[CQ];
	[unroll] for (uint q = 0; q < CQ; q++) {
		uint m = min(m0 + 8 * q + lid.x, M - 1);
		uint r = m % npix;
		img[q] = m / npix;
		iy0[q] = int((p.OY0 + r / p.OW) * p.Stride) - int(p.PadT);
		ix0[q] = int((r % p.OW) * p.Stride) - int(p.PadL);
	}
	for (uint tap = 0; tap < p.KH * p.KW; tap++) {
		uint ky = tap / p.KW;
		uint kx = tap % p.KW;
		uint xo[CQ]; // texel of channel 0 of the tap's input pixel (0 in the padding)
		float vf[CQ];
		[unroll] for (uint q = 0; q < CQ; q++) {
			int iy = iy0[q] + int(ky);
			int ix = ix0[q] + int(kx);
			bool ok = iy >= 0 && ix >= 0 && iy < int(p.H) && ix < int(p.W);
			xo[q] = ok ? ((img[q] * p.H + uint(iy)) * p.W + uint(ix)) * ctex : 0;
			vf[q] = ok ? 1.0 : 0.0;
		}
		uint kt = tap * p.Cin; // weight column of (tap, channel 0)
		for (uint ci = 0; ci < p.Cin; ci += 8) {
			float4 a0[CQ], a1[CQ];
			[unroll] for (uint q = 0; q < CQ; q++) {
				a0[q] = asfloat(ConvTexX[xo[q] + (ci >> 2)]) * vf[q];
				a1[q] = asfloat(ConvTexX[xo[q] + (ci >> 2) + 1]) * vf[q];
			}
			float4 b0[CTN], b1[CTN];
			CONV_TEX_B(kt + ci);
			TEX_MMA(acc, a0, a1, b0, b1, CTM, CTN);
		}
	}
#endif
	// The bias is added once per channel. The stores loop over the rows: unrolled, each
	// a loop over the lanes in llvmpipe, they took 80% of the kernel's first-run JIT
	// (4 s against 0.7 s) and were no faster. The loop puts acc in private memory
	// (llvmpipe spills it anyway; a GPU forced onto this kernel pays for it).
	if ((p.Flags & ConvBias) != 0) {
		[unroll] for (uint j = 0; j < CTN; j++) {
			float bj = ConvBufBias[min(c0 + 8 * j, p.Cout - 1)];
			[unroll] for (uint i = 0; i < CTM; i++) { acc[i][j] += bj; }
		}
		p.Flags &= ~ConvBias;
	}
	if ((p.Flags & ConvResidual) == 0) {
		[loop] for (uint i = 0; i < CTM; i++) {
			uint m = m0 + i;
			uint b = m / npix;
			uint r = m % npix;
			uint pix = (p.OY0 + r / p.OW) * p.OW + r % p.OW;
			[unroll] for (uint j = 0; j < CTN; j++) {
				uint co = c0 + 8 * j;
				if (m < M && co < p.Cout) { ConvBufY[(b * p.Cout + co) * p.OH * p.OW + pix] = acc[i][j]; }
			}
		}
		return;
	}
	float outv[CTM * CTN];
	[unroll] for (uint i = 0; i < CTM; i++) { [unroll] for (uint j = 0; j < CTN; j++) { outv[i * CTN + j] = acc[i][j]; } }
	[loop] for (uint t = 0; t < CTM * CTN; t++) {
		uint i = t / CTN;
		uint j = t % CTN;
		uint m = m0 + i;
		uint co = c0 + 8 * j;
		if (m < M && co < p.Cout) {
			uint b = m / npix;
			uint r = m % npix;
			ConvStore(p, b, co, p.OY0 + r / p.OW, r % p.OW, outv[t]);
		}
	}
}
[numthreads(8, 1, 1)]
void main(uint3 lid : SV_GroupThreadID) {
	uint gx = (P.Cout + 8 * CTN - 1) / (8 * CTN);
	uint gy = (P.N * P.Rows * P.OW + CTM - 1) / CTM;
	for (uint t = QueueTake(lid.x); t < gx * gy; t = QueueTake(lid.x)) {
		convTexTile(QueueTile(t, gx, gy), lid);
	}
	QueueDone(lid.x);
}
*/
//gosl: end conv_tex

// The shared-memory conv for discrete GPUs: 256 invocations compute 64 output pixels ×
// 64 output channels, 4×4 each, staging 16-deep slices of the implicit im2col matrix and
// of the weight in groupshared memory.

//gosl: hlsl conv_tile
/*
#include "conv.hlsl"
[[vk::push_constant]] cbuffer PC { ConvParams P; };
// // sdgo:variant conv_tile_f16 -DCONV_F16=1
#define TBK 16
groupshared float Xs[TBK][64 + 1];
groupshared float Ws[TBK][64 + 1];
[numthreads(256, 1, 1)]
void main(uint3 gid : SV_GroupID, uint3 lid : SV_GroupThreadID) {
	ConvParams p = P;
	uint KK = ConvK(p);
	uint KHW = p.KH * p.KW;
	uint ldw = ConvLdW(p);
	uint npix = p.Rows * p.OW;
	uint M = p.N * npix;
	uint t = lid.x;
	uint tx = t % 16;
	uint ty = t / 16;
	uint c0 = gid.x * 64;
	uint m0 = gid.y * 64;
	uint lr = t / 4;
	uint lk = (t % 4) * 4;
	uint lm = min(m0 + lr, M - 1);
	uint lb = lm / npix;
	uint lrr = lm % npix;
	int liy = int((p.OY0 + lrr / p.OW) * p.Stride) - int(p.PadT);
	int lix = int((lrr % p.OW) * p.Stride) - int(p.PadL);
	uint lwoff = min(c0 + lr, p.Cout - 1) * ldw;
	float acc[4][4];
	[unroll] for (uint i = 0; i < 4; i++) { [unroll] for (uint j = 0; j < 4; j++) { acc[i][j] = 0; } }
	for (uint k0 = 0; k0 < KK; k0 += TBK) {
		[unroll] for (uint q = 0; q < 4; q++) {
			uint k = k0 + lk + q;
			bool ok = k < KK;
			uint kc = ok ? k : 0;
			uint ci = kc / KHW;
			uint tap = kc % KHW;
			float xv = ConvLoadX(p, lb, ci, liy + int(tap / p.KW), lix + int(tap % p.KW));
			Xs[lk + q][lr] = ok ? xv : 0;
#ifdef CONV_F16
			Ws[lk + q][lr] = ok ? f16tof32(ConvBufW[lwoff + (kc >> 1)] >> ((kc & 1) * 16)) : 0;
#else
			Ws[lk + q][lr] = ok ? asfloat(ConvBufW[lwoff + kc]) : 0;
#endif
		}
		GroupMemoryBarrierWithGroupSync();
		for (uint kk = 0; kk < TBK; kk++) {
			float a[4], b[4];
			[unroll] for (uint i = 0; i < 4; i++) { a[i] = Xs[kk][ty + 16 * i]; }
			[unroll] for (uint j = 0; j < 4; j++) { b[j] = Ws[kk][tx + 16 * j]; }
			[unroll] for (uint i = 0; i < 4; i++) { [unroll] for (uint j = 0; j < 4; j++) { acc[i][j] = mad(a[i], b[j], acc[i][j]); } }
		}
		GroupMemoryBarrierWithGroupSync();
	}
	float outv[16];
	[unroll] for (uint i = 0; i < 4; i++) { [unroll] for (uint j = 0; j < 4; j++) { outv[i * 4 + j] = acc[i][j]; } }
	[loop] for (uint q = 0; q < 16; q++) {
		uint m = m0 + ty + 16 * (q / 4);
		uint co = c0 + tx + 16 * (q % 4);
		if (m < M && co < p.Cout) {
			uint b = m / npix;
			uint r = m % npix;
			ConvStore(p, b, co, p.OY0 + r / p.OW, r % p.OW, outv[q]);
		}
	}
}
*/
//gosl: end conv_tile

// The large-tile conv for discrete GPUs: gemm_big's 128×128 tiles (8×8 per invocation)
// over output pixels × output channels, the 128×16 slices of the implicit im2col matrix
// gathered by the loader as conv_tile's are.

//gosl: hlsl conv_big
/*
#include "conv.hlsl"
[[vk::push_constant]] cbuffer PC { ConvParams P; };
// // sdgo:variant conv_big_f16 -DCONV_F16=1
#include "bigmma.hlsl"
groupshared float Xs[TBK * LDS];
groupshared float Ws[TBK * LDS];
[numthreads(256, 1, 1)]
void main(uint3 gid : SV_GroupID, uint3 lid : SV_GroupThreadID) {
	ConvParams p = P;
	uint KK = ConvK(p);
	uint KHW = p.KH * p.KW;
	uint ldw = ConvLdW(p);
	uint npix = p.Rows * p.OW;
	uint M = p.N * npix;
	uint t = lid.x;
	uint tx = t % 16;
	uint ty = t / 16;
	uint c0 = gid.x * 128;
	uint m0 = gid.y * 128;
	uint lr = t / 2;
	uint lk = (t % 2) * 8;
	uint lm = min(m0 + lr, M - 1);
	uint lb = lm / npix;
	uint lrr = lm % npix;
	int liy = int((p.OY0 + lrr / p.OW) * p.Stride) - int(p.PadT);
	int lix = int((lrr % p.OW) * p.Stride) - int(p.PadL);
	uint lwoff = min(c0 + lr, p.Cout - 1) * ldw;
	float acc[8][8];
	[unroll] for (uint i = 0; i < 8; i++) { [unroll] for (uint j = 0; j < 8; j++) { acc[i][j] = 0; } }
	for (uint k0 = 0; k0 < KK; k0 += TBK) {
		[unroll] for (uint q = 0; q < 8; q++) {
			uint k = k0 + lk + q;
			bool ok = k < KK;
			uint kc = ok ? k : 0;
			uint ci = kc / KHW;
			uint tap = kc % KHW;
			float xv = ConvLoadX(p, lb, ci, liy + int(tap / p.KW), lix + int(tap % p.KW));
			Xs[(lk + q) * LDS + lr] = ok ? xv : 0;
#ifdef CONV_F16
			Ws[(lk + q) * LDS + lr] = ok ? f16tof32(ConvBufW[lwoff + (kc >> 1)] >> ((kc & 1) * 16)) : 0;
#else
			Ws[(lk + q) * LDS + lr] = ok ? asfloat(ConvBufW[lwoff + kc]) : 0;
#endif
		}
		GroupMemoryBarrierWithGroupSync();
		BIG_MMA(acc, Xs, Ws, tx, ty);
		GroupMemoryBarrierWithGroupSync();
	}
	float outv[64];
	[unroll] for (uint i = 0; i < 8; i++) { [unroll] for (uint j = 0; j < 8; j++) { outv[i * 8 + j] = acc[i][j]; } }
	[loop] for (uint q = 0; q < 64; q++) {
		uint m = m0 + (q / 32) * 64 + ty * 4 + (q / 8) % 4;
		uint co = c0 + ((q % 8) / 4) * 64 + tx * 4 + q % 4;
		if (m < M && co < p.Cout) {
			uint b = m / npix;
			uint r = m % npix;
			ConvStore(p, b, co, p.OY0 + r / p.OW, r % p.OW, outv[q]);
		}
	}
}
*/
//gosl: end conv_big

// The tensor-core conv for GPUs with cooperative matrices (see coopmat.go): gemm_cm's
// tiles over output pixels × output channels (conv_cm64: 64 pixels), fp16 weights only,
// the implicit im2col rows gathered as conv_big's loader does. With KChunk set
// (split-K), workgroup layer z runs k-chunk z and writes raw partial sums (ConvPartIdx)
// for conv_splitk_sum.

//gosl: hlsl conv_cm
/*
#version 450
// // sdgo:variant conv_cm64 -DCM_BM=64 -DCM_BK=64
#include "glslcompat.hlsl"
layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer ConvX1 { float ConvBufX[]; };
layout(std430, binding = 1) buffer ConvW1 { uint ConvBufW[]; };
layout(std430, binding = 1) buffer ConvW4 { uvec4 ConvBufW4[]; };
layout(std430, binding = 2) buffer ConvBias1 { float ConvBufBias[]; };
layout(std430, binding = 3) buffer ConvR1 { float ConvBufR[]; };
layout(std430, binding = 4) buffer ConvY1 { float ConvBufY[]; };
#include "conv.hlsl"
layout(push_constant) uniform PC { ConvParams P; };
#define CM_COLMAJOR true
#include "cmmain.hlsl"
ConvParams p;
uint c0;
uint npix;
uint M;
uint KHW;
uint ldw;
uint xbase;
int iy0;
int ix0;
// // cmLoadA reads the invocation's own im2col row (set up in main: m is always that row),
// // stepping through (ci, ky, kx) without divisions.
void cmLoadA(uint m, uint k, out float a[CM_AK]) {
	uint ci = k / KHW;
	uint tap = k - ci * KHW;
	uint ky = tap / p.KW;
	uint kx = tap - ky * p.KW;
	uint HW = p.H * p.W;
	[[unroll]] for (uint q = 0; q < CM_AK; q++) {
		int iy = iy0 + int(ky);
		int ix = ix0 + int(kx);
		bool ok = k + q < cmK && iy >= 0 && ix >= 0 && iy < int(p.H) && ix < int(p.W);
		float v = ConvBufX[xbase + min(ci, p.Cin - 1) * HW + (ok ? uint(iy) * p.W + uint(ix) : 0)];
		a[q] = ok ? v : 0.0;
		kx++;
		if (kx == p.KW) {
			kx = 0;
			ky++;
			if (ky == p.KH) {
				ky = 0;
				ci++;
			}
		}
	}
}
#define CM_B_OFF(r) (min(c0 + (r), p.Cout - 1) * ldw)
#define CM_B_K cmK
#define CM_B_FAST ((cmK % 8) == 0)
#define CM_W4 ConvBufW4
#define CM_LOADW(off, k) ConvLoadW(p, off, k)
#include "cmloadb.hlsl"
void cmStore(uint m, uint c, float v, float g) {
	uint co = c0 + c;
	if (m >= M || co >= p.Cout) {
		return;
	}
	if (p.KChunk == 0) {
		ConvStore(p, m / npix, co, p.OY0 + (m % npix) / p.OW, (m % npix) % p.OW, v);
	} else {
		ConvBufY[ConvPartIdx(p, gl_WorkGroupID.z, co, m)] = v;
	}
}
void main() {
	p = P;
	cmK = ConvK(p);
	cmPaired = false;
	KHW = p.KH * p.KW;
	ldw = ConvLdW(p);
	npix = p.Rows * p.OW;
	M = ConvPixels(p);
	c0 = gl_WorkGroupID.x * 128;
	uint m0 = gl_WorkGroupID.y * CM_BM;
	uint m = min(m0 + gl_LocalInvocationIndex / CM_AT, M - 1);
	uint r = m % npix;
	xbase = (m / npix) * p.Cin * p.H * p.W;
	iy0 = int((p.OY0 + r / p.OW) * p.Stride) - int(p.PadT);
	ix0 = int((r % p.OW) * p.Stride) - int(p.PadL);
	uint k0 = gl_WorkGroupID.z * p.KChunk;
	cmMain(m0, k0, p.KChunk == 0 ? cmK : min(cmK, k0 + p.KChunk));
}
*/
//gosl: end conv_cm

// conv_splitk_sum finishes a split-K conv: an invocation per output (pixel id.x of
// ConvPixels, channel id.y), the partial sums read from binding 0.

//gosl: hlsl conv_splitk_sum
/*
#include "conv.hlsl"
[[vk::push_constant]] cbuffer PC { ConvParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	ConvParams p = P;
	if (id.x < ConvPixels(p) && id.y < p.Cout) {
		ConvSplitSumAt(p, id.y, id.x);
	}
}
*/
//gosl: end conv_splitk_sum

var convVariants = map[string]tileVariant{
	"tex":    {"conv_tex", 8, 32, 32, 1<<0 | 1<<1, false, false, true},
	"tex4x4": {"conv_tex4x4", 8, 32, 32, 1<<0 | 1<<1, false, false, true},
	"reg":    {"conv_reg", 8, 32, 32, 0, false, false, false},
	"tile":   {"conv_tile", 256, 64, 64, 0, false, false, false},
	"big":    {"conv_big", 256, 128, 128, 0, false, false, false},
	"cm":     {"conv_cm", 256, 128, 128, 0, true, true, false},
	"cm64":   {"conv_cm64", 256, 64, 128, 0, true, true, false},
}

// ConvVariants lists the conv variant names: "tex" (texel fetches from channels-last
// input and a tap-major weight; the lavapipe winner where ConvTexFits), "tex4x4" (its
// build for 3×3 convs of 4×4 images, ConvTex4x4Fits), "reg" (register
// tiles, 8 invocations, storage buffers; any shape) and "tile" (64×64 shared-memory
// tiles, 256 invocations, for GPUs), "big" (128×128 tiles, 8×8 per invocation, for
// GPUs) and "cm", "cm64" (tensor cores, 128 or 64 pixels × 128 channels, fp16 weights,
// for GPUs with cooperative matrices).
func ConvVariants() []string { return []string{"tex", "tex4x4", "reg", "tile", "big", "cm", "cm64"} }

// ConvVariant picks the conv variant for p on device t: override if set, else
// $SDGO_CONV_VARIANT if set, else "tex" on CPU devices and on GPUs "cm"/"cm64" (tensor
// cores, fp16 weights) or "tile"/"big" (see pickVariant); "tex" falls back to "reg"
// where p.Cin does not fit it, and runs as "tex4x4" where p fits that ("tex" and "reg"
// need subgroups of ≥ 8, as GemmVariant's). On CPU devices the choice of layout
// (ConvReadsTokens) depends on p.Cin alone, which is what a layer knows when it loads
// its weights.
func ConvVariant(t Target, override string, p ConvParams) string {
	v := pickVariant("SDGO_CONV_VARIANT", t, override, p.Flags&ConvF16 != 0, groupCount(ConvGroups("big", p)))
	switch {
	case !ConvReadsTokens(v):
		return v
	case !ConvTexFits(int(p.Cin)):
		return "reg"
	case ConvTex4x4Fits(p):
		return "tex4x4"
	}
	return "tex"
}

// ConvReadsTokens reports whether conv variant v reads channels-last input and a
// tap-major weight (see ConvTapMajor): "tex" and "tex4x4".
func ConvReadsTokens(v string) bool { return v == "tex" || v == "tex4x4" }

// ConvTex4x4Fits reports whether the "tex4x4" variant can run p: a 3×3 conv, stride 1,
// padding 1, of 4×4 images, all rows, Cin % 8 == 0.
func ConvTex4x4Fits(p ConvParams) bool {
	return p.KH == 3 && p.KW == 3 && p.Stride == 1 && p.PadT == 1 && p.PadL == 1 && p.H == 4 && p.W == 4 &&
		p.OH == 4 && p.OW == 4 && p.OY0 == 0 && p.Rows == 4 && ConvTexFits(int(p.Cin))
}

// ConvTexFits reports whether the "tex" variant can run a conv of cin input channels:
// 8 channels per fetch, so cin % 8 == 0 (every SD conv but the 3- and 4-channel
// conv_in layers).
func ConvTexFits(cin int) bool { return cin%8 == 0 }

// ConvTapMajor reorders a [cout][cin][kh·kw] weight (or whole rows of one) to the
// [cout][kh·kw][cin] order the "tex" variant reads.
func ConvTapMajor[T any](w []T, cout, cin, khw int) []T {
	out := make([]T, len(w))
	ConvTapMajorInto(out, w, cout, cin, khw)
	return out
}

// ConvTapMajorInto is ConvTapMajor writing into out (len(w) elements).
func ConvTapMajorInto[T any](out, w []T, cout, cin, khw int) {
	for co := 0; co < cout; co++ {
		in, o := w[co*cin*khw:(co+1)*cin*khw], out[co*cin*khw:(co+1)*cin*khw]
		for t := 0; t < khw; t++ {
			for ci := 0; ci < cin; ci++ {
				o[t*cin+ci] = in[ci*khw+t]
			}
		}
	}
}

// ConvKernel returns the Spec of a conv variant for fp32 or fp16 weights (the
// tensor-core "cm" and "cm64": fp16 only, else an error). Bindings: 0 X,
// 1 W (weight words), 2 bias, 3 R (reads), 4 Y (written); unused bias or R must still be
// bound to some tensor (e.g. X). "tex" reads X channels-last and W tap-major (see there).
func ConvKernel(variant string, f16 bool) (Spec, error) {
	v, ok := convVariants[variant]
	if !ok {
		return Spec{}, fmt.Errorf("unknown conv variant %q (have %v)", variant, ConvVariants())
	}
	return v.spec("conv", f16, 64)
}

// ConvGroups returns the workgroup count of a conv variant for p (split-K layers
// included, see ConvSplitK; the queued texel variant: QueueGrid).
func ConvGroups(variant string, p ConvParams) [3]uint32 {
	v := convVariants[variant]
	if v.queue {
		return QueueGrid()
	}
	m := ConvPixels(&p)
	return [3]uint32{(p.Cout + v.tn - 1) / v.tn, (m + v.tm - 1) / v.tm, ConvSplits(&p)}
}

// NewConvParams fills the params of a k×k conv of n images cin×h×w → cout channels with
// the given stride and top/left padding; the output is (h+padT+padB−k)/stride+1 high
// with padB = padT (and likewise for the width), all rows computed.
func NewConvParams(n, cin, h, w, cout, k, stride, pad int, f16, bias, residual bool) ConvParams {
	oh := (h+2*pad-k)/stride + 1
	ow := (w+2*pad-k)/stride + 1
	p := ConvParams{N: uint32(n), Cin: uint32(cin), H: uint32(h), W: uint32(w), Cout: uint32(cout),
		OH: uint32(oh), OW: uint32(ow), KH: uint32(k), KW: uint32(k), Stride: uint32(stride),
		PadT: uint32(pad), PadL: uint32(pad), Rows: uint32(oh)}
	if f16 {
		p.Flags |= ConvF16
	}
	if bias {
		p.Flags |= ConvBias
	}
	if residual {
		p.Flags |= ConvResidual
	}
	return p
}

// ConvCPUAt is ConvCPU restricted to the outputs at (b, co, oy, ox).
func ConvCPUAt(p ConvParams, x []float32, w []uint32, bias, r, y []float32, at [][4]uint32) {
	cpuMu.Lock()
	defer cpuMu.Unlock()
	ConvBufX, ConvBufW, ConvBufBias, ConvBufR, ConvBufY = x, w, bias, r, y
	for _, e := range at {
		ConvAt(&p, e[0], e[1], e[2], e[3])
	}
	ConvBufX, ConvBufW, ConvBufBias, ConvBufR, ConvBufY = nil, nil, nil, nil, nil
}

// ConvWeightSlice returns the weight columns of input channels [c0, c1) of a
// [cout][cin][khw] weight, for splitting a conv over input channels (see the package
// notes on maxStorageBufferRange above).
func ConvWeightSlice(w []float32, cout, cin, khw, c0, c1 int) []float32 {
	out := make([]float32, 0, cout*(c1-c0)*khw)
	for co := 0; co < cout; co++ {
		out = append(out, w[(co*cin+c0)*khw:(co*cin+c1)*khw]...)
	}
	return out
}

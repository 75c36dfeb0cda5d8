package kernels

import (
	"fmt"
	"math"

	"github.com/goki/mat32"
)

// GEMM: C = act(A·Bᵀ + bias) + R, batched, fp32 accumulation.
//
//   A    [Batch][M][K] fp32 row-major activations
//   B    [Batch?][rows][K] weights as stored in checkpoints (Linear: [out, in]), fp32 or
//        fp16 packed two per uint32 word with each row padded to F16RowWords(K) words;
//        rows = N, or 2N for the GEGLU gate (first N rows value, last N rows gate)
//   bias [rows] fp32 (Flags&GemmBias)
//   R    [Batch][M][N] fp32 residual (Flags&GemmResidual), added after the activation
//   C    [Batch][M][N] fp32
//
// Activations (Act): none, exact-erf GELU, SiLU, or the GEGLU gate
// C[m,n] = (A·B[n]ᵀ + bias[n]) · gelu(A·B[n+N]ᵀ + bias[n+N]) for n < N (diffusers'
// GEGLU: `hidden, gate = proj(x).chunk(2, dim=-1); hidden * gelu(gate)`).
//
// The inner products are hand-written HLSL (register tiles and shared-memory tiles need
// local arrays, groupshared memory and barriers, which gosl cannot express) or, for the
// tensor cores, GLSL (see coopmat.go); the weight
// decoding, the epilogue and the GELU/erf math are Go below, translated by gosl and run
// as-is by the CPU reference.

//gosl: start cpuonly

// GemmBufA, GemmBufB, GemmBufBias, GemmBufR and GemmBufC are the Go-side storage buffers of the GEMM
// kernels (bindings 0..4). GemmBufB holds weight words: fp32 bits or packed fp16 pairs.
var (
	GemmBufA, GemmBufBias, GemmBufR, GemmBufC []float32
	GemmBufB                                  []uint32
)

//gosl: end cpuonly

//gosl: hlsl gemm
// #ifndef SDGO_GLSL
// [[vk::binding(0, 0)]] RWStructuredBuffer<float> GemmBufA;
// [[vk::binding(1, 0)]] RWStructuredBuffer<uint> GemmBufB;
// [[vk::binding(2, 0)]] RWStructuredBuffer<float> GemmBufBias;
// [[vk::binding(3, 0)]] RWStructuredBuffer<float> GemmBufR;
// [[vk::binding(4, 0)]] RWStructuredBuffer<float> GemmBufC;
// #endif
//gosl: end gemm

//gosl: start gemm

// Flags of GemmParams.Flags.
const (
	// GemmBias adds bias[n] (binding 2).
	GemmBias uint32 = 1
	// GemmResidual adds R[b,m,n] (binding 3) after the activation.
	GemmResidual uint32 = 2
	// GemmF16 marks fp16 weights; it must match the kernel built for them (GemmKernel's
	// f16; NewGemmParams sets it).
	GemmF16 uint32 = 4
)

// Activations of GemmParams.Act.
const (
	GemmActNone  uint32 = 0
	GemmActGelu  uint32 = 1
	GemmActSilu  uint32 = 2
	GemmActGeglu uint32 = 3
)

// GemmParams are the push constants of the GEMM kernels (48 bytes).
type GemmParams struct {
	// M rows of A and C, N columns of C (GEGLU: the weight has 2N rows), K inner size.
	M uint32
	N uint32
	K uint32
	// Batch is the number of matrices (workgroups, or the queued kernels' tiles, in z;
	// 0 counts as 1, see GemmBatch).
	Batch uint32
	// Per-batch strides in elements: A and C and R in floats, B in weight words
	// (0 = one weight shared by the batch).
	StrideA uint32
	StrideB uint32
	StrideC uint32
	StrideR uint32
	// Flags is a set of GemmBias, GemmResidual, GemmF16.
	Flags uint32
	// Act is one of GemmActNone, GemmActGelu, GemmActSilu, GemmActGeglu.
	Act uint32
	// KChunk splits K (split-K, tensor-core variants only; 0: no split, see GemmSplitK):
	// workgroup layer z runs batch z % Batch over k in [s·KChunk, (s+1)·KChunk) for
	// s = z / Batch and writes its raw partial sums to C where GemmPartIdx says, for
	// gemm_splitk_sum to add up and finish. A multiple of 64 (both tensor-core k-steps),
	// else a chunk's last k-step would also count the next chunk's first k.
	KChunk uint32
	pad1   uint32
}

// GemmLdB returns the row stride of the weight in words.
func GemmLdB(p *GemmParams) uint32 {
	if (p.Flags & GemmF16) != 0 {
		return (p.K + 1) / 2
	}
	return p.K
}

// GemmLoadB returns weight element k of the row starting at word off.
func GemmLoadB(p *GemmParams, off uint32, k uint32) float32 {
	if (p.Flags & GemmF16) != 0 {
		return f16tof32(GemmBufB[off+k/2] >> ((k & 1) * 16))
	}
	return math.Float32frombits(GemmBufB[off+k])
}

// GemmErfc is the complementary error function for x ≥ 0 (Numerical Recipes' erfcc
// Chebyshev fit, fractional error < 1.2e-7 everywhere).
func GemmErfc(z float32) float32 {
	t := 1 / (1 + 0.5*z)
	poly := -z*z - 1.26551223 + t*(1.00002368+t*(0.37409196+t*(0.09678418+t*(-0.18628806+t*(0.27886807+t*(-1.13520398+t*(1.48851587+t*(-0.82215223+t*0.17087277))))))))
	return t * mat32.Exp(poly)
}

// GemmErf is the error function, from GemmErfc (absolute error < 1.2e-7).
func GemmErf(x float32) float32 {
	if x >= 0 {
		return 1 - GemmErfc(x)
	}
	return GemmErfc(-x) - 1
}

// GemmGelu is the exact GELU x·Φ(x) = x/2·(1 + erf(x/√2)), evaluated through erfc so
// that the negative tail keeps its relative accuracy.
func GemmGelu(x float32) float32 {
	z := x * 0.70710678118654752
	if z >= 0 {
		return x * (1 - 0.5*GemmErfc(z))
	}
	return 0.5 * x * GemmErfc(-z)
}

// GemmSilu is x·sigmoid(x).
func GemmSilu(x float32) float32 {
	return x / (1 + mat32.Exp(-x))
}

// GemmStore applies the epilogue to the inner product v (and, for GEGLU, the gate's
// inner product g) of output element (b, m, n) and writes it to C.
func GemmStore(p *GemmParams, b uint32, m uint32, n uint32, v float32, g float32) {
	if (p.Flags & GemmBias) != 0 {
		v += GemmBufBias[n]
		if p.Act == GemmActGeglu {
			g += GemmBufBias[n+p.N]
		}
	}
	if p.Act == GemmActGelu {
		v = GemmGelu(v)
	} else if p.Act == GemmActSilu {
		v = GemmSilu(v)
	} else if p.Act == GemmActGeglu {
		v = v * GemmGelu(g)
	}
	if (p.Flags & GemmResidual) != 0 {
		v += GemmBufR[b*p.StrideR+m*p.N+n]
	}
	GemmBufC[b*p.StrideC+m*p.N+n] = v
}

// GemmBatch is the number of matrices (Batch, at least 1).
func GemmBatch(p *GemmParams) uint32 {
	if p.Batch == 0 {
		return 1
	}
	return p.Batch
}

// GemmSplits is the number of k-chunks of a split-K dispatch (1: no split).
func GemmSplits(p *GemmParams) uint32 {
	if p.KChunk == 0 {
		return 1
	}
	return (p.K + p.KChunk - 1) / p.KChunk
}

// GemmPartIdx is where a split-K dispatch leaves chunk s's partial sum of output
// (b, m, n): the partials are [splits][Batch][M][W], W = N, or 2N for GEGLU with the
// value's sum at n and its gate's at n+N.
func GemmPartIdx(p *GemmParams, s uint32, b uint32, m uint32, n uint32) uint32 {
	w := p.N
	if p.Act == GemmActGeglu {
		w = 2 * p.N
	}
	return ((s*GemmBatch(p)+b)*p.M+m)*w + n
}

// GemmSplitSumAt finishes output (b, m, n) of a split-K GEMM: it adds up the partial
// sums in A (laid out as GemmPartIdx says) in chunk order and applies the epilogue.
func GemmSplitSumAt(p *GemmParams, b uint32, m uint32, n uint32) {
	v := float32(0)
	g := float32(0)
	for s := uint32(0); s < GemmSplits(p); s++ {
		i := GemmPartIdx(p, s, b, m, n)
		v += GemmBufA[i]
		if p.Act == GemmActGeglu {
			g += GemmBufA[i+p.N]
		}
	}
	GemmStore(p, b, m, n, v, g)
}

// GemmDot is the reference inner product of row m of A with weight row row, in batch b,
// accumulated in fp32 in k order.
func GemmDot(p *GemmParams, b uint32, m uint32, row uint32) float32 {
	aoff := b*p.StrideA + m*p.K
	boff := b*p.StrideB + row*GemmLdB(p)
	acc := float32(0)
	for k := uint32(0); k < p.K; k++ {
		acc += GemmBufA[aoff+k] * GemmLoadB(p, boff, k)
	}
	return acc
}

// GemmAt computes output element (b, m, n) the simple way (the CPU reference).
func GemmAt(p *GemmParams, b uint32, m uint32, n uint32) {
	v := GemmDot(p, b, m, n)
	g := float32(0)
	if p.Act == GemmActGeglu {
		g = GemmDot(p, b, m, n+p.N)
	}
	GemmStore(p, b, m, n, v, g)
}

//gosl: end gemm

// The register-tiled kernel for CPU devices (lavapipe): a workgroup is one SIMD row of 8
// invocations (= one subgroup) and computes GTM rows × 8·GTN columns of C. Each lane owns
// GTN weight rows (columns lane + 8·j of C) and loads them itself; the GTM rows of A are
// loaded per lane too (lane l loads row m0+8q+l) and handed to every lane with subgroup
// broadcasts (WaveReadLaneAt with a constant lane: an extract and a splat on lavapipe).
// On lavapipe every SSBO load inside a loop, uniform or not, becomes control flow and
// costs far more than an FMA, while a broadcast is a register shuffle; so the tile shape
// minimises loads per FMA within the register budget (measured: see the report in
// gemm_test.go). Rows are read as float4 (fp16: uint2 = 4 halves) when K and the batch
// strides are multiples of 4 (every SD shape; the bound buffers must start 16-byte
// aligned, as the runtime's allocations do), else one k at a time. GEGLU: the lane's
// first GTN/2 weight rows are value rows, the last GTN/2 their gates. The epilogue
// runs as a loop over a copy of the accumulators, so its code (GELU, bias, residual)
// exists once: unrolled per accumulator it made the first-dispatch JIT take minutes.

//gosl: hlsl gemm_reg
/*
#include "gemm.hlsl"
[[vk::push_constant]] cbuffer PC { GemmParams P; };
[[vk::binding(0, 0)]] RWStructuredBuffer<float4> GemmA4;
[[vk::binding(1, 0)]] RWStructuredBuffer<uint4> GemmB4;
[[vk::binding(1, 0)]] RWStructuredBuffer<uint2> GemmB2;
// // sdgo:variant gemm_reg_f16 -DGEMM_F16=1
#ifndef GTM
#define GTM 32
#endif
#ifndef GTN
#define GTN 4
#endif
#define GTH (GTN / 2)
#define GTQ (GTM / 8)
[numthreads(8, 1, 1)]
void main(uint3 gid : SV_GroupID, uint3 lid : SV_GroupThreadID) {
	GemmParams p = P;
	uint bz = gid.z;
	bool geglu = p.Act == GemmActGeglu;
	uint cols = geglu ? GTH : GTN;
	uint n0 = gid.x * 8 * cols + lid.x;
	uint ldb = GemmLdB(p);
	uint boff[GTN];
	[unroll] for (uint j = 0; j < GTN; j++) {
		uint jj = geglu ? (j % GTH) : j;
		uint n = min(n0 + 8 * jj, p.N - 1);
		uint row = (geglu && j >= GTH) ? n + p.N : n;
		boff[j] = bz * p.StrideB + row * ldb;
	}
	uint m0 = gid.y * GTM;
	uint aoff[GTQ];
	[unroll] for (uint q = 0; q < GTQ; q++) {
		aoff[q] = bz * p.StrideA + min(m0 + 8 * q + lid.x, p.M - 1) * p.K;
	}
	float acc[GTM][GTN];
	[unroll] for (uint i = 0; i < GTM; i++) {
		[unroll] for (uint j = 0; j < GTN; j++) { acc[i][j] = 0; }
	}
	uint k = 0;
	bool vec = (p.K % 4) == 0 && (p.StrideA % 4) == 0 && (p.StrideB % 4) == 0;
	if (vec) {
		for (; k < p.K; k += 4) {
			float4 av[GTQ];
			[unroll] for (uint q = 0; q < GTQ; q++) { av[q] = GemmA4[(aoff[q] + k) >> 2]; }
			float4 b[GTN];
#ifdef GEMM_F16
			[unroll] for (uint j = 0; j < GTN; j++) {
				uint2 w = GemmB2[(boff[j] + (k >> 1)) >> 1];
				b[j] = float4(f16tof32(w.x), f16tof32(w.x >> 16), f16tof32(w.y), f16tof32(w.y >> 16));
			}
#else
			[unroll] for (uint j = 0; j < GTN; j++) { b[j] = asfloat(GemmB4[(boff[j] + k) >> 2]); }
#endif
			[unroll] for (uint i = 0; i < GTM; i++) {
				float4 a = WaveReadLaneAt(av[i / 8], i % 8);
				[unroll] for (uint j = 0; j < GTN; j++) {
					acc[i][j] = mad(a.x, b[j].x, acc[i][j]);
					acc[i][j] = mad(a.y, b[j].y, acc[i][j]);
					acc[i][j] = mad(a.z, b[j].z, acc[i][j]);
					acc[i][j] = mad(a.w, b[j].w, acc[i][j]);
				}
			}
		}
	}
	for (; k < p.K; k++) {
		float av[GTQ];
		[unroll] for (uint q = 0; q < GTQ; q++) { av[q] = GemmBufA[aoff[q] + k]; }
		float b[GTN];
		[unroll] for (uint j = 0; j < GTN; j++) { b[j] = GemmLoadB(p, boff[j], k); }
		[unroll] for (uint i = 0; i < GTM; i++) {
			float a = WaveReadLaneAt(av[i / 8], i % 8);
			[unroll] for (uint j = 0; j < GTN; j++) { acc[i][j] = mad(a, b[j], acc[i][j]); }
		}
	}
	float outv[GTM * GTN];
	[unroll] for (uint i = 0; i < GTM; i++) {
		[unroll] for (uint j = 0; j < GTN; j++) { outv[i * GTN + j] = acc[i][j]; }
	}
	[loop] for (uint t = 0; t < GTM * cols; t++) {
		uint i = t / cols;
		uint j = t % cols;
		uint m = m0 + i;
		uint n = n0 + 8 * j;
		if (m < p.M && n < p.N) {
			GemmStore(p, bz, m, n, outv[i * GTN + j], geglu ? outv[i * GTN + j + GTH] : 0);
		}
	}
}
*/
//gosl: end gemm_reg

// The register-tile step shared by the texel kernels (gemm_tex, conv_tex, the tap GEMM):
// acc[i][j] += the 8 products of k-step (a0, a1) — the tile's rows, handed round with
// subgroup broadcasts from the lane that loaded them — and (b0[j], b1[j]), the lane's
// weights; TEX_MMA_ROW is that step for one row i whose 8 values (RX, RY) the caller
// broadcast, TEX_MMA_K one of its k for the lane's TN columns. The row is copied to
// mmaS and back once: the kernels' acc lives in private memory (their store loops index
// it), so a mad straight into acc would load and store it each time (19% slower on
// llvmpipe). The columns advance together, k by k: each accumulator adds its 8
// products in the same order as one column at a time, so results are identical, and
// llvmpipe 25.0.7 schedules it 1–8% faster, typically 3% (GEMM, conv, tap-GEMM
// benchmarks; flash_tex within ±2%).
// TexHalves unpacks 4 of a weight texel's fp16 halves.

//gosl: hlsl texmma
/*
float4 TexHalves(uint2 w) {
	return float4(f16tof32(w.x), f16tof32(w.x >> 16), f16tof32(w.y), f16tof32(w.y >> 16));
}
#define TEX_MMA_K(RV, C, B, TN) \
	[unroll] for (uint j = 0; j < TN; j++) { mmaS[j] = mad(RV.C, B[j].C, mmaS[j]); }
#define TEX_MMA_ROW(acc, i, RX, RY, b0, b1, TN) { \
	float mmaS[TN]; \
	[unroll] for (uint j = 0; j < TN; j++) { mmaS[j] = acc[i][j]; } \
	TEX_MMA_K(RX, x, b0, TN) TEX_MMA_K(RX, y, b0, TN) TEX_MMA_K(RX, z, b0, TN) TEX_MMA_K(RX, w, b0, TN) \
	TEX_MMA_K(RY, x, b1, TN) TEX_MMA_K(RY, y, b1, TN) TEX_MMA_K(RY, z, b1, TN) TEX_MMA_K(RY, w, b1, TN) \
	[unroll] for (uint j = 0; j < TN; j++) { acc[i][j] = mmaS[j]; } \
}
#define TEX_MMA(acc, a0, a1, b0, b1, TM, TN) \
	[unroll] for (uint i = 0; i < TM; i++) { \
		float4 x = WaveReadLaneAt(a0[i / 8], i % 8); \
		float4 y = WaveReadLaneAt(a1[i / 8], i % 8); \
		TEX_MMA_ROW(acc, i, x, y, b0, b1, TN) \
	}
*/
//gosl: end texmma

// The texel-fetch kernel for CPU devices: gemm_reg's shape (8 invocations, 32 rows ×
// 8·4 columns, A rows handed round with subgroup broadcasts; tiles taken from the work
// queue, queue.go), but A and B are bound as uniform texel buffers of uint4 and read 16
// bytes per fetch (8 halves of an fp16 weight row, 4 floats of A or of an fp32
// weight). llvmpipe fetches a texel for all 8
// invocations with one vector gather, where an SSBO load is a branchy loop over the
// invocations and their bounds — measured at the SD 1.5 shapes: 1.5–1.7× gemm_reg. It
// needs K % 8 == 0 and 16-byte-aligned rows and batch strides (GemmTexFits); the k loop
// takes 8 at a time.

//gosl: hlsl gemm_tex
/*
#include "gemm.hlsl"
#include "texmma.hlsl"
#define QUEUE_BINDING 5
#include "queue.hlsl"
[[vk::push_constant]] cbuffer PC { GemmParams P; };
[[vk::binding(0, 0)]] Buffer<uint4> GemmTexA;
[[vk::binding(1, 0)]] Buffer<uint4> GemmTexB;
// // sdgo:variant gemm_tex_f16 -DGEMM_F16=1
// // sdgo:variant gemm_tex5 -DGTN=5
// // sdgo:variant gemm_tex5_f16 -DGEMM_F16=1 -DGTN=5
// // sdgo:variant gemm_texv -DGTM=8
// // sdgo:variant gemm_texv_f16 -DGEMM_F16=1 -DGTM=8
// // sdgo:variant gemm_texn -DGTN=1
// // sdgo:variant gemm_texn_f16 -DGEMM_F16=1 -DGTN=1
#ifndef GTM
#define GTM 32
#endif
#ifndef GTN
#define GTN 4
#endif
#if GTN > 1
#define GTH (GTN / 2)
#else
#define GTH 1
#endif
#define GTQ (GTM / 8)
void gemmTexTile(uint3 gid, uint3 lid) {
	GemmParams p = P;
	uint bz = gid.z;
	bool geglu = p.Act == GemmActGeglu;
	uint cols = geglu ? GTH : GTN;
	uint n0 = gid.x * 8 * cols + lid.x;
	uint ldb = GemmLdB(p);
	uint boff[GTN]; // in texels
	[unroll] for (uint j = 0; j < GTN; j++) {
		uint jj = geglu ? (j % GTH) : j;
		uint n = min(n0 + 8 * jj, p.N - 1);
		uint row = (geglu && j >= GTH) ? n + p.N : n;
		boff[j] = (bz * p.StrideB + row * ldb) >> 2;
	}
	uint m0 = gid.y * GTM;
	uint aoff[GTQ]; // in texels
	[unroll] for (uint q = 0; q < GTQ; q++) {
		aoff[q] = (bz * p.StrideA + min(m0 + 8 * q + lid.x, p.M - 1) * p.K) >> 2;
	}
	float acc[GTM][GTN];
	[unroll] for (uint i = 0; i < GTM; i++) {
		[unroll] for (uint j = 0; j < GTN; j++) { acc[i][j] = 0; }
	}
	for (uint k = 0; k < p.K; k += 8) {
		uint kt = k >> 2;
		float4 a0[GTQ], a1[GTQ];
		[unroll] for (uint q = 0; q < GTQ; q++) {
			a0[q] = asfloat(GemmTexA[aoff[q] + kt]);
			a1[q] = asfloat(GemmTexA[aoff[q] + kt + 1]);
		}
		float4 b0[GTN], b1[GTN];
		[unroll] for (uint j = 0; j < GTN; j++) {
#ifdef GEMM_F16
			uint4 w = GemmTexB[boff[j] + (kt >> 1)];
			b0[j] = TexHalves(w.xy);
			b1[j] = TexHalves(w.zw);
#else
			b0[j] = asfloat(GemmTexB[boff[j] + kt]);
			b1[j] = asfloat(GemmTexB[boff[j] + kt + 1]);
#endif
		}
		TEX_MMA(acc, a0, a1, b0, b1, GTM, GTN);
	}
	// The bias is added here, once per column, not per element in GemmStore.
	if ((p.Flags & GemmBias) != 0) {
		[unroll] for (uint j = 0; j < GTN; j++) {
			uint jj = geglu ? (j % GTH) : j;
			uint n = min(n0 + 8 * jj, p.N - 1);
			float bj = GemmBufBias[(geglu && j >= GTH) ? n + p.N : n];
			[unroll] for (uint i = 0; i < GTM; i++) { acc[i][j] += bj; }
		}
		p.Flags &= ~GemmBias;
	}
	// // The stores loop over the rows: unrolled, each a loop over the lanes in
	// // llvmpipe, they took 80% of the kernel's first-run JIT and were no faster. The
	// // loop puts acc in private memory (llvmpipe spills it anyway; a GPU forced onto
	// // this kernel pays for it).
	if (p.Act == GemmActNone && (p.Flags & GemmResidual) == 0) {
		[loop] for (uint i = 0; i < GTM; i++) {
			[unroll] for (uint j = 0; j < GTN; j++) {
				uint m = m0 + i;
				uint n = n0 + 8 * j;
				if (m < p.M && n < p.N) { GemmBufC[bz * p.StrideC + m * p.N + n] = acc[i][j]; }
			}
		}
		return;
	}
	float outv[GTM * GTN];
	[unroll] for (uint i = 0; i < GTM; i++) {
		[unroll] for (uint j = 0; j < GTN; j++) { outv[i * GTN + j] = acc[i][j]; }
	}
	[loop] for (uint t = 0; t < GTM * cols; t++) {
		uint i = t / cols;
		uint j = t % cols;
		uint m = m0 + i;
		uint n = n0 + 8 * j;
		if (m < p.M && n < p.N) {
			GemmStore(p, bz, m, n, outv[i * GTN + j], geglu ? outv[i * GTN + j + GTH] : 0);
		}
	}
}
[numthreads(8, 1, 1)]
void main(uint3 lid : SV_GroupThreadID) {
	GemmParams p = P;
	uint cols = p.Act == GemmActGeglu ? GTH : GTN;
	uint gx = (p.N + 8 * cols - 1) / (8 * cols);
	uint gy = (p.M + GTM - 1) / GTM;
	for (uint t = QueueTake(lid.x); t < gx * gy * GemmBatch(p); t = QueueTake(lid.x)) {
		gemmTexTile(QueueTile(t, gx, gy), lid);
	}
	QueueDone(lid.x);
}
*/
//gosl: end gemm_tex

// The shared-memory kernel for discrete GPUs: 256 invocations (16×16) compute a 64×64
// tile of C, 4×4 per invocation, staging 64×16 slices of A and of the weight in
// groupshared memory. GEGLU: the tile's 64 weight rows are 32 value rows and their gates.

//gosl: hlsl gemm_tile
/*
#include "gemm.hlsl"
[[vk::push_constant]] cbuffer PC { GemmParams P; };
// // sdgo:variant gemm_tile_f16 -DGEMM_F16=1
#define TBK 16
groupshared float As[TBK][64 + 1];
groupshared float Bs[TBK][64 + 1];
[numthreads(256, 1, 1)]
void main(uint3 gid : SV_GroupID, uint3 lid : SV_GroupThreadID) {
	GemmParams p = P;
	uint bz = gid.z;
	bool geglu = p.Act == GemmActGeglu;
	uint cols = geglu ? 32 : 64;
	uint n0 = gid.x * cols;
	uint m0 = gid.y * 64;
	uint t = lid.x;
	uint tx = t % 16;
	uint ty = t / 16;
	uint ldb = GemmLdB(p);
	// loader: thread t loads elements (r, kk) with r = t/4 (+ 0) and kk = (t%4)*4 .. +3
	uint lr = t / 4;
	uint lk = (t % 4) * 4;
	uint am = min(m0 + lr, p.M - 1);
	uint aoff = bz * p.StrideA + am * p.K;
	uint bc = lr;
	uint bn = geglu ? (bc < 32 ? n0 + bc : n0 + bc - 32) : n0 + bc;
	bn = min(bn, p.N - 1);
	if (geglu && bc >= 32) { bn += p.N; }
	uint boff = bz * p.StrideB + bn * ldb;
	float acc[4][4];
	[unroll] for (uint i = 0; i < 4; i++) { [unroll] for (uint j = 0; j < 4; j++) { acc[i][j] = 0; } }
	for (uint k0 = 0; k0 < p.K; k0 += TBK) {
		[unroll] for (uint q = 0; q < 4; q++) {
			uint k = k0 + lk + q;
			bool ok = k < p.K;
			uint kc = ok ? k : 0;
			As[lk + q][lr] = ok ? GemmBufA[aoff + kc] : 0;
#ifdef GEMM_F16
			Bs[lk + q][lr] = ok ? f16tof32(GemmBufB[boff + (kc >> 1)] >> ((kc & 1) * 16)) : 0;
#else
			Bs[lk + q][lr] = ok ? asfloat(GemmBufB[boff + kc]) : 0;
#endif
		}
		GroupMemoryBarrierWithGroupSync();
		for (uint kk = 0; kk < TBK; kk++) {
			float a[4], b[4];
			[unroll] for (uint i = 0; i < 4; i++) { a[i] = As[kk][ty + 16 * i]; }
			[unroll] for (uint j = 0; j < 4; j++) { b[j] = Bs[kk][tx + 16 * j]; }
			[unroll] for (uint i = 0; i < 4; i++) { [unroll] for (uint j = 0; j < 4; j++) { acc[i][j] = mad(a[i], b[j], acc[i][j]); } }
		}
		GroupMemoryBarrierWithGroupSync();
	}
	float outv[16];
	[unroll] for (uint i = 0; i < 4; i++) { [unroll] for (uint j = 0; j < 4; j++) { outv[i * 4 + j] = acc[i][j]; } }
	uint tcols = geglu ? 2 : 4;
	[loop] for (uint q = 0; q < 4 * tcols; q++) {
		uint i = q / tcols;
		uint j = q % tcols;
		uint m = m0 + ty + 16 * i;
		uint n = n0 + tx + 16 * j;
		if (m < p.M && n < p.N) {
			GemmStore(p, bz, m, n, outv[i * 4 + j], geglu ? outv[i * 4 + j + 2] : 0);
		}
	}
}
*/
//gosl: end gemm_tile

// The shared-memory step of the big-tile kernels (gemm_big, conv_big): TBK k-steps of
// the invocation's 8×8 outer products, rows and columns {0..3, 64..67} + 4·lane of the
// staged [TBK][LDS] slices.

//gosl: hlsl bigmma
/*
#define TBK 16
#define LDS 132
#define BIG_MMA(acc, As, Bs, tx, ty) \
	[unroll] for (uint kk = 0; kk < TBK; kk++) { \
		float a[8], b[8]; \
		[unroll] for (uint i = 0; i < 8; i++) { a[i] = As[kk * LDS + (i / 4) * 64 + ty * 4 + i % 4]; } \
		[unroll] for (uint j = 0; j < 8; j++) { b[j] = Bs[kk * LDS + (j / 4) * 64 + tx * 4 + j % 4]; } \
		[unroll] for (uint i = 0; i < 8; i++) { [unroll] for (uint j = 0; j < 8; j++) { acc[i][j] = mad(a[i], b[j], acc[i][j]); } } \
	}
*/
//gosl: end bigmma

// The large-tile kernel for discrete GPUs: 256 invocations compute a 128×128 tile of C,
// 8×8 per invocation (rows and columns {0..3, 64..67} + 4·lane, so that the value and
// gate columns of GEGLU land in the same invocation and shared-memory reads are
// 16-byte runs), staging 128×16 slices of A and of the weight in groupshared memory:
// 4× the FMAs per shared-memory read of gemm_tile.

//gosl: hlsl gemm_big
/*
#include "gemm.hlsl"
[[vk::push_constant]] cbuffer PC { GemmParams P; };
// // sdgo:variant gemm_big_f16 -DGEMM_F16=1
#include "bigmma.hlsl"
groupshared float As[TBK * LDS];
groupshared float Bs[TBK * LDS];
[numthreads(256, 1, 1)]
void main(uint3 gid : SV_GroupID, uint3 lid : SV_GroupThreadID) {
	GemmParams p = P;
	uint bz = gid.z;
	bool geglu = p.Act == GemmActGeglu;
	uint n0 = gid.x * (geglu ? 64 : 128);
	uint m0 = gid.y * 128;
	uint t = lid.x;
	uint tx = t % 16;
	uint ty = t / 16;
	uint ldb = GemmLdB(p);
	// loader: thread t loads tile row (and weight row) lr, k offsets lk .. lk+7
	uint lr = t / 2;
	uint lk = (t % 2) * 8;
	uint aoff = bz * p.StrideA + min(m0 + lr, p.M - 1) * p.K;
	uint bn = min(n0 + lr, p.N - 1);
	if (geglu) { bn = lr < 64 ? bn : min(n0 + lr - 64, p.N - 1) + p.N; }
	uint boff = bz * p.StrideB + bn * ldb;
	float acc[8][8];
	[unroll] for (uint i = 0; i < 8; i++) { [unroll] for (uint j = 0; j < 8; j++) { acc[i][j] = 0; } }
	for (uint k0 = 0; k0 < p.K; k0 += TBK) {
		[unroll] for (uint q = 0; q < 8; q++) {
			uint k = k0 + lk + q;
			bool ok = k < p.K;
			uint kc = ok ? k : 0;
			As[(lk + q) * LDS + lr] = ok ? GemmBufA[aoff + kc] : 0;
#ifdef GEMM_F16
			Bs[(lk + q) * LDS + lr] = ok ? f16tof32(GemmBufB[boff + (kc >> 1)] >> ((kc & 1) * 16)) : 0;
#else
			Bs[(lk + q) * LDS + lr] = ok ? asfloat(GemmBufB[boff + kc]) : 0;
#endif
		}
		GroupMemoryBarrierWithGroupSync();
		BIG_MMA(acc, As, Bs, tx, ty);
		GroupMemoryBarrierWithGroupSync();
	}
	float outv[64];
	[unroll] for (uint i = 0; i < 8; i++) { [unroll] for (uint j = 0; j < 8; j++) { outv[i * 8 + j] = acc[i][j]; } }
	uint tcols = geglu ? 4 : 8;
	[loop] for (uint q = 0; q < 8 * tcols; q++) {
		uint i = q / tcols;
		uint j = q % tcols;
		uint m = m0 + (i / 4) * 64 + ty * 4 + i % 4;
		uint n = n0 + (j / 4) * 64 + tx * 4 + j % 4;
		if (m < p.M && n < p.N) {
			GemmStore(p, bz, m, n, outv[i * 8 + j], geglu ? outv[i * 8 + j + 4] : 0);
		}
	}
}
*/
//gosl: end gemm_big

// The tensor-core kernel for GPUs with cooperative matrices (see coopmat.go): 128×128
// tiles of C (gemm_cm64: 64×128, for grids too small to fill the GPU with 128-row
// tiles), fp16 weights only. GEGLU: the tile's weight rows are 64 value rows and their
// gates, as in gemm_big. A and the weights are read 16 bytes at a time where K % 8 == 0
// and the batch strides are multiples of 4 words, else one element at a time.

//gosl: hlsl gemm_cm
/*
#version 450
// // sdgo:variant gemm_cm64 -DCM_BM=64 -DCM_BK=64
#include "glslcompat.hlsl"
layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer GemmA1 { float GemmBufA[]; };
layout(std430, binding = 0) buffer GemmA4 { vec4 GemmBufA4[]; };
layout(std430, binding = 1) buffer GemmB1 { uint GemmBufB[]; };
layout(std430, binding = 1) buffer GemmB4 { uvec4 GemmBufB4[]; };
layout(std430, binding = 2) buffer GemmBias1 { float GemmBufBias[]; };
layout(std430, binding = 3) buffer GemmR1 { float GemmBufR[]; };
layout(std430, binding = 4) buffer GemmC1 { float GemmBufC[]; };
#include "gemm.hlsl"
layout(push_constant) uniform PC { GemmParams P; };
#define CM_COLMAJOR false
#include "cmmain.hlsl"
GemmParams p;
uint bz;
uint split;
uint n0;
bool vec;
void cmLoadA(uint m, uint k, out float a[CM_AK]) {
	uint off = bz * p.StrideA + min(m, p.M - 1) * p.K + k;
	if (vec && k + CM_AK <= p.K) {
		[[unroll]] for (uint q = 0; q < CM_AK; q += 4) {
			vec4 v = GemmBufA4[(off + q) >> 2];
			a[q] = v.x;
			a[q + 1] = v.y;
			a[q + 2] = v.z;
			a[q + 3] = v.w;
		}
		return;
	}
	[[unroll]] for (uint q = 0; q < CM_AK; q++) {
		float v = GemmBufA[off - k + min(k + q, p.K - 1)];
		a[q] = k + q < p.K ? v : 0.0;
	}
}
#define CM_B_OFF(r) (bz * p.StrideB + (cmPaired ? min(n0 + (r) % 64, p.N - 1) + ((r) / 64) * p.N : min(n0 + (r), p.N - 1)) * GemmLdB(p))
#define CM_B_K p.K
#define CM_B_FAST vec
#define CM_W4 GemmBufB4
#define CM_LOADW(off, k) GemmLoadB(p, off, k)
#include "cmloadb.hlsl"
void cmStore(uint m, uint c, float v, float g) {
	uint n = n0 + c;
	if (m >= p.M || n >= p.N) {
		return;
	}
	if (p.KChunk == 0) {
		GemmStore(p, bz, m, n, v, g);
		return;
	}
	uint i = GemmPartIdx(p, split, bz, m, n);
	GemmBufC[i] = v;
	if (cmPaired) { GemmBufC[i + p.N] = g; }
}
void main() {
	p = P;
	bz = gl_WorkGroupID.z % GemmBatch(p);
	split = gl_WorkGroupID.z / GemmBatch(p);
	cmPaired = p.Act == GemmActGeglu;
	n0 = gl_WorkGroupID.x * (cmPaired ? 64 : 128);
	cmK = p.K;
	vec = (p.K % 8) == 0 && (p.StrideA % 4) == 0 && (p.StrideB % 4) == 0;
	uint k0 = split * p.KChunk;
	cmMain(gl_WorkGroupID.y * CM_BM, k0, p.KChunk == 0 ? p.K : min(p.K, k0 + p.KChunk));
}
*/
//gosl: end gemm_cm

// gemm_splitk_sum finishes a split-K GEMM: an invocation per output (column id.x, row
// id.y of the Batch·M), the partial sums read from binding 0.

//gosl: hlsl gemm_splitk_sum
/*
#include "gemm.hlsl"
[[vk::push_constant]] cbuffer PC { GemmParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	GemmParams p = P;
	if (id.x < p.N && id.y < GemmBatch(p) * p.M) {
		GemmSplitSumAt(p, id.y / p.M, id.y % p.M, id.x);
	}
}
*/
//gosl: end gemm_splitk_sum

// GEMM variants: "tex" (texel fetches, 32×32 register tiles with subgroup broadcasts,
// 8 invocations; the lavapipe winner where GemmTexFits; "tex5" is its 32×40 build for
// N a multiple of 40 but not of 32, such as attention's P·V at head dims 40 and 80,
// where 32-column tiles would leave a third of the FMAs idle; "texv" its 8×32 build for
// M ≤ 8 and "texn" its 32×8 build for N ≤ 8, where a 32-row or 32-column tile would
// compute 4× the rows or columns it stores), "reg" (the same tiles read
// through storage buffers; any shape), and for discrete GPUs "tile" (64×64
// shared-memory tiles, 4×4 per invocation), "big" (128×128, 8×8 per invocation) and,
// on GPUs with cooperative matrices and for fp16 weights, "cm" and "cm64" (tensor
// cores, 128×128 and 64×128 tiles).
var gemmVariants = map[string]tileVariant{
	"tex":  {"gemm_tex", 8, 32, 32, 1<<0 | 1<<1, false, false, true},
	"tex5": {"gemm_tex5", 8, 32, 40, 1<<0 | 1<<1, false, false, true},
	"texv": {"gemm_texv", 8, 8, 32, 1<<0 | 1<<1, false, false, true},
	"texn": {"gemm_texn", 8, 32, 8, 1<<0 | 1<<1, false, false, true},
	"reg":  {"gemm_reg", 8, 32, 32, 0, false, false, false},
	"tile": {"gemm_tile", 256, 64, 64, 0, false, false, false},
	"big":  {"gemm_big", 256, 128, 128, 0, false, false, false},
	"cm":   {"gemm_cm", 256, 128, 128, 0, true, true, false},
	"cm64": {"gemm_cm64", 256, 64, 128, 0, true, true, false},
}

// GemmVariants lists the GEMM variant names.
func GemmVariants() []string {
	return []string{"tex", "tex5", "texv", "texn", "reg", "tile", "big", "cm", "cm64"}
}

// GemmVariant picks the GEMM variant for p on device t: override if set, else
// $SDGO_GEMM_VARIANT if set, else "tex" on CPU devices (lavapipe) and on GPUs "cm"/"cm64"
// (tensor cores, fp16 weights) or "tile"/"big" (see pickVariant). "tex" becomes its
// narrower build where that idles fewer lanes: "texv" for M ≤ 8, "texn" for N ≤ 8 and
// "tex5" for N a multiple of 40 but not of 32 (neither of the last two for GEGLU); the
// texel builds fall back to "reg" where p does not fit them (GemmTexFits). The texel
// builds and "reg" need the 8-invocation
// workgroup to lie in one subgroup (subgroup size ≥ 8: lavapipe 8, NVIDIA 32, AMD
// 32/64); on a device with smaller subgroups use "tile".
func GemmVariant(t Target, override string, p GemmParams) string {
	v := pickVariant("SDGO_GEMM_VARIANT", t, override, p.Flags&GemmF16 != 0, groupCount(GemmGroups("big", p)))
	switch {
	case texVariant(v) && !GemmTexFits(p):
		return "reg"
	case v == "tex" && p.M <= 8:
		return "texv" // the timestep embedding's projections (M = 2): no idle rows
	case v == "tex" && p.Act != GemmActGeglu && p.N <= 8:
		return "texn" // the VAE's conv_out (N = 3) as Winograd: no idle columns
	case v == "tex" && p.Act != GemmActGeglu && p.N%32 != 0 && p.N%40 == 0:
		return "tex5" // attention's P·V at head dims 40 and 80: no idle columns
	case (v == "tex5" || v == "texn") && p.Act == GemmActGeglu:
		return "tex"
	}
	return v
}

// texVariant reports whether v is one of the texel-fetch builds.
func texVariant(v string) bool { return v == "tex" || v == "tex5" || v == "texv" || v == "texn" }

// GemmTexFits reports whether the "tex" variant can run p: K a multiple of 8 and the
// batch strides of A and B multiples of 4 words, so that every row starts on a 16-byte
// texel and the bound A and B are whole texels.
func GemmTexFits(p GemmParams) bool {
	return p.K%8 == 0 && p.StrideA%4 == 0 && p.StrideB%4 == 0
}

// GemmKernel returns the Spec of a GEMM variant for fp32 or fp16 weights (the
// tensor-core "cm" and "cm64": fp16 only, else an error). Bindings:
// 0 A, 1 B (weight words), 2 bias, 3 R (reads), 4 C (written). Unused bias or R must
// still be bound to some tensor (e.g. A); the kernel does not read it.
func GemmKernel(variant string, f16 bool) (Spec, error) {
	v, ok := gemmVariants[variant]
	if !ok {
		return Spec{}, fmt.Errorf("unknown GEMM variant %q (have %v)", variant, GemmVariants())
	}
	return v.spec("GEMM", f16, 48)
}

// GemmGroups returns the workgroup count of a GEMM variant for p (split-K layers
// included, see GemmSplitK; the queued texel variants: QueueGrid).
func GemmGroups(variant string, p GemmParams) [3]uint32 {
	v := gemmVariants[variant]
	if v.queue {
		return QueueGrid()
	}
	cols := v.tn
	if p.Act == GemmActGeglu {
		cols /= 2
	}
	return [3]uint32{(p.N + cols - 1) / cols, (p.M + v.tm - 1) / v.tm, GemmBatch(&p) * GemmSplits(&p)}
}

// NewGemmParams fills the params of a batch of dense C = act(A·Bᵀ + bias) + R.
func NewGemmParams(batch, m, n, k int, f16, bias, residual bool, act uint32, sharedWeights bool) GemmParams {
	p := GemmParams{M: uint32(m), N: uint32(n), K: uint32(k), Batch: uint32(batch), Act: act}
	if f16 {
		p.Flags |= GemmF16
	}
	if bias {
		p.Flags |= GemmBias
	}
	if residual {
		p.Flags |= GemmResidual
	}
	p.StrideA = uint32(m * k)
	p.StrideC = uint32(m * n)
	p.StrideR = uint32(m * n)
	if !sharedWeights {
		rows := n
		if act == GemmActGeglu {
			rows = 2 * n
		}
		p.StrideB = uint32(rows) * GemmLdB(&p)
	}
	return p
}

// GemmCPU is the CPU reference of every GEMM variant: it runs GemmAt over the grid.
// b holds the weight words (F32Words or PackF16Rows); unused bias/r may be nil.
func GemmCPU(p GemmParams, a []float32, b []uint32, bias, r, c []float32) {
	cpuMu.Lock()
	defer cpuMu.Unlock()
	GemmBufA, GemmBufB, GemmBufBias, GemmBufR, GemmBufC = a, b, bias, r, c
	for bz := uint32(0); bz < max(p.Batch, 1); bz++ {
		for m := uint32(0); m < p.M; m++ {
			for n := uint32(0); n < p.N; n++ {
				GemmAt(&p, bz, m, n)
			}
		}
	}
	GemmBufA, GemmBufB, GemmBufBias, GemmBufR, GemmBufC = nil, nil, nil, nil, nil
}

// GemmCPUAt is GemmCPU restricted to the output elements at (batch, m, n): a spot check
// of full-size shapes.
func GemmCPUAt(p GemmParams, a []float32, b []uint32, bias, r, c []float32, at [][3]uint32) {
	cpuMu.Lock()
	defer cpuMu.Unlock()
	GemmBufA, GemmBufB, GemmBufBias, GemmBufR, GemmBufC = a, b, bias, r, c
	for _, e := range at {
		GemmAt(&p, e[0], e[1], e[2])
	}
	GemmBufA, GemmBufB, GemmBufBias, GemmBufR, GemmBufC = nil, nil, nil, nil, nil
}

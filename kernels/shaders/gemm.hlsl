#ifndef __GEMM_HLSL__
#define __GEMM_HLSL__


#ifndef SDGO_GLSL
[[vk::binding(0, 0)]] RWStructuredBuffer<float> GemmBufA;
[[vk::binding(1, 0)]] RWStructuredBuffer<uint> GemmBufB;
[[vk::binding(2, 0)]] RWStructuredBuffer<float> GemmBufBias;
[[vk::binding(3, 0)]] RWStructuredBuffer<float> GemmBufR;
[[vk::binding(4, 0)]] RWStructuredBuffer<float> GemmBufC;
#endif

// Flags of GemmParams.Flags.

// GemmBias adds bias[n] (binding 2).
static const uint GemmBias = 1;

// GemmResidual adds R[b,m,n] (binding 3) after the activation.
static const uint GemmResidual = 2;

// GemmF16 marks fp16 weights; it must match the kernel built for them (GemmKernel's
// f16; NewGemmParams sets it).
static const uint GemmF16 = 4;

// Activations of GemmParams.Act.

static const uint GemmActNone  = 0;
static const uint GemmActGelu  = 1;
static const uint GemmActSilu  = 2;
static const uint GemmActGeglu = 3;

// GemmParams are the push constants of the GEMM kernels (48 bytes).
struct GemmParams {
	// M rows of A and C, N columns of C (GEGLU: the weight has 2N rows), K inner size.
	uint M;
	uint N;
	uint K;
	// Batch is the number of matrices (workgroups, or the queued kernels' tiles, in z;
	// 0 counts as 1, see GemmBatch).
	uint Batch;
	// Per-batch strides in elements: A and C and R in floats, B in weight words
	// (0 = one weight shared by the batch).
	uint StrideA;
	uint StrideB;
	uint StrideC;
	uint StrideR;
	// Flags is a set of GemmBias, GemmResidual, GemmF16.
	uint Flags;
	// Act is one of GemmActNone, GemmActGelu, GemmActSilu, GemmActGeglu.
	uint Act;
	// KChunk splits K (split-K, tensor-core variants only; 0: no split, see GemmSplitK):
	// workgroup layer z runs batch z % Batch over k in [s·KChunk, (s+1)·KChunk) for
	// s = z / Batch and writes its raw partial sums to C where GemmPartIdx says, for
	// gemm_splitk_sum to add up and finish. A multiple of 64 (both tensor-core k-steps),
	// else a chunk's last k-step would also count the next chunk's first k.
	uint KChunk;
	uint pad1;
};

// GemmLdB returns the row stride of the weight in words.
uint GemmLdB(inout GemmParams p) {
	if ((p.Flags & GemmF16) != 0) {
		return (p.K + 1) / 2;
	}
	return p.K;
}

// GemmLoadB returns weight element k of the row starting at word off.
float GemmLoadB(inout GemmParams p, uint off, uint k) {
	if ((p.Flags & GemmF16) != 0) {
		return f16tof32(GemmBufB[off+k/2] >> ((k & 1) * 16));
	}
	return asfloat(GemmBufB[off+k]);
}

// GemmErfc is the complementary error function for x ≥ 0 (Numerical Recipes' erfcc
// Chebyshev fit, fractional error < 1.2e-7 everywhere).
float GemmErfc(float z) {
	float t = 1 / (1 + 0.5*z);
	float poly = -z*z - 1.26551223 + t*(1.00002368+t*(0.37409196+t*(0.09678418+t*(-0.18628806+t*(0.27886807+t*(-1.13520398+t*(1.48851587+t*(-0.82215223+t*0.17087277))))))));
	return t * exp(poly);
}

// GemmErf is the error function, from GemmErfc (absolute error < 1.2e-7).
float GemmErf(float x) {
	if (x >= 0) {
		return 1 - GemmErfc(x);
	}
	return GemmErfc(-x) - 1;
}

// GemmGelu is the exact GELU x·Φ(x) = x/2·(1 + erf(x/√2)), evaluated through erfc so
// that the negative tail keeps its relative accuracy.
float GemmGelu(float x) {
	float z = x * 0.70710678118654752;
	if (z >= 0) {
		return x * (1 - 0.5*GemmErfc(z));
	}
	return 0.5 * x * GemmErfc(-z);
}

// GemmSilu is x·sigmoid(x).
float GemmSilu(float x) {
	return x / (1 + exp(-x));
}

// GemmStore applies the epilogue to the inner product v (and, for GEGLU, the gate's
// inner product g) of output element (b, m, n) and writes it to C.
void GemmStore(inout GemmParams p, uint b, uint m, uint n, float v, float g) {
	if ((p.Flags & GemmBias) != 0) {
		v += GemmBufBias[n];
		if (p.Act == GemmActGeglu) {
			g += GemmBufBias[n+p.N];
		}
	}
	if (p.Act == GemmActGelu) {
		v = GemmGelu(v);
	} else if (p.Act == GemmActSilu) {
		v = GemmSilu(v);
	} else if (p.Act == GemmActGeglu) {
		v = v * GemmGelu(g);
	}
	if ((p.Flags & GemmResidual) != 0) {
		v += GemmBufR[b*p.StrideR+m*p.N+n];
	}
	GemmBufC[b*p.StrideC+m*p.N+n] = v;
}

// GemmBatch is the number of matrices (Batch, at least 1).
uint GemmBatch(inout GemmParams p) {
	if (p.Batch == 0) {
		return 1;
	}
	return p.Batch;
}

// GemmSplits is the number of k-chunks of a split-K dispatch (1: no split).
uint GemmSplits(inout GemmParams p) {
	if (p.KChunk == 0) {
		return 1;
	}
	return (p.K + p.KChunk - 1) / p.KChunk;
}

// GemmPartIdx is where a split-K dispatch leaves chunk s's partial sum of output
// (b, m, n): the partials are [splits][Batch][M][W], W = N, or 2N for GEGLU with the
// value's sum at n and its gate's at n+N.
uint GemmPartIdx(inout GemmParams p, uint s, uint b, uint m, uint n) {
	uint w = p.N;
	if (p.Act == GemmActGeglu) {
		w = 2 * p.N;
	}
	return ((s*GemmBatch(p)+b)*p.M+m)*w + n;
}

// GemmSplitSumAt finishes output (b, m, n) of a split-K GEMM: it adds up the partial
// sums in A (laid out as GemmPartIdx says) in chunk order and applies the epilogue.
void GemmSplitSumAt(inout GemmParams p, uint b, uint m, uint n) {
	float v = float(0);
	float g = float(0);
	for (uint s = uint(0); s < GemmSplits(p); s++) {
		uint i = GemmPartIdx(p, s, b, m, n);
		v += GemmBufA[i];
		if (p.Act == GemmActGeglu) {
			g += GemmBufA[i+p.N];
		}
	}
	GemmStore(p, b, m, n, v, g);
}

// GemmDot is the reference inner product of row m of A with weight row row, in batch b,
// accumulated in fp32 in k order.
float GemmDot(inout GemmParams p, uint b, uint m, uint row) {
	uint aoff = b*p.StrideA + m*p.K;
	uint boff = b*p.StrideB + row*GemmLdB(p);
	float acc = float(0);
	for (uint k = uint(0); k < p.K; k++) {
		acc += GemmBufA[aoff+k] * GemmLoadB(p, boff, k);
	}
	return acc;
}

// GemmAt computes output element (b, m, n) the simple way (the CPU reference).
void GemmAt(inout GemmParams p, uint b, uint m, uint n) {
	float v = GemmDot(p, b, m, n);
	float g = float(0);
	if (p.Act == GemmActGeglu) {
		g = GemmDot(p, b, m, n+p.N);
	}
	GemmStore(p, b, m, n, v, g);
}
#endif // __GEMM_HLSL__

#ifndef __CONV_HLSL__
#define __CONV_HLSL__


#ifndef SDGO_GLSL
[[vk::binding(0, 0)]] RWStructuredBuffer<float> ConvBufX;
[[vk::binding(1, 0)]] RWStructuredBuffer<uint> ConvBufW;
[[vk::binding(2, 0)]] RWStructuredBuffer<float> ConvBufBias;
[[vk::binding(3, 0)]] RWStructuredBuffer<float> ConvBufR;
[[vk::binding(4, 0)]] RWStructuredBuffer<float> ConvBufY;
#endif

// Flags of ConvParams.Flags.

// ConvBias adds bias[co] (binding 2).
static const uint ConvBias = 1;

// ConvResidual adds R[b,co,oy,ox] (binding 3).
static const uint ConvResidual = 2;

// ConvF16 marks fp16 weights; it must match the kernel built for them (ConvKernel's
// f16; NewConvParams sets it).
static const uint ConvF16 = 4;

// ConvParams are the push constants of the conv kernels (64 bytes).
struct ConvParams {
	// N images of Cin channels of H×W in; Cout channels of OH×OW out.
	uint N;
	uint Cin;
	uint H;
	uint W;
	uint Cout;
	uint OH;
	uint OW;
	// KH×KW kernel, Stride, padding at the top and left (bottom/right follow from OH, OW).
	uint KH;
	uint KW;
	uint Stride;
	uint PadT;
	uint PadL;
	// The dispatch computes output rows [OY0, OY0+Rows) (Rows = OH for all).
	uint OY0;
	uint Rows;
	// Flags is a set of ConvBias, ConvResidual, ConvF16.
	uint Flags;
	// KChunk splits the inner size ConvK (split-K, tensor-core variants only; 0: no
	// split, see ConvSplitK): workgroup layer s sums k in [s·KChunk, (s+1)·KChunk) and
	// writes its raw partial sums to Y where ConvPartIdx says, for conv_splitk_sum to add
	// up and finish. A multiple of 64, as GemmParams.KChunk.
	uint KChunk;
};

// ConvK is the inner size Cin·KH·KW.
uint ConvK(inout ConvParams p) {
	return p.Cin * p.KH * p.KW;
}

// ConvLdW is the row stride of the weight in words.
uint ConvLdW(inout ConvParams p) {
	if ((p.Flags & ConvF16) != 0) {
		return (ConvK(p) + 1) / 2;
	}
	return ConvK(p);
}

// ConvLoadW returns weight element k of the row starting at word off.
float ConvLoadW(inout ConvParams p, uint off, uint k) {
	if ((p.Flags & ConvF16) != 0) {
		return f16tof32(ConvBufW[off+k/2] >> ((k & 1) * 16));
	}
	return asfloat(ConvBufW[off+k]);
}

// ConvLoadX returns X[b,ci,iy,ix], 0 outside the image.
float ConvLoadX(inout ConvParams p, uint b, uint ci, int iy, int ix) {
	if (iy < 0 || ix < 0 || iy >= int(p.H) || ix >= int(p.W)) {
		return 0;
	}
	return ConvBufX[((b*p.Cin+ci)*p.H+uint(iy))*p.W+uint(ix)];
}

// ConvStore adds bias and residual to the inner product v of output (b, co, oy, ox) and
// writes it.
void ConvStore(inout ConvParams p, uint b, uint co, uint oy, uint ox, float v) {
	if ((p.Flags & ConvBias) != 0) {
		v += ConvBufBias[co];
	}
	uint idx = ((b*p.Cout+co)*p.OH+oy)*p.OW + ox;
	if ((p.Flags & ConvResidual) != 0) {
		v += ConvBufR[idx];
	}
	ConvBufY[idx] = v;
}

// ConvPixels is the number of output pixels of the dispatch, N·Rows·OW: the M of its
// implicit GEMM, pixels in (image, row, column) order.
uint ConvPixels(inout ConvParams p) {
	return p.N * p.Rows * p.OW;
}

// ConvSplits is the number of k-chunks of a split-K dispatch (1: no split).
uint ConvSplits(inout ConvParams p) {
	if (p.KChunk == 0) {
		return 1;
	}
	return (ConvK(p) + p.KChunk - 1) / p.KChunk;
}

// ConvPartIdx is where a split-K dispatch leaves chunk s's partial sum of channel co
// at pixel m (see ConvPixels): the partials are [splits][Cout][pixels].
uint ConvPartIdx(inout ConvParams p, uint s, uint co, uint m) {
	return (s*p.Cout+co)*ConvPixels(p) + m;
}

// ConvSplitSumAt finishes channel co at pixel m of a split-K conv: it adds up the
// partial sums in X (laid out as ConvPartIdx says) in chunk order and stores the result
// with bias and residual.
void ConvSplitSumAt(inout ConvParams p, uint co, uint m) {
	float v = float(0);
	for (uint s = uint(0); s < ConvSplits(p); s++) {
		v += ConvBufX[ConvPartIdx(p, s, co, m)];
	}
	uint npix = p.Rows * p.OW;
	uint r = m % npix;
	ConvStore(p, m/npix, co, p.OY0+r/p.OW, r%p.OW, v);
}

// ConvAt computes output (b, co, oy, ox) the simple way (the CPU reference), in the
// weight's k order.
void ConvAt(inout ConvParams p, uint b, uint co, uint oy, uint ox) {
	uint woff = co * ConvLdW(p);
	float acc = float(0);
	uint k = uint(0);
	for (uint ci = uint(0); ci < p.Cin; ci++) {
		for (uint ky = uint(0); ky < p.KH; ky++) {
			int iy = int(oy*p.Stride+ky) - int(p.PadT);
			for (uint kx = uint(0); kx < p.KW; kx++) {
				int ix = int(ox*p.Stride+kx) - int(p.PadL);
				acc += ConvLoadX(p, b, ci, iy, ix) * ConvLoadW(p, woff, k);
				k++;
			}
		}
	}
	ConvStore(p, b, co, oy, ox, acc);
}
#endif // __CONV_HLSL__

#version 450
// sdgo:variant conv_cm64 -DCM_BM=64 -DCM_BK=64
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
// cmLoadA reads the invocation's own im2col row (set up in main: m is always that row),
// stepping through (ci, ky, kx) without divisions.
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

#version 450
// sdgo:variant gemm_cm64 -DCM_BM=64 -DCM_BK=64
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

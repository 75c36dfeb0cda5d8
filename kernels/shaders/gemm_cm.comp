#version 450
#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_EXT_control_flow_attributes : require
// sdgo:variant gemm_cm64 -DCM_BM=64
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
uint n0;
bool vec;
void cmLoadA(uint m, uint k, out float a[CM_AK]) {
	uint off = bz * p.StrideA + min(m, p.M - 1) * p.K + k;
	if (vec && k + CM_AK <= p.K) {
		for (uint q = 0; q < CM_AK; q += 4) {
			vec4 v = GemmBufA4[(off + q) >> 2];
			a[q] = v.x;
			a[q + 1] = v.y;
			a[q + 2] = v.z;
			a[q + 3] = v.w;
		}
		return;
	}
	for (uint q = 0; q < CM_AK; q++) {
		float v = GemmBufA[off - k + min(k + q, p.K - 1)];
		a[q] = k + q < p.K ? v : 0.0;
	}
}
void cmLoadB(uint r, uint k, out float b[16]) {
	uint row = cmPaired ? min(n0 + r % 64, p.N - 1) + (r / 64) * p.N : min(n0 + r, p.N - 1);
	uint off = bz * p.StrideB + row * GemmLdB(p);
	if (vec && k + 16 <= p.K) {
		for (uint q = 0; q < 2; q++) {
			uvec4 w = GemmBufB4[(off + (k >> 1)) / 4 + q];
			vec2 h0 = unpackHalf2x16(w.x);
			vec2 h1 = unpackHalf2x16(w.y);
			vec2 h2 = unpackHalf2x16(w.z);
			vec2 h3 = unpackHalf2x16(w.w);
			b[8 * q] = h0.x;
			b[8 * q + 1] = h0.y;
			b[8 * q + 2] = h1.x;
			b[8 * q + 3] = h1.y;
			b[8 * q + 4] = h2.x;
			b[8 * q + 5] = h2.y;
			b[8 * q + 6] = h3.x;
			b[8 * q + 7] = h3.y;
		}
		return;
	}
	for (uint q = 0; q < 16; q++) {
		float v = GemmLoadB(p, off, min(k + q, p.K - 1));
		b[q] = k + q < p.K ? v : 0.0;
	}
}
void cmStore(uint m, uint c, float v, float g) {
	uint n = n0 + c;
	if (m < p.M && n < p.N) { GemmStore(p, bz, m, n, v, g); }
}
void main() {
	p = P;
	bz = gl_WorkGroupID.z;
	cmPaired = p.Act == GemmActGeglu;
	n0 = gl_WorkGroupID.x * (cmPaired ? 64 : 128);
	cmK = p.K;
	vec = (p.K % 8) == 0 && (p.StrideA % 4) == 0 && (p.StrideB % 4) == 0;
	cmMain(gl_WorkGroupID.y * CM_BM);
}

#version 450
// sdgo:variant flash_cm_d64 -DHEAD_DIM=64
// sdgo:variant flash_cm_d80 -DHEAD_DIM=80
#include "glslcompat.hlsl"
#include "attparams.hlsl"
#include "cmsplit.hlsl"
#ifndef HEAD_DIM
#define HEAD_DIM 40
#endif
layout(local_size_x = 128) in;
layout(std430, binding = 0) buffer FaQ4 { vec4 FaQ[]; };
layout(std430, binding = 1) buffer FaK4 { vec4 FaK[]; };
layout(std430, binding = 2) buffer FaV4 { vec4 FaV[]; };
layout(std430, binding = 3) buffer FaO1 { float FaO[]; };
layout(push_constant) uniform PC { AttentionParams P; };
#define FA_DC ((HEAD_DIM + 15) / 16)
#define FA_LDD (2 * FA_DC + 1)
#define FA_KH 0
#define FA_KL (32 * FA_LDD)
#define FA_VH (64 * FA_LDD)
#define FA_VL (96 * FA_LDD)
#define FA_W (128 * FA_LDD)
#define FA_LDP 5
#define FA_WS 160
#define FA_ACC fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>
#define FA_IN fcoopmatNV<16, gl_ScopeSubgroup, 16, 16>
shared uvec4 faPool[FA_W + 4 * FA_WS];
AttentionParams p;
// faStage splits rows [0, n) of a [T, ·] tensor, 8 columns per texel, into the hi and
// lo areas of the pool (rows of FA_LDD texels): row r is token min(t0 + r, T − 1) of
// (b, h), columns past HEAD_DIM are 0; Q is scaled by Scale. 128 invocations.
void faStage(uint which, uint n, uint t0, uint T, uint row, uint hi, uint lo, float scale) {
	uint t = gl_LocalInvocationIndex;
	for (uint e = t; e < n * 2 * FA_DC; e += 128) {
		uint r = e / (2 * FA_DC);
		uint c = e % (2 * FA_DC);
		vec4 x0 = vec4(0.0);
		vec4 x1 = vec4(0.0);
		if (c * 8 < HEAD_DIM) {
			uint tok = min(t0 + r, T - 1);
			uint off = (gl_WorkGroupID.z * T + tok) * row + gl_WorkGroupID.y * HEAD_DIM + c * 8;
			if (which == 0) {
				x0 = FaQ[off / 4] * scale;
				x1 = FaQ[off / 4 + 1] * scale;
			} else if (which == 1) {
				x0 = FaK[off / 4];
				x1 = FaK[off / 4 + 1];
			} else {
				x0 = FaV[off / 4];
				x1 = FaV[off / 4 + 1];
			}
		}
		uvec4 h;
		uvec4 l;
		cmSplit(x0, x1, h, l);
		faPool[hi + r * FA_LDD + c] = h;
		faPool[lo + r * FA_LDD + c] = l;
	}
}
// faScores returns the subgroup's 16×32 scores for the staged key block in its
// staging area (row-major, 32 floats a row), one row per lane for lanes < 16: s[i]
// of key j0 + i, −1e30 past Tk.
void faScores(FA_IN qh[FA_DC], FA_IN ql[FA_DC], uint w, uint lane, uint j0, out float s[32]) {
	FA_ACC s0 = FA_ACC(0.0);
	FA_ACC s1 = FA_ACC(0.0);
	[[unroll]] for (uint c = 0; c < FA_DC; c++) {
		FA_IN k0;
		FA_IN k1;
		coopMatLoadNV(k0, faPool, FA_KH + 2 * c, FA_LDD, true);
		coopMatLoadNV(k1, faPool, FA_KH + 16 * FA_LDD + 2 * c, FA_LDD, true);
		s0 = coopMatMulAddNV(qh[c], k0, s0);
		s0 = coopMatMulAddNV(ql[c], k0, s0);
		s1 = coopMatMulAddNV(qh[c], k1, s1);
		s1 = coopMatMulAddNV(ql[c], k1, s1);
		coopMatLoadNV(k0, faPool, FA_KL + 2 * c, FA_LDD, true);
		coopMatLoadNV(k1, faPool, FA_KL + 16 * FA_LDD + 2 * c, FA_LDD, true);
		s0 = coopMatMulAddNV(qh[c], k0, s0);
		s1 = coopMatMulAddNV(qh[c], k1, s1);
	}
	uint ws = FA_W + w * FA_WS;
	coopMatStoreNV(s0, faPool, ws, 8, false);
	coopMatStoreNV(s1, faPool, ws + 4, 8, false);
	barrier();
	[[unroll]] for (uint i = 0; i < 32; i++) {
		float v = uintBitsToFloat(faPool[ws + (lane % 16) * 8 + i / 4][i % 4]);
		s[i] = j0 + i < p.Tk ? v : -1e30;
	}
	barrier();
}
void main() {
	p = P;
	uint w = gl_SubgroupID;
	uint lane = gl_SubgroupInvocationID;
	uint q0 = gl_WorkGroupID.x * 64;
	faStage(0, 64, q0, p.Tq, p.QRow, 0, 64 * FA_LDD, p.Scale);
	barrier();
	FA_IN qh[FA_DC];
	FA_IN ql[FA_DC];
	[[unroll]] for (uint c = 0; c < FA_DC; c++) {
		coopMatLoadNV(qh[c], faPool, (w * 16) * FA_LDD + 2 * c, FA_LDD, false);
		coopMatLoadNV(ql[c], faPool, 64 * FA_LDD + (w * 16) * FA_LDD + 2 * c, FA_LDD, false);
	}
	barrier();
	float s[32];
	float m = -1e30;
	float l = 0.0;
	for (uint j0 = 0; j0 < p.Tk; j0 += 32) {
		faStage(1, 32, j0, p.Tk, p.KRow, FA_KH, FA_KL, 1.0);
		barrier();
		faScores(qh, ql, w, lane, j0, s);
		float mb = m;
		[[unroll]] for (uint i = 0; i < 32; i++) { mb = max(mb, s[i]); }
		float ls = l * exp(m - mb);
		[[unroll]] for (uint i = 0; i < 32; i++) { ls += s[i] > -1e29 ? exp(s[i] - mb) : 0.0; }
		m = mb;
		l = ls;
	}
	float inv = 1.0 / l;
	FA_ACC o[FA_DC];
	[[unroll]] for (uint c = 0; c < FA_DC; c++) { o[c] = FA_ACC(0.0); }
	uint ws = FA_W + w * FA_WS;
	for (uint j0 = 0; j0 < p.Tk; j0 += 32) {
		faStage(1, 32, j0, p.Tk, p.KRow, FA_KH, FA_KL, 1.0);
		faStage(2, 32, j0, p.Tk, p.KRow, FA_VH, FA_VL, 1.0);
		barrier();
		faScores(qh, ql, w, lane, j0, s);
		if (lane < 16) {
			[[unroll]] for (uint v = 0; v < 4; v++) {
				vec4 x0;
				vec4 x1;
				[[unroll]] for (uint i = 0; i < 4; i++) {
					x0[i] = s[8 * v + i] > -1e29 ? exp(s[8 * v + i] - m) * inv : 0.0;
					x1[i] = s[8 * v + 4 + i] > -1e29 ? exp(s[8 * v + 4 + i] - m) * inv : 0.0;
				}
				uvec4 h;
				uvec4 lo;
				cmSplit(x0, x1, h, lo);
				faPool[ws + lane * FA_LDP + v] = h;
				faPool[ws + 80 + lane * FA_LDP + v] = lo;
			}
		}
		barrier();
		[[unroll]] for (uint kc = 0; kc < 2; kc++) {
			FA_IN ph;
			FA_IN pl;
			coopMatLoadNV(ph, faPool, ws + 2 * kc, FA_LDP, false);
			coopMatLoadNV(pl, faPool, ws + 80 + 2 * kc, FA_LDP, false);
			[[unroll]] for (uint c = 0; c < FA_DC; c++) {
				FA_IN vh;
				FA_IN vl;
				coopMatLoadNV(vh, faPool, FA_VH + (16 * kc) * FA_LDD + 2 * c, FA_LDD, false);
				coopMatLoadNV(vl, faPool, FA_VL + (16 * kc) * FA_LDD + 2 * c, FA_LDD, false);
				o[c] = coopMatMulAddNV(ph, vh, o[c]);
				o[c] = coopMatMulAddNV(pl, vh, o[c]);
				o[c] = coopMatMulAddNV(ph, vl, o[c]);
			}
		}
		barrier();
	}
	[[unroll]] for (uint c = 0; c < FA_DC; c++) {
		coopMatStoreNV(o[c], faPool, ws, 4, false);
		barrier();
		for (uint e = lane; e < 256; e += 32) {
			uint r = e / 16;
			uint d = c * 16 + e % 16;
			uint qi = q0 + w * 16 + r;
			if (d < HEAD_DIM && qi < p.Tq) {
				FaO[(gl_WorkGroupID.z * p.Tq + qi) * p.ORow + gl_WorkGroupID.y * HEAD_DIM + d] = uintBitsToFloat(faPool[ws + e / 4][e % 4]);
			}
		}
		barrier();
	}
}

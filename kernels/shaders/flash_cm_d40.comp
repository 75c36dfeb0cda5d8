#version 450
// sdgo:variant flash_cm_d64 -DHEAD_DIM=64
// sdgo:variant flash_cm_d80 -DHEAD_DIM=80
#include "glslcompat.hlsl"
#extension GL_KHR_shader_subgroup_shuffle : require
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
// A subgroup's staging area (texels): the 16×32 scores (rows of 8) from 0, P's hi and
// lo parts (rows of FA_LDP) from FA_P and FA_P + 80, and, over all of them, the key
// block's 16 × 16·FA_DC output (rows of 4·FA_DC).
#define FA_LDP 5
#define FA_P 128
#define FA_OC (8 * FA_DC)
#if 64 * FA_DC > FA_P + 160
#define FA_WS (64 * FA_DC)
#else
#define FA_WS (FA_P + 160)
#endif
#define FA_ACC fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>
#define FA_IN fcoopmatNV<16, gl_ScopeSubgroup, 16, 16>
shared uvec4 faPool[FA_W + 4 * FA_WS];
AttentionParams p;
// faStageQ splits the workgroup's 64 query rows (token min(q0 + r, Tq − 1) of (b, h),
// times Scale), 8 columns per texel, into the hi and lo areas of the pool (rows of
// FA_LDD texels, columns past HEAD_DIM 0). 128 invocations.
void faStageQ(uint q0) {
	for (uint e = gl_LocalInvocationIndex; e < 64 * 2 * FA_DC; e += 128) {
		uint r = e / (2 * FA_DC);
		uint c = e % (2 * FA_DC);
		vec4 x0 = vec4(0.0);
		vec4 x1 = vec4(0.0);
		if (c * 8 < HEAD_DIM) {
			uint off = (gl_WorkGroupID.z * p.Tq + min(q0 + r, p.Tq - 1)) * p.QRow + gl_WorkGroupID.y * HEAD_DIM + c * 8;
			x0 = FaQ[off / 4] * p.Scale;
			x1 = FaQ[off / 4 + 1] * p.Scale;
		}
		uvec4 h;
		uvec4 l;
		cmSplit(x0, x1, h, l);
		faPool[r * FA_LDD + c] = h;
		faPool[64 * FA_LDD + r * FA_LDD + c] = l;
	}
}
// A key block's K and V are fetched into registers a block ahead (faFetch: texel
// pair e = invocation + 128·i of the block's 32 rows × 2·FA_DC, row r token
// min(j0 + r, Tk − 1)) and split into the pool's K and V areas (faPut) once the
// previous block is done with them, so their loads overlap its tensor-core work.
#define FA_PI ((64 * FA_DC + 127) / 128)
vec4 faK[FA_PI][2];
vec4 faV[FA_PI][2];
void faFetch(uint j0) {
	[[unroll]] for (uint i = 0; i < FA_PI; i++) {
		uint e = gl_LocalInvocationIndex + 128 * i;
		uint r = e / (2 * FA_DC);
		uint c = e % (2 * FA_DC);
		faK[i][0] = vec4(0.0);
		faK[i][1] = vec4(0.0);
		faV[i][0] = vec4(0.0);
		faV[i][1] = vec4(0.0);
		if (e < 64 * FA_DC && c * 8 < HEAD_DIM) {
			uint off = (gl_WorkGroupID.z * p.Tk + min(j0 + r, p.Tk - 1)) * p.KRow + gl_WorkGroupID.y * HEAD_DIM + c * 8;
			faK[i][0] = FaK[off / 4];
			faK[i][1] = FaK[off / 4 + 1];
			faV[i][0] = FaV[off / 4];
			faV[i][1] = FaV[off / 4 + 1];
		}
	}
}
void faPut() {
	[[unroll]] for (uint i = 0; i < FA_PI; i++) {
		uint e = gl_LocalInvocationIndex + 128 * i;
		if (e < 64 * FA_DC) {
			uint r = e / (2 * FA_DC);
			uint c = e % (2 * FA_DC);
			uvec4 h;
			uvec4 l;
			cmSplit(faK[i][0], faK[i][1], h, l);
			faPool[FA_KH + r * FA_LDD + c] = h;
			faPool[FA_KL + r * FA_LDD + c] = l;
			cmSplit(faV[i][0], faV[i][1], h, l);
			faPool[FA_VH + r * FA_LDD + c] = h;
			faPool[FA_VL + r * FA_LDD + c] = l;
		}
	}
}
void main() {
	p = P;
	uint w = gl_SubgroupID;
	uint lane = gl_SubgroupInvocationID;
	uint r = lane % 16;
	uint hf = lane / 16;
	uint q0 = gl_WorkGroupID.x * 64;
	uint ws = FA_W + w * FA_WS;
	faStageQ(q0);
	barrier();
	FA_IN qh[FA_DC];
	FA_IN ql[FA_DC];
	[[unroll]] for (uint c = 0; c < FA_DC; c++) {
		coopMatLoadNV(qh[c], faPool, (w * 16) * FA_LDD + 2 * c, FA_LDD, false);
		coopMatLoadNV(ql[c], faPool, 64 * FA_LDD + (w * 16) * FA_LDD + 2 * c, FA_LDD, false);
	}
	barrier();
	float o[FA_OC];
	[[unroll]] for (uint j = 0; j < FA_OC; j++) { o[j] = 0.0; }
	float m = -1e30;
	float l = 0.0;
	faFetch(0);
	for (uint j0 = 0; j0 < p.Tk; j0 += 32) {
		faPut();
		barrier();
		if (j0 + 32 < p.Tk) {
			faFetch(j0 + 32);
		}
		// // S = Q·Kᵀ for the block's 32 keys, through the staging area.
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
		coopMatStoreNV(s0, faPool, ws, 8, false);
		coopMatStoreNV(s1, faPool, ws + 4, 8, false);
		subgroupBarrier();
		// // The online softmax of the lane's 16 scores (keys j0 + 16·hf + i).
		float s[16];
		float mb = m;
		[[unroll]] for (uint i = 0; i < 16; i++) {
			float v = uintBitsToFloat(faPool[ws + r * 8 + 4 * hf + i / 4][i % 4]);
			s[i] = j0 + 16 * hf + i < p.Tk ? v : -1e30;
			mb = max(mb, s[i]);
		}
		mb = max(mb, subgroupShuffleXor(mb, 16));
		float alpha = exp(m - mb);
		float ls = 0.0;
		vec4 x[4];
		[[unroll]] for (uint i = 0; i < 16; i++) {
			float e = s[i] > -1e29 ? exp(s[i] - mb) : 0.0;
			x[i / 4][i % 4] = e;
			ls += e;
		}
		l = l * alpha + (ls + subgroupShuffleXor(ls, 16));
		m = mb;
		uvec4 ph;
		uvec4 pl;
		cmSplit(x[0], x[1], ph, pl);
		faPool[ws + FA_P + r * FA_LDP + 2 * hf] = ph;
		faPool[ws + FA_P + 80 + r * FA_LDP + 2 * hf] = pl;
		cmSplit(x[2], x[3], ph, pl);
		faPool[ws + FA_P + r * FA_LDP + 2 * hf + 1] = ph;
		faPool[ws + FA_P + 80 + r * FA_LDP + 2 * hf + 1] = pl;
		subgroupBarrier();
		// // The block's P·V from zero, then added to the rescaled output rows.
		FA_ACC ob[FA_DC];
		[[unroll]] for (uint c = 0; c < FA_DC; c++) { ob[c] = FA_ACC(0.0); }
		[[unroll]] for (uint kc = 0; kc < 2; kc++) {
			FA_IN ah;
			FA_IN al;
			coopMatLoadNV(ah, faPool, ws + FA_P + 2 * kc, FA_LDP, false);
			coopMatLoadNV(al, faPool, ws + FA_P + 80 + 2 * kc, FA_LDP, false);
			[[unroll]] for (uint c = 0; c < FA_DC; c++) {
				FA_IN vh;
				FA_IN vl;
				coopMatLoadNV(vh, faPool, FA_VH + (16 * kc) * FA_LDD + 2 * c, FA_LDD, false);
				coopMatLoadNV(vl, faPool, FA_VL + (16 * kc) * FA_LDD + 2 * c, FA_LDD, false);
				ob[c] = coopMatMulAddNV(ah, vh, ob[c]);
				ob[c] = coopMatMulAddNV(al, vh, ob[c]);
				ob[c] = coopMatMulAddNV(ah, vl, ob[c]);
			}
		}
		barrier();
		[[unroll]] for (uint c = 0; c < FA_DC; c++) { coopMatStoreNV(ob[c], faPool, ws + 4 * c, 4 * FA_DC, false); }
		subgroupBarrier();
		[[unroll]] for (uint j = 0; j < FA_OC; j++) {
			uint col = hf * FA_OC + j;
			o[j] = o[j] * alpha + uintBitsToFloat(faPool[ws + r * 4 * FA_DC + col / 4][col % 4]);
		}
	}
	float inv = 1.0 / l;
	uint qi = q0 + w * 16 + r;
	if (qi < p.Tq) {
		uint ob = (gl_WorkGroupID.z * p.Tq + qi) * p.ORow + gl_WorkGroupID.y * HEAD_DIM;
		[[unroll]] for (uint j = 0; j < FA_OC; j++) {
			uint d = hf * FA_OC + j;
			if (d < HEAD_DIM) { FaO[ob + d] = o[j] * inv; }
		}
	}
}

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
// FA_KB keys per block: 64 at head dim 40; at 64 and 80 the pool would pass 48 KiB
// with 64, so 32.
#if HEAD_DIM <= 40
#define FA_KB 64
#else
#define FA_KB 32
#endif
layout(local_size_x = 128) in;
layout(std430, binding = 0) buffer FaQ4 { vec4 FaQ[]; };
layout(std430, binding = 1) buffer FaK4 { vec4 FaK[]; };
layout(std430, binding = 2) buffer FaV4 { vec4 FaV[]; };
layout(std430, binding = 3) buffer FaO1 { float FaO[]; };
layout(push_constant) uniform PC { AttentionParams P; };
#define FA_DC ((HEAD_DIM + 15) / 16)
#define FA_LDD (2 * FA_DC + 1)
#define FA_KT (FA_KB / 16)
#define FA_KH 0
#define FA_KL (FA_KB * FA_LDD)
#define FA_VH (2 * FA_KB * FA_LDD)
#define FA_VL (3 * FA_KB * FA_LDD)
#define FA_W (4 * FA_KB * FA_LDD)
// A subgroup's staging area (texels): the 16×FA_KB scores (rows of FA_LDS); over them,
// once read, P's hi and lo parts (rows of FA_LDP, lo from 16·FA_LDP); over all of
// them, the key block's 16 × 16·FA_DC output (rows of 4·FA_DC).
#define FA_LDS (FA_KB / 4)
#define FA_LDP (FA_KB / 8 + 1)
#define FA_OC (8 * FA_DC)
#define FA_WS max(max(16 * FA_LDS, 32 * FA_LDP), 64 * FA_DC)
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
// pair e = invocation + 128·i of the block's FA_KB rows × 2·FA_DC, row r token
// min(j0 + r, Tk − 1)) and split into the pool's K and V areas (faPut) once the
// previous block is done with them, so their loads overlap its tensor-core work.
#define FA_PI ((2 * FA_KB * FA_DC + 127) / 128)
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
		if (e < 2 * FA_KB * FA_DC && c * 8 < HEAD_DIM) {
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
		if (e < 2 * FA_KB * FA_DC) {
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
	for (uint j0 = 0; j0 < p.Tk; j0 += FA_KB) {
		faPut();
		barrier();
		if (j0 + FA_KB < p.Tk) {
			faFetch(j0 + FA_KB);
		}
		// // S = Q·Kᵀ for the block's keys, through the staging area.
		FA_ACC s[FA_KT];
		[[unroll]] for (uint t = 0; t < FA_KT; t++) { s[t] = FA_ACC(0.0); }
		[[unroll]] for (uint c = 0; c < FA_DC; c++) {
			[[unroll]] for (uint t = 0; t < FA_KT; t++) {
				FA_IN kh;
				FA_IN kl;
				coopMatLoadNV(kh, faPool, FA_KH + (16 * t) * FA_LDD + 2 * c, FA_LDD, true);
				coopMatLoadNV(kl, faPool, FA_KL + (16 * t) * FA_LDD + 2 * c, FA_LDD, true);
				s[t] = coopMatMulAddNV(qh[c], kh, s[t]);
				s[t] = coopMatMulAddNV(ql[c], kh, s[t]);
				s[t] = coopMatMulAddNV(qh[c], kl, s[t]);
			}
		}
		[[unroll]] for (uint t = 0; t < FA_KT; t++) { coopMatStoreNV(s[t], faPool, ws + 4 * t, FA_LDS, false); }
		subgroupBarrier();
		// // The online softmax of the lane's FA_KB / 2 scores (keys j0 + FA_KB / 2 · hf + i).
		float sc[FA_KB / 2];
		float mb = m;
		[[unroll]] for (uint i = 0; i < FA_KB / 2; i++) {
			float v = uintBitsToFloat(faPool[ws + r * FA_LDS + (FA_KB / 8) * hf + i / 4][i % 4]);
			sc[i] = j0 + (FA_KB / 2) * hf + i < p.Tk ? v : -1e30;
			mb = max(mb, sc[i]);
		}
		mb = max(mb, subgroupShuffleXor(mb, 16));
		float alpha = exp(m - mb);
		float ls = 0.0;
		vec4 x[FA_KB / 8];
		[[unroll]] for (uint i = 0; i < FA_KB / 2; i++) {
			float e = sc[i] > -1e29 ? exp(sc[i] - mb) : 0.0;
			x[i / 4][i % 4] = e;
			ls += e;
		}
		l = l * alpha + (ls + subgroupShuffleXor(ls, 16));
		m = mb;
		subgroupBarrier();
		[[unroll]] for (uint t = 0; t < FA_KB / 16; t++) {
			uvec4 ph;
			uvec4 pl;
			cmSplit(x[2 * t], x[2 * t + 1], ph, pl);
			faPool[ws + r * FA_LDP + (FA_KB / 16) * hf + t] = ph;
			faPool[ws + 16 * FA_LDP + r * FA_LDP + (FA_KB / 16) * hf + t] = pl;
		}
		subgroupBarrier();
		// // The block's P·V from zero, then added to the rescaled output rows.
		FA_ACC ob[FA_DC];
		[[unroll]] for (uint c = 0; c < FA_DC; c++) { ob[c] = FA_ACC(0.0); }
		[[unroll]] for (uint kc = 0; kc < FA_KT; kc++) {
			FA_IN ah;
			FA_IN al;
			coopMatLoadNV(ah, faPool, ws + 2 * kc, FA_LDP, false);
			coopMatLoadNV(al, faPool, ws + 16 * FA_LDP + 2 * kc, FA_LDP, false);
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

package kernels

// The tensor-core kernels (gemm_cm, conv_cm, flash_cm) are GLSL: cooperative matrices
// (VK_NV_cooperative_matrix) exist neither in gosl nor in glslang's HLSL front end. They
// include the gosl-generated HLSL of their family (gemm.hlsl, conv.hlsl) for the weight
// decoding and the epilogue — the same Go functions as every other variant — through
// glslcompat: the extensions they all enable and a few macros that make that HLSL
// valid GLSL.
//
// The inner product runs on 16×16×16 fp16 matrices with fp32 accumulators. The weights
// are fp16 already (the variants exist for fp16 weights only); each activation a is
// split into a_hi (a with its mantissa cut to fp16's 10 bits, exact in fp16) and
// a_lo = fp16(a − a_hi), and both are multiplied, so A keeps 21 bits of mantissa and the
// results stay within the fp32 kernels' tolerances. (a_hi = fp16(a) does not work:
// NVIDIA's compiler folds float(fp16(a)) back to a, making a_lo zero — measured 1e-3
// errors.)
// |a| is clamped to 65504 before the split (a_lo then carries up to another 65504):
// SD's activations are far inside this range, as fp16 inference in diffusers relies on.
// The 16-byte loads need every binding to start 16-byte aligned, as the runtime's
// allocations (64-byte aligned) do.

//gosl: hlsl glslcompat
/*
#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_EXT_control_flow_attributes : require
#define SDGO_GLSL 1
#define static
#define f16tof32(h) unpackHalf2x16(h).x
#define asfloat uintBitsToFloat
*/
//gosl: end glslcompat

// cmSplit packs 8 values into their fp16 hi parts (mantissas cut to 10 bits, so the
// conversion is exact down to fp16's smallest normal, 2⁻¹⁴; below it a few bits of
// order 2⁻²⁵ are lost) and lo parts (the remainders, rounded), 16 bytes each.

//gosl: hlsl cmsplit
/*
void cmSplit(vec4 x0, vec4 x1, out uvec4 hi, out uvec4 lo) {
	vec4 c0 = clamp(x0, -65504.0, 65504.0);
	vec4 c1 = clamp(x1, -65504.0, 65504.0);
	vec4 h0 = uintBitsToFloat(floatBitsToUint(c0) & 0xffffe000u);
	vec4 h1 = uintBitsToFloat(floatBitsToUint(c1) & 0xffffe000u);
	vec4 l0 = x0 - h0;
	vec4 l1 = x1 - h1;
	hi = uvec4(packHalf2x16(h0.xy), packHalf2x16(h0.zw), packHalf2x16(h1.xy), packHalf2x16(h1.zw));
	lo = uvec4(packHalf2x16(l0.xy), packHalf2x16(l0.zw), packHalf2x16(l1.xy), packHalf2x16(l1.zw));
}
*/
//gosl: end cmsplit

// cmloadb is the tensor-core kernels' cmLoadB: CM_BK/2 consecutive k (from k) of the
// fp16 weight row of tile row r as packed pairs — 16 bytes at a time where CM_B_FAST
// (rows of whole 16-byte groups) and the group lies inside the row's CM_B_K k, else
// pair by pair, 0 past CM_B_K. The including kernel defines CM_B_OFF(r) (the row's word
// offset), CM_B_K, CM_B_FAST, CM_W4 (its weights as uvec4s) and CM_LOADW(off, k) (one
// weight as a float), and includes it after the globals those use.

//gosl: hlsl cmloadb
/*
void cmLoadB(uint r, uint k, out uvec4 b[CM_BV]) {
	uint off = CM_B_OFF(r);
	if (CM_B_FAST && k + 8 * CM_BV <= CM_B_K) {
		[[unroll]] for (uint q = 0; q < CM_BV; q++) { b[q] = CM_W4[(off + (k >> 1)) / 4 + q]; }
		return;
	}
	[[unroll]] for (uint q = 0; q < CM_BV; q++) {
		[[unroll]] for (uint j = 0; j < 4; j++) {
			uint k0 = k + 8 * q + 2 * j;
			float v0 = k0 < CM_B_K ? CM_LOADW(off, min(k0, CM_B_K - 1)) : 0.0;
			float v1 = k0 + 1 < CM_B_K ? CM_LOADW(off, min(k0 + 1, CM_B_K - 1)) : 0.0;
			b[q][j] = packHalf2x16(vec2(v0, v1));
		}
	}
}
*/
//gosl: end cmloadb

// cmmain is the body shared by the cooperative-matrix kernels: a workgroup of 256
// invocations (8 subgroups of 32) computes a CM_BM×128 tile of C = A·Bᵀ over the k
// range [kBegin, kEnd) (all of cmK, or one split-K chunk: kBegin and, unless kEnd = cmK,
// kEnd multiples of CM_BK), where the
// including kernel defines how a row of A (cmLoadA: CM_AK consecutive k of row m, 0 past
// cmK) and a row of the tile's weights (cmLoadB: CM_BK/2 consecutive k of tile row r,
// as packed fp16 pairs; cmloadb, given the row's offset) are
// read and how a result is stored (cmStore: row m, tile column c; with cmPaired the
// tile's weight rows are 64 value rows and then their 64 gate rows, and cmStore gets
// the value and its gate together). Each k-step stages CM_BK k of A (as fp16 hi and lo
// parts) and of the weights in shared memory, 16 bytes per store, and loads the next
// step's into registers while the tensor cores work (cm64 takes 64 k per step, cm 32:
// 36 and 30 KiB of shared memory); subgroup (wm, wn) multiplies its CM_FM
// 16-row fragments of A with the tile columns {16·wn, 64 + 16·wn} + 0..15. The results go
// out through a per-subgroup 16×16 staging area in the same shared memory, stored
// column-major where CM_COLMAJOR
// (conv: consecutive invocations then write consecutive pixels of an NCHW channel).
// cmLoadA's loops carry [[unroll]]: without it (the SPIR-V then keeps the loop),
// conv_cm64 took 146 registers instead of 136 on the H100, and the 512² UNet step
// 58.3 instead of 54.7 ms (conv_cm64 at 1280→1280 on 8²: 1.21×).

//gosl: hlsl cmmain
/*
#include "cmsplit.hlsl"
#ifndef CM_BM
#define CM_BM 128
#endif
#ifndef CM_BK
#define CM_BK 32
#endif
#define CM_LDV (CM_BK / 8 + 1)
#define CM_FM (CM_BM / 32)
#define CM_AT (256 / CM_BM)
#define CM_AK (CM_BK / CM_AT)
#define CM_BV (CM_BK / 16)
#define CM_AL (CM_BM * CM_LDV)
#define CM_B0 (2 * CM_AL)
#define CM_POOL max(CM_B0 + 128 * CM_LDV, 1024)
#define CM_ACC fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>
#define CM_IN fcoopmatNV<16, gl_ScopeSubgroup, 16, 16>
shared uvec4 cmPool[CM_POOL];
uint cmK;
bool cmPaired;
void cmLoadA(uint m, uint k, out float a[CM_AK]);
void cmLoadB(uint r, uint k, out uvec4 b[CM_BV]);
void cmStore(uint m, uint c, float v, float g);
void cmMain(uint m0, uint kBegin, uint kEnd) {
	uint t = gl_LocalInvocationIndex;
	uint warp = gl_SubgroupID;
	uint lane = gl_SubgroupInvocationID;
	uint wm = warp / 4;
	uint wn = warp % 4;
	uint ar = t / CM_AT;
	uint ak = (t % CM_AT) * CM_AK;
	uint br = t / 2;
	uint bk = (t % 2) * (CM_BK / 2);
	CM_ACC acc[CM_FM][2];
	[[unroll]] for (uint i = 0; i < CM_FM; i++) {
		acc[i][0] = CM_ACC(0.0);
		acc[i][1] = CM_ACC(0.0);
	}
	float a[CM_AK];
	uvec4 b[CM_BV];
	cmLoadA(m0 + ar, kBegin + ak, a);
	cmLoadB(br, kBegin + bk, b);
	for (uint k0 = kBegin; k0 < kEnd; k0 += CM_BK) {
		[[unroll]] for (uint q = 0; q < CM_AK; q += 8) {
			uvec4 hi;
			uvec4 lo;
			cmSplit(vec4(a[q], a[q + 1], a[q + 2], a[q + 3]), vec4(a[q + 4], a[q + 5], a[q + 6], a[q + 7]), hi, lo);
			cmPool[ar * CM_LDV + (ak + q) / 8] = hi;
			cmPool[CM_AL + ar * CM_LDV + (ak + q) / 8] = lo;
		}
		[[unroll]] for (uint q = 0; q < CM_BV; q++) { cmPool[CM_B0 + br * CM_LDV + bk / 8 + q] = b[q]; }
		barrier();
		if (k0 + CM_BK < kEnd) {
			cmLoadA(m0 + ar, k0 + CM_BK + ak, a);
			cmLoadB(br, k0 + CM_BK + bk, b);
		}
		[[unroll]] for (uint kk = 0; kk < CM_BK / 8; kk += 2) {
			CM_IN b0;
			CM_IN b1;
			coopMatLoadNV(b0, cmPool, CM_B0 + (wn * 16) * CM_LDV + kk, CM_LDV, true);
			coopMatLoadNV(b1, cmPool, CM_B0 + (64 + wn * 16) * CM_LDV + kk, CM_LDV, true);
			[[unroll]] for (uint i = 0; i < CM_FM; i++) {
				uint r = (wm * CM_FM + i) * 16;
				CM_IN ah;
				CM_IN al;
				coopMatLoadNV(ah, cmPool, r * CM_LDV + kk, CM_LDV, false);
				coopMatLoadNV(al, cmPool, CM_AL + r * CM_LDV + kk, CM_LDV, false);
				acc[i][0] = coopMatMulAddNV(ah, b0, acc[i][0]);
				acc[i][0] = coopMatMulAddNV(al, b0, acc[i][0]);
				acc[i][1] = coopMatMulAddNV(ah, b1, acc[i][1]);
				acc[i][1] = coopMatMulAddNV(al, b1, acc[i][1]);
			}
		}
		barrier();
	}
	// // The staging areas (128 texels of 16×16 floats per subgroup) reuse the pool.
	uint cs = warp * 128;
	[[unroll]] for (uint i = 0; i < CM_FM; i++) {
		coopMatStoreNV(acc[i][0], cmPool, cs, 4, CM_COLMAJOR);
		coopMatStoreNV(acc[i][1], cmPool, cs + 64, 4, CM_COLMAJOR);
		barrier();
		uint mr = m0 + (wm * CM_FM + i) * 16;
		for (uint e = lane; e < 256; e += 32) {
			uint r = CM_COLMAJOR ? e % 16 : e / 16;
			uint c = CM_COLMAJOR ? e / 16 : e % 16;
			float v = uintBitsToFloat(cmPool[cs + e / 4][e % 4]);
			float w = uintBitsToFloat(cmPool[cs + 64 + e / 4][e % 4]);
			if (cmPaired) {
				cmStore(mr + r, wn * 16 + c, v, w);
			} else {
				cmStore(mr + r, wn * 16 + c, v, 0.0);
				cmStore(mr + r, 64 + wn * 16 + c, w, 0.0);
			}
		}
		barrier();
	}
}
*/
//gosl: end cmmain

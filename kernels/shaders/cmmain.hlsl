#ifndef __CMMAIN_HLSL__
#define __CMMAIN_HLSL__


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
#endif // __CMMAIN_HLSL__

#ifndef __CMMAIN_HLSL__
#define __CMMAIN_HLSL__


#ifndef CM_BM
#define CM_BM 128
#endif
#define CM_BK 32
#define CM_LD 40
#define CM_FM (CM_BM / 32)
#define CM_AT (256 / CM_BM)
#define CM_AK (CM_BK / CM_AT)
#define CM_ACC fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>
#define CM_IN fcoopmatNV<16, gl_ScopeSubgroup, 16, 16>
shared float16_t cmAh[CM_BM * CM_LD];
shared float16_t cmAl[CM_BM * CM_LD];
shared float16_t cmBs[128 * CM_LD];
shared float cmCs[8 * 512];
uint cmK;
bool cmPaired;
void cmLoadA(uint m, uint k, out float a[CM_AK]);
void cmLoadB(uint r, uint k, out float b[16]);
void cmStore(uint m, uint c, float v, float g);
void cmMain(uint m0) {
	uint t = gl_LocalInvocationIndex;
	uint warp = gl_SubgroupID;
	uint lane = gl_SubgroupInvocationID;
	uint wm = warp / 4;
	uint wn = warp % 4;
	uint ar = t / CM_AT;
	uint ak = (t % CM_AT) * CM_AK;
	uint br = t / 2;
	uint bk = (t % 2) * 16;
	CM_ACC acc[CM_FM][2];
	[[unroll]] for (uint i = 0; i < CM_FM; i++) {
		acc[i][0] = CM_ACC(0.0);
		acc[i][1] = CM_ACC(0.0);
	}
	float a[CM_AK];
	float b[16];
	cmLoadA(m0 + ar, ak, a);
	cmLoadB(br, bk, b);
	for (uint k0 = 0; k0 < cmK; k0 += CM_BK) {
		[[unroll]] for (uint q = 0; q < CM_AK; q++) {
			float x = clamp(a[q], -65504.0, 65504.0);
			float h = uintBitsToFloat(floatBitsToUint(x) & 0xffffe000u);
			cmAh[ar * CM_LD + ak + q] = float16_t(h);
			cmAl[ar * CM_LD + ak + q] = float16_t(a[q] - h);
		}
		[[unroll]] for (uint q = 0; q < 16; q++) { cmBs[br * CM_LD + bk + q] = float16_t(b[q]); }
		barrier();
		if (k0 + CM_BK < cmK) {
			cmLoadA(m0 + ar, k0 + CM_BK + ak, a);
			cmLoadB(br, k0 + CM_BK + bk, b);
		}
		[[unroll]] for (uint kk = 0; kk < CM_BK; kk += 16) {
			CM_IN b0;
			CM_IN b1;
			coopMatLoadNV(b0, cmBs, (wn * 16) * CM_LD + kk, CM_LD, true);
			coopMatLoadNV(b1, cmBs, (64 + wn * 16) * CM_LD + kk, CM_LD, true);
			[[unroll]] for (uint i = 0; i < CM_FM; i++) {
				uint r = (wm * CM_FM + i) * 16;
				CM_IN ah;
				CM_IN al;
				coopMatLoadNV(ah, cmAh, r * CM_LD + kk, CM_LD, false);
				coopMatLoadNV(al, cmAl, r * CM_LD + kk, CM_LD, false);
				acc[i][0] = coopMatMulAddNV(ah, b0, acc[i][0]);
				acc[i][0] = coopMatMulAddNV(al, b0, acc[i][0]);
				acc[i][1] = coopMatMulAddNV(ah, b1, acc[i][1]);
				acc[i][1] = coopMatMulAddNV(al, b1, acc[i][1]);
			}
		}
		barrier();
	}
	uint cs = warp * 512;
	[[unroll]] for (uint i = 0; i < CM_FM; i++) {
		coopMatStoreNV(acc[i][0], cmCs, cs, 16, CM_COLMAJOR);
		coopMatStoreNV(acc[i][1], cmCs, cs + 256, 16, CM_COLMAJOR);
		barrier();
		uint mr = m0 + (wm * CM_FM + i) * 16;
		for (uint e = lane; e < 256; e += 32) {
			uint r = CM_COLMAJOR ? e % 16 : e / 16;
			uint c = CM_COLMAJOR ? e / 16 : e % 16;
			float v = cmCs[cs + e];
			float w = cmCs[cs + 256 + e];
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

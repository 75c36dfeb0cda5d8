#ifndef __CMLOADB_HLSL__
#define __CMLOADB_HLSL__


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
#endif // __CMLOADB_HLSL__

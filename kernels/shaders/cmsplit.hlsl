#ifndef __CMSPLIT_HLSL__
#define __CMSPLIT_HLSL__


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
#endif // __CMSPLIT_HLSL__

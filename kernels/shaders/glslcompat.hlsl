#ifndef __GLSLCOMPAT_HLSL__
#define __GLSLCOMPAT_HLSL__


#define SDGO_GLSL 1
#define static
#define f16tof32(h) unpackHalf2x16(h).x
#define asfloat uintBitsToFloat
#endif // __GLSLCOMPAT_HLSL__

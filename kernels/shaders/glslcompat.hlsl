#ifndef __GLSLCOMPAT_HLSL__
#define __GLSLCOMPAT_HLSL__


#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_EXT_control_flow_attributes : require
#define SDGO_GLSL 1
#define static
#define f16tof32(h) unpackHalf2x16(h).x
#define asfloat uintBitsToFloat
#endif // __GLSLCOMPAT_HLSL__

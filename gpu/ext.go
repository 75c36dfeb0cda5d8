package gpu

// The goki/vulkan bindings stop at Vulkan 1.0 entry points, so the 1.1 queries this
// runtime needs (subgroup size, driver name, 16-bit features, cooperative matrices) go through
// vkGetInstanceProcAddr here. The structs are declared by hand with their Vulkan
// sType values; only their leading fields are read.

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef void* (*sdgo_gipa)(void* instance, const char* name);
typedef void (*sdgo_query2)(void* physicalDevice, void* out);

typedef struct { uint32_t sType; void* pNext; } sdgo_header;

// VkPhysicalDeviceSubgroupProperties
typedef struct { uint32_t sType; void* pNext; uint32_t subgroupSize; uint32_t stages; uint32_t ops; uint32_t quad; } sdgo_subgroup;
// VkPhysicalDeviceDriverProperties
typedef struct { uint32_t sType; void* pNext; uint32_t driverID; char name[256]; char info[256]; uint8_t conformance[4]; } sdgo_driver;
// VkPhysicalDeviceShaderFloat16Int8Features
typedef struct { uint32_t sType; void* pNext; uint32_t float16; uint32_t int8; } sdgo_f16i8;
// VkPhysicalDevice16BitStorageFeatures
typedef struct { uint32_t sType; void* pNext; uint32_t storageBuffer16; uint32_t uniformStorage16; uint32_t pushConstant16; uint32_t inputOutput16; } sdgo_storage16;

// VkPhysicalDeviceCooperativeMatrixFeaturesNV
typedef struct { uint32_t sType; void* pNext; uint32_t coopmat; uint32_t robust; } sdgo_coopmat;
// VkPhysicalDeviceVulkanMemoryModelFeatures
typedef struct { uint32_t sType; void* pNext; uint32_t model; uint32_t deviceScope; uint32_t chains; } sdgo_memmodel;
// VkCooperativeMatrixPropertiesNV
typedef struct { uint32_t sType; void* pNext; uint32_t m, n, k, a, b, c, d, scope; } sdgo_cmprops;
// VkExtensionProperties
typedef struct { char name[256]; uint32_t version; } sdgo_extprops;
typedef int32_t (*sdgo_cmquery)(void* physicalDevice, uint32_t* n, sdgo_cmprops* props);
typedef int32_t (*sdgo_enumext)(void* physicalDevice, const char* layer, uint32_t* n, sdgo_extprops* props);

typedef struct {
	sdgo_subgroup subgroup;
	sdgo_driver driver;
	sdgo_f16i8 f16;
	sdgo_storage16 s16;
	sdgo_coopmat coopmat;
	sdgo_memmodel memmodel;
	int coopmatExt;  // VK_NV_cooperative_matrix is listed
	int coopmat16;   // 16x16x16 fp16 x fp16 + fp32 at subgroup scope is listed
	int ok;
} sdgo_ext;

static void* sdgo_lib;

// sdgo_proc returns the entry point name (through vkGetInstanceProcAddr).
void* sdgo_proc(void* instance, const char* name) {
	if (!sdgo_lib) sdgo_lib = dlopen("libvulkan.so.1", RTLD_LAZY);
	if (!sdgo_lib) return 0;
	sdgo_gipa gipa = (sdgo_gipa)dlsym(sdgo_lib, "vkGetInstanceProcAddr");
	if (!gipa) return 0;
	return gipa(instance, name);
}

// sdgo_has_ext reports whether the device lists extension name.
static int sdgo_has_ext(void* instance, void* pd, const char* name) {
	sdgo_enumext enumext = (sdgo_enumext)sdgo_proc(instance, "vkEnumerateDeviceExtensionProperties");
	uint32_t n = 0;
	if (!enumext || enumext(pd, 0, &n, 0) != 0 || n == 0) return 0;
	sdgo_extprops* props = calloc(n, sizeof(sdgo_extprops));
	int found = 0;
	if (enumext(pd, 0, &n, props) == 0) {
		for (uint32_t i = 0; i < n; i++) {
			if (strcmp(props[i].name, name) == 0) found = 1;
		}
	}
	free(props);
	return found;
}

// sdgo_coopmat16 reports whether the device lists 16x16x16 cooperative matrices of
// fp16 A and B with fp32 C and D at subgroup scope.
static int sdgo_coopmat16(void* instance, void* pd) {
	sdgo_cmquery query = (sdgo_cmquery)sdgo_proc(instance, "vkGetPhysicalDeviceCooperativeMatrixPropertiesNV");
	uint32_t n = 0;
	if (!query || query(pd, &n, 0) != 0 || n == 0) return 0;
	sdgo_cmprops* props = calloc(n, sizeof(sdgo_cmprops));
	for (uint32_t i = 0; i < n; i++) props[i].sType = 1000249001;
	int found = 0;
	if (query(pd, &n, props) == 0) {
		for (uint32_t i = 0; i < n; i++) {
			sdgo_cmprops* p = &props[i];
			if (p->m == 16 && p->n == 16 && p->k == 16 && p->a == 0 && p->b == 0 && p->c == 1 && p->d == 1 && p->scope == 3) found = 1;
		}
	}
	free(props);
	return found;
}

static void sdgo_query(void* instance, void* pd, sdgo_ext* e) {
	memset(e, 0, sizeof(*e));
	sdgo_query2 props2 = (sdgo_query2)sdgo_proc(instance, "vkGetPhysicalDeviceProperties2");
	sdgo_query2 feats2 = (sdgo_query2)sdgo_proc(instance, "vkGetPhysicalDeviceFeatures2");
	if (!props2 || !feats2) return;
	// VkPhysicalDeviceProperties2 / Features2 hold large 1.0 structs after the header;
	// 4 KiB covers both.
	void* p = calloc(1, 4096);
	e->subgroup.sType = 1000094000;
	e->driver.sType = 1000196000;
	e->subgroup.pNext = &e->driver;
	((sdgo_header*)p)->sType = 1000059001;
	((sdgo_header*)p)->pNext = &e->subgroup;
	props2(pd, p);
	memset(p, 0, 4096);
	e->f16.sType = 1000082000;
	e->s16.sType = 1000083000;
	e->f16.pNext = &e->s16;
	e->coopmatExt = sdgo_has_ext(instance, pd, "VK_NV_cooperative_matrix");
	if (e->coopmatExt) {
		e->coopmat.sType = 1000249000;
		e->memmodel.sType = 1000211000;
		e->s16.pNext = &e->coopmat;
		e->coopmat.pNext = &e->memmodel;
	}
	((sdgo_header*)p)->sType = 1000059000;
	((sdgo_header*)p)->pNext = &e->f16;
	feats2(pd, p);
	free(p);
	e->subgroup.pNext = 0; e->driver.pNext = 0; e->f16.pNext = 0; e->s16.pNext = 0;
	e->coopmat.pNext = 0; e->memmodel.pNext = 0;
	if (e->coopmatExt) e->coopmat16 = sdgo_coopmat16(instance, pd);
	e->ok = 1;
}

// sdgo_feature_chain returns a malloc'ed pNext chain enabling 16-bit storage and
// float16, and with coopmat set cooperative matrices and the Vulkan memory model
// (which the cooperative-matrix shaders declare).
static void* sdgo_feature_chain(uint32_t float16, uint32_t storage16, uint32_t coopmat) {
	sdgo_f16i8* f = calloc(1, sizeof(sdgo_f16i8) + sizeof(sdgo_storage16) + sizeof(sdgo_coopmat) + sizeof(sdgo_memmodel));
	sdgo_storage16* s = (sdgo_storage16*)(f + 1);
	sdgo_coopmat* c = (sdgo_coopmat*)(s + 1);
	sdgo_memmodel* m = (sdgo_memmodel*)(c + 1);
	f->sType = 1000082000; f->float16 = float16; f->pNext = s;
	s->sType = 1000083000; s->storageBuffer16 = storage16;
	if (coopmat) {
		s->pNext = c;
		c->sType = 1000249000; c->coopmat = 1; c->pNext = m;
		m->sType = 1000211000; m->model = 1;
	}
	return f;
}
*/
import "C"

import (
	"unsafe"

	vk "github.com/goki/vulkan"
)

// extInfo is what the Vulkan 1.1 queries report about a physical device.
type extInfo struct {
	ok           bool
	subgroupSize int
	// subgroupShuffle: compute shaders have subgroup shuffles (flash_cm's row halves
	// meet through one).
	subgroupShuffle bool
	driverName      string
	driverInfo      string
	float16         bool
	storage16       bool
	// coopMatrix: VK_NV_cooperative_matrix with its feature, 16×16×16 fp16 matrices with
	// fp32 accumulators, and the Vulkan memory model its shaders need.
	coopMatrix bool
}

func queryExt(inst vk.Instance, pd vk.PhysicalDevice) extInfo {
	var e C.sdgo_ext
	C.sdgo_query(unsafe.Pointer(inst), unsafe.Pointer(pd), &e)
	if e.ok == 0 {
		return extInfo{}
	}
	return extInfo{
		ok:           true,
		subgroupSize: int(e.subgroup.subgroupSize),
		// VK_SHADER_STAGE_COMPUTE_BIT, VK_SUBGROUP_FEATURE_SHUFFLE_BIT
		subgroupShuffle: e.subgroup.stages&0x20 != 0 && e.subgroup.ops&0x10 != 0,
		driverName:      C.GoString(&e.driver.name[0]),
		driverInfo:      C.GoString(&e.driver.info[0]),
		float16:         e.f16.float16 != 0,
		storage16:       e.s16.storageBuffer16 != 0,
		coopMatrix:      e.coopmatExt != 0 && e.coopmat.coopmat != 0 && e.memmodel.model != 0 && e.coopmat16 != 0,
	}
}

// featureChain allocates (in C memory) the pNext chain that enables the 16-bit
// features and, with coopMatrix, cooperative matrices at device creation; free it with
// freeChain after vkCreateDevice.
func featureChain(float16, storage16, coopMatrix bool) unsafe.Pointer {
	b := func(v bool) C.uint32_t {
		if v {
			return 1
		}
		return 0
	}
	return C.sdgo_feature_chain(b(float16), b(storage16), b(coopMatrix))
}

func freeChain(p unsafe.Pointer) { C.free(p) }

package gpu

// The Vulkan calls whose arguments hold arrays or pointers go through these C functions
// instead of the goki/vulkan bindings, which are unsafe under Go's garbage collector
// there: they copy arrays of structs into C memory that they free from finalizers,
// which a collection can run while the driver still reads it, and for arrays of
// numbers or handles (pCode, pSetLayouts, pCommandBuffers, …) they store a pointer to
// the caller's Go memory in C memory, where nothing keeps it alive. lavapipe crashed in
// vkCreateComputePipelines (which compiles for seconds) when a collection ran
// meanwhile, walking the create info's pNext chain through memory that a finalizer had
// freed and malloc handed out again: reproduced by creating pipelines while another
// goroutine allocates (TestPipelinesUnderGC). Here the structs live in C for the call,
// and Go memory reaches C only as a call's argument (and, within sdgo_update_set, from
// the C structs it builds for that call). Handles are void*, as the 64-bit ABI lays
// them out (asserted below), and the structs are declared by hand like ext.go's.

/*
#include <stdint.h>
#include <stdlib.h>

void* sdgo_proc(void* instance, const char* name); // ext.go

_Static_assert(sizeof(void*) == 8, "sdgo's Vulkan calls pass 64-bit handles as pointers");

// VkPipelineShaderStageCreateInfo
typedef struct { uint32_t sType; const void* pNext; uint32_t flags; uint32_t stage; void* module; const char* pName; const void* spec; } sdgo_stage_info;
// VkComputePipelineCreateInfo
typedef struct { uint32_t sType; const void* pNext; uint32_t flags; sdgo_stage_info stage; void* layout; void* base; int32_t baseIndex; } sdgo_pipeline_info;
// VkSubmitInfo
typedef struct { uint32_t sType; const void* pNext; uint32_t waits; const void* pWaits; const void* pStages; uint32_t cmds; void* const* pCmds; uint32_t signals; const void* pSignals; } sdgo_submit_info;
// VkDescriptorBufferInfo
typedef struct { void* buffer; uint64_t offset; uint64_t range; } sdgo_buffer_info;
// VkWriteDescriptorSet
typedef struct { uint32_t sType; const void* pNext; void* set; uint32_t binding; uint32_t element; uint32_t count; uint32_t type; const void* pImage; const sdgo_buffer_info* pBuffer; void* const* pView; } sdgo_write;
// VkMemoryBarrier
typedef struct { uint32_t sType; const void* pNext; uint32_t src; uint32_t dst; } sdgo_barrier;
// VkBufferCopy
typedef struct { uint64_t src; uint64_t dst; uint64_t size; } sdgo_copy;
// VkDescriptorSetLayoutBinding
typedef struct { uint32_t binding; uint32_t type; uint32_t count; uint32_t stages; const void* samplers; } sdgo_binding;
// VkDescriptorSetLayoutCreateInfo
typedef struct { uint32_t sType; const void* pNext; uint32_t flags; uint32_t n; const sdgo_binding* p; } sdgo_set_layout_info;
// VkPushConstantRange
typedef struct { uint32_t stages; uint32_t offset; uint32_t size; } sdgo_push_range;
// VkPipelineLayoutCreateInfo
typedef struct { uint32_t sType; const void* pNext; uint32_t flags; uint32_t sets; void* const* pSets; uint32_t ranges; const sdgo_push_range* pRanges; } sdgo_layout_info;
// VkDescriptorPoolSize, VkDescriptorPoolCreateInfo
typedef struct { uint32_t type; uint32_t count; } sdgo_pool_size;
typedef struct { uint32_t sType; const void* pNext; uint32_t flags; uint32_t maxSets; uint32_t n; const sdgo_pool_size* p; } sdgo_pool_info;

// VkShaderModuleCreateInfo, VkDescriptorSetAllocateInfo, VkPipelineCacheCreateInfo
typedef struct { uint32_t sType; const void* pNext; uint32_t flags; size_t size; const uint32_t* code; } sdgo_module_info;
typedef struct { uint32_t sType; const void* pNext; void* pool; uint32_t n; void* const* layouts; } sdgo_set_info;
typedef struct { uint32_t sType; const void* pNext; uint32_t flags; size_t size; const void* data; } sdgo_cache_info;
// VkQueueFamilyProperties
typedef struct { uint32_t flags; uint32_t count; uint32_t timestampBits; uint32_t w, h, d; } sdgo_family;
// VkDeviceQueueCreateInfo, VkDeviceCreateInfo
typedef struct { uint32_t sType; const void* pNext; uint32_t flags; uint32_t family; uint32_t count; const float* priorities; } sdgo_queue_info;
typedef struct { uint32_t sType; const void* pNext; uint32_t flags; uint32_t queues; const sdgo_queue_info* pQueues; uint32_t layers; const char* const* pLayers; uint32_t exts; const char* const* pExts; const void* features; } sdgo_device_info;

// sdgo_fns holds the device-level entry points these calls use.
typedef struct {
	int32_t (*createShaderModule)(void*, const sdgo_module_info*, const void*, void**);
	int32_t (*allocateDescriptorSets)(void*, const sdgo_set_info*, void**);
	int32_t (*createPipelineCache)(void*, const sdgo_cache_info*, const void*, void**);
	int32_t (*createComputePipelines)(void*, void*, uint32_t, const sdgo_pipeline_info*, const void*, void**);
	int32_t (*queueSubmit)(void*, uint32_t, const sdgo_submit_info*, void*);
	void (*updateDescriptorSets)(void*, uint32_t, const sdgo_write*, uint32_t, const void*);
	void (*cmdPipelineBarrier)(void*, uint32_t, uint32_t, uint32_t, uint32_t, const sdgo_barrier*, uint32_t, const void*, uint32_t, const void*);
	void (*cmdCopyBuffer)(void*, void*, void*, uint32_t, const sdgo_copy*);
	int32_t (*createDescriptorSetLayout)(void*, const sdgo_set_layout_info*, const void*, void**);
	int32_t (*createPipelineLayout)(void*, const sdgo_layout_info*, const void*, void**);
	int32_t (*createDescriptorPool)(void*, const sdgo_pool_info*, const void*, void**);
} sdgo_fns;

static int sdgo_load_fns(void* instance, sdgo_fns* f) {
	f->createShaderModule = sdgo_proc(instance, "vkCreateShaderModule");
	f->allocateDescriptorSets = sdgo_proc(instance, "vkAllocateDescriptorSets");
	f->createPipelineCache = sdgo_proc(instance, "vkCreatePipelineCache");
	f->createComputePipelines = sdgo_proc(instance, "vkCreateComputePipelines");
	f->queueSubmit = sdgo_proc(instance, "vkQueueSubmit");
	f->updateDescriptorSets = sdgo_proc(instance, "vkUpdateDescriptorSets");
	f->cmdPipelineBarrier = sdgo_proc(instance, "vkCmdPipelineBarrier");
	f->cmdCopyBuffer = sdgo_proc(instance, "vkCmdCopyBuffer");
	f->createDescriptorSetLayout = sdgo_proc(instance, "vkCreateDescriptorSetLayout");
	f->createPipelineLayout = sdgo_proc(instance, "vkCreatePipelineLayout");
	f->createDescriptorPool = sdgo_proc(instance, "vkCreateDescriptorPool");
	return f->createShaderModule && f->allocateDescriptorSets && f->createPipelineCache && f->createComputePipelines && f->queueSubmit && f->updateDescriptorSets && f->cmdPipelineBarrier &&
		f->cmdCopyBuffer && f->createDescriptorSetLayout && f->createPipelineLayout && f->createDescriptorPool;
}

// sdgo_compute_family finds the first queue family with compute (VK_QUEUE_COMPUTE_BIT)
// and its timestamp bits.
static int sdgo_compute_family(void* instance, void* pd, uint32_t* family, uint32_t* timestampBits) {
	void (*get)(void*, uint32_t*, sdgo_family*) = sdgo_proc(instance, "vkGetPhysicalDeviceQueueFamilyProperties");
	uint32_t n = 0;
	if (!get) return 0;
	get(pd, &n, 0);
	sdgo_family* fs = calloc(n ? n : 1, sizeof(sdgo_family));
	if (!fs) return 0;
	get(pd, &n, fs);
	int found = 0;
	for (uint32_t i = 0; i < n && !found; i++) {
		if (fs[i].flags & 2) {
			*family = i;
			*timestampBits = fs[i].timestampBits;
			found = 1;
		}
	}
	free(fs);
	return found;
}

// sdgo_create_device makes a device with one queue of family, the features of chain
// and, with coopmat, VK_NV_cooperative_matrix.
static int32_t sdgo_create_device(void* instance, void* pd, uint32_t family, const void* chain, int coopmat, void** device) {
	int32_t (*create)(void*, const sdgo_device_info*, const void*, void**) = sdgo_proc(instance, "vkCreateDevice");
	if (!create) return -3; // VK_ERROR_INITIALIZATION_FAILED
	float priority = 1;
	sdgo_queue_info q = {2, 0, 0, family, 1, &priority};
	const char* exts[] = {"VK_NV_cooperative_matrix"};
	sdgo_device_info info = {3, chain, 0, 1, &q, 0, 0, coopmat ? 1 : 0, exts, 0};
	return create(pd, &info, 0, device);
}

static int32_t sdgo_create_module(sdgo_fns* f, void* device, const uint32_t* code, size_t size, void** module) {
	sdgo_module_info info = {16, 0, 0, size, code};
	return f->createShaderModule(device, &info, 0, module);
}

static int32_t sdgo_allocate_set(sdgo_fns* f, void* device, void* pool, void* layout, void** set) {
	sdgo_set_info info = {34, 0, pool, 1, &layout};
	return f->allocateDescriptorSets(device, &info, set);
}

static int32_t sdgo_create_cache(sdgo_fns* f, void* device, const void* data, size_t size, void** cache) {
	sdgo_cache_info info = {17, 0, 0, size, data};
	return f->createPipelineCache(device, &info, 0, cache);
}

static int32_t sdgo_create_compute_pipeline(sdgo_fns* f, void* device, void* cache, void* module, void* layout, void** pipeline) {
	sdgo_pipeline_info info = {29, 0, 0, {18, 0, 0, 0x20, module, "main", 0}, layout, 0, -1};
	return f->createComputePipelines(device, cache, 1, &info, 0, pipeline);
}

static int32_t sdgo_queue_submit(sdgo_fns* f, void* queue, void* cmd, void* fence) {
	sdgo_submit_info info = {4, 0, 0, 0, 0, 1, &cmd, 0, 0};
	return f->queueSubmit(queue, 1, &info, fence);
}

// sdgo_update_set writes descriptor set's bindings 0..n-1: a uniform texel buffer
// where views[i] is set, else the storage buffer range bufs[i].
static int32_t sdgo_update_set(sdgo_fns* f, void* device, void* set, uint32_t n, const sdgo_buffer_info* bufs, void* const* views) {
	sdgo_write* w = calloc(n, sizeof(sdgo_write));
	if (!w) return -1; // VK_ERROR_OUT_OF_HOST_MEMORY
	for (uint32_t i = 0; i < n; i++) {
		w[i] = (sdgo_write){35, 0, set, i, 0, 1, views[i] ? 4 : 7, 0, views[i] ? 0 : &bufs[i], views[i] ? &views[i] : 0};
	}
	f->updateDescriptorSets(device, n, w, 0, 0);
	free(w);
	return 0;
}

static void sdgo_barrier_cmd(sdgo_fns* f, void* cmd, uint32_t srcStages, uint32_t dstStages, uint32_t srcAccess, uint32_t dstAccess) {
	sdgo_barrier b = {46, 0, srcAccess, dstAccess};
	f->cmdPipelineBarrier(cmd, srcStages, dstStages, 0, 1, &b, 0, 0, 0, 0);
}

static void sdgo_copy_cmd(sdgo_fns* f, void* cmd, void* src, uint64_t srcOff, void* dst, uint64_t dstOff, uint64_t n) {
	sdgo_copy c = {srcOff, dstOff, n};
	f->cmdCopyBuffer(cmd, src, dst, 1, &c);
}

// sdgo_create_set_layout makes a compute-stage layout of n bindings of types[i].
static int32_t sdgo_create_set_layout(sdgo_fns* f, void* device, uint32_t n, const uint32_t* types, void** layout) {
	sdgo_binding* b = calloc(n ? n : 1, sizeof(sdgo_binding));
	if (!b) return -1; // VK_ERROR_OUT_OF_HOST_MEMORY
	for (uint32_t i = 0; i < n; i++) b[i] = (sdgo_binding){i, types[i], 1, 0x20, 0};
	sdgo_set_layout_info info = {32, 0, 0, n, b};
	int32_t r = f->createDescriptorSetLayout(device, &info, 0, layout);
	free(b);
	return r;
}

// sdgo_create_pipeline_layout makes a layout of one set and, with push > 0, push
// constants of that many bytes.
static int32_t sdgo_create_pipeline_layout(sdgo_fns* f, void* device, void* set, uint32_t push, void** layout) {
	sdgo_push_range r = {0x20, 0, push};
	sdgo_layout_info info = {30, 0, 0, 1, &set, push ? 1 : 0, push ? &r : 0};
	return f->createPipelineLayout(device, &info, 0, layout);
}

// sdgo_create_pool makes a pool of maxSets sets holding storage storage buffers and
// texels uniform texel buffers.
static int32_t sdgo_create_pool(sdgo_fns* f, void* device, uint32_t maxSets, uint32_t storage, uint32_t texels, void** pool) {
	sdgo_pool_size s[2] = {{7, storage}, {4, texels}};
	sdgo_pool_info info = {33, 0, 0, maxSets, texels ? 2 : 1, s};
	return f->createDescriptorPool(device, &info, 0, pool);
}
*/
import "C"

import (
	"errors"
	"unsafe"

	vk "github.com/goki/vulkan"
)

// vkFns are a device's entry points for the calls in this file.
type vkFns = C.sdgo_fns

// loadFns looks up the device-level entry points of the calls in this file.
func (d *Device) loadFns() error {
	if C.sdgo_load_fns(ptr(d.inst), &d.fns) == 0 {
		return errors.New("the Vulkan loader lacks a core 1.0 entry point")
	}
	return nil
}

// ptr turns a Vulkan handle (a C pointer in the bindings) into the void* the C calls take.
func ptr[H any](h H) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&h)) }

// handle turns a void* a C call returned into the bindings' handle type H (ptr's inverse).
func handle[H any](p unsafe.Pointer) H { return *(*H)(unsafe.Pointer(&p)) }

// computeFamily finds pd's first queue family with compute, and its timestamp bits.
func computeFamily(inst vk.Instance, pd vk.PhysicalDevice) (family, timestampBits uint32, ok bool) {
	var f, ts C.uint32_t
	ok = C.sdgo_compute_family(ptr(inst), ptr(pd), &f, &ts) != 0
	return uint32(f), uint32(ts), ok
}

// createDevice makes a device with one queue of family, the features of chain (C
// memory, see featureChain) and, with coopMatrix, VK_NV_cooperative_matrix.
func createDevice(inst vk.Instance, pd vk.PhysicalDevice, family uint32, chain unsafe.Pointer, coopMatrix bool) (vk.Device, vk.Result) {
	cm := C.int(0)
	if coopMatrix {
		cm = 1
	}
	var dev unsafe.Pointer
	r := C.sdgo_create_device(ptr(inst), ptr(pd), C.uint32_t(family), chain, cm, &dev)
	return handle[vk.Device](dev), vk.Result(r)
}

// createModule makes a shader module of SPIR-V words.
func (d *Device) createModule(words []uint32) (vk.ShaderModule, vk.Result) {
	var m unsafe.Pointer
	r := C.sdgo_create_module(&d.fns, ptr(d.dev), (*C.uint32_t)(&words[0]), C.size_t(4*len(words)), &m)
	return handle[vk.ShaderModule](m), vk.Result(r)
}

// allocateSet allocates a descriptor set of layout from pool.
func (d *Device) allocateSet(pool vk.DescriptorPool, layout vk.DescriptorSetLayout) (vk.DescriptorSet, vk.Result) {
	var s unsafe.Pointer
	r := C.sdgo_allocate_set(&d.fns, ptr(d.dev), ptr(pool), ptr(layout), &s)
	return handle[vk.DescriptorSet](s), vk.Result(r)
}

// createCache makes a pipeline cache holding data (none if empty).
func (d *Device) createCache(data []byte) (vk.PipelineCache, vk.Result) {
	var p unsafe.Pointer
	if len(data) > 0 {
		p = unsafe.Pointer(&data[0])
	}
	var c unsafe.Pointer
	r := C.sdgo_create_cache(&d.fns, ptr(d.dev), p, C.size_t(len(data)), &c)
	return handle[vk.PipelineCache](c), vk.Result(r)
}

// createComputePipeline compiles module's "main" with layout.
func (d *Device) createComputePipeline(module vk.ShaderModule, layout vk.PipelineLayout) (vk.Pipeline, vk.Result) {
	var p unsafe.Pointer
	r := C.sdgo_create_compute_pipeline(&d.fns, ptr(d.dev), ptr(d.cache.handle), ptr(module), ptr(layout), &p)
	return handle[vk.Pipeline](p), vk.Result(r)
}

// queueSubmit submits one command buffer, signalling fence.
func (d *Device) queueSubmit(cmd vk.CommandBuffer, fence vk.Fence) vk.Result {
	return vk.Result(C.sdgo_queue_submit(&d.fns, ptr(d.queue), ptr(cmd), ptr(fence)))
}

// descriptor is what binding i of a set points at: a uniform texel buffer view, or a
// storage buffer range.
type descriptor struct {
	view             vk.BufferView
	buf              vk.Buffer
	offset, rangeLen uint64
}

// updateSet writes the descriptors of set's bindings 0..len(ds)-1.
func (d *Device) updateSet(set vk.DescriptorSet, ds []descriptor) vk.Result {
	if len(ds) == 0 {
		return vk.Success
	}
	bufs := make([]C.sdgo_buffer_info, len(ds))
	views := make([]unsafe.Pointer, len(ds)) // handles: C pointers, not Go memory
	for i, x := range ds {
		views[i] = ptr(x.view)
		bufs[i] = C.sdgo_buffer_info{buffer: ptr(x.buf), offset: C.uint64_t(x.offset), _range: C.uint64_t(x.rangeLen)}
	}
	return vk.Result(C.sdgo_update_set(&d.fns, ptr(d.dev), ptr(set), C.uint32_t(len(ds)), &bufs[0], &views[0]))
}

// cmdBarrier records a memory barrier.
func (d *Device) cmdBarrier(cmd vk.CommandBuffer, srcStages, dstStages vk.PipelineStageFlags, srcAccess, dstAccess vk.AccessFlags) {
	C.sdgo_barrier_cmd(&d.fns, ptr(cmd), C.uint32_t(srcStages), C.uint32_t(dstStages), C.uint32_t(srcAccess), C.uint32_t(dstAccess))
}

// cmdCopy records a copy of n bytes.
func (d *Device) cmdCopy(cmd vk.CommandBuffer, src vk.Buffer, srcOff int64, dst vk.Buffer, dstOff, n int64) {
	C.sdgo_copy_cmd(&d.fns, ptr(cmd), ptr(src), C.uint64_t(srcOff), ptr(dst), C.uint64_t(dstOff), C.uint64_t(n))
}

// createSetLayout makes a compute-stage descriptor set layout of bindings of types.
func (d *Device) createSetLayout(types []vk.DescriptorType) (vk.DescriptorSetLayout, vk.Result) {
	ts := make([]C.uint32_t, len(types)+1)
	for i, t := range types {
		ts[i] = C.uint32_t(t)
	}
	var l unsafe.Pointer
	r := C.sdgo_create_set_layout(&d.fns, ptr(d.dev), C.uint32_t(len(types)), &ts[0], &l)
	return handle[vk.DescriptorSetLayout](l), vk.Result(r)
}

// createPipelineLayout makes a pipeline layout of set and push bytes of push constants.
func (d *Device) createPipelineLayout(set vk.DescriptorSetLayout, push int) (vk.PipelineLayout, vk.Result) {
	var l unsafe.Pointer
	r := C.sdgo_create_pipeline_layout(&d.fns, ptr(d.dev), ptr(set), C.uint32_t(push), &l)
	return handle[vk.PipelineLayout](l), vk.Result(r)
}

// createPool makes a descriptor pool for maxSets sets with storage storage-buffer and
// texels uniform-texel-buffer descriptors.
func (d *Device) createPool(maxSets, storage, texels int) (vk.DescriptorPool, vk.Result) {
	var p unsafe.Pointer
	r := C.sdgo_create_pool(&d.fns, ptr(d.dev), C.uint32_t(maxSets), C.uint32_t(storage), C.uint32_t(texels), &p)
	return handle[vk.DescriptorPool](p), vk.Result(r)
}

// Package gpu is sdgo's minimal Vulkan compute runtime: device choice, memory blocks
// sub-allocated into tensors, kernels from embedded SPIR-V, and plans — dispatch lists
// recorded once into a command buffer and replayed — with timestamp timing.
package gpu

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/goki/vgpu/vkinit"
	vk "github.com/goki/vulkan"
)

// DeviceType orders devices by preference: discrete first.
type DeviceType int

// Device types, in order of preference.
const (
	Discrete DeviceType = iota
	Integrated
	Virtual
	CPU
	Other
)

func (t DeviceType) String() string {
	return [...]string{"discrete", "integrated", "virtual", "cpu", "other"}[t]
}

// MarshalText writes the type's name (for JSON listings).
func (t DeviceType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

func deviceType(t vk.PhysicalDeviceType) DeviceType {
	switch t {
	case vk.PhysicalDeviceTypeDiscreteGpu:
		return Discrete
	case vk.PhysicalDeviceTypeIntegratedGpu:
		return Integrated
	case vk.PhysicalDeviceTypeVirtualGpu:
		return Virtual
	case vk.PhysicalDeviceTypeCpu:
		return CPU
	}
	return Other
}

// Info describes a physical device: identity, limits and the features kernels use.
type Info struct {
	Index      int
	Name       string
	Type       DeviceType
	Driver     string // driver name and version text
	APIVersion string
	VendorID   uint32
	DeviceID   uint32
	// DeviceLocalBytes is the size of the largest device-local heap.
	DeviceLocalBytes int64
	// UMA is true when device-local memory is also host-visible (CPU drivers,
	// integrated GPUs, resizable BAR): tensors are then written through a mapping.
	UMA                   bool
	MaxStorageBufferRange int64
	MinStorageAlignment   int64
	MinTexelAlignment     int64 // minTexelBufferOffsetAlignment
	MaxTexelElements      int64 // maxTexelBufferElements
	MaxSharedMemory       int
	MaxWorkgroupInvocs    int
	MaxWorkgroupCount     [3]uint32
	MaxPushConstants      int
	SubgroupSize          int
	Float16               bool // shaderFloat16 arithmetic
	Storage16             bool // 16-bit storage buffer access
	// CoopMatrix: the device runs the tensor-core kernels (VK_NV_cooperative_matrix with
	// 16×16×16 fp16 matrices and fp32 accumulators, float16 arithmetic, 32-wide
	// subgroups with shuffles and 48 KiB of shared memory). SDGO_COOPMAT=0 turns them
	// off.
	CoopMatrix        bool
	Timestamps        bool
	TimestampPeriodNs float64
	PipelineCacheUUID [16]byte `json:"-"`

	pd           vk.PhysicalDevice
	queueFamily  uint32
	memTypeLocal uint32 // memory type for tensors
	memTypeHost  uint32 // host-visible coherent type for staging
	localMapped  bool   // memTypeLocal is host-visible and coherent
}

// Missing lists the optional features this device lacks.
func (in *Info) Missing() []string {
	var m []string
	if !in.Float16 {
		m = append(m, "shaderFloat16")
	}
	if !in.Storage16 {
		m = append(m, "storageBuffer16BitAccess")
	}
	if !in.Timestamps {
		m = append(m, "timestamps")
	}
	return m
}

var loadOnce struct {
	sync.Once
	err error
}

func loadVulkan() error {
	loadOnce.Do(func() {
		if err := vkinit.LoadVulkan(); err != nil {
			loadOnce.err = fmt.Errorf("%w: %v (install libvulkan1 and a driver; without a GPU, Mesa's lavapipe: scripts/setup.sh)", ErrNoVulkan, err)
		}
	})
	return loadOnce.err
}

func newInstance() (vk.Instance, error) {
	if err := loadVulkan(); err != nil {
		return nil, err
	}
	app := vk.ApplicationInfo{
		SType:            vk.StructureTypeApplicationInfo,
		PApplicationName: "sdgo\x00",
		PEngineName:      "sdgo\x00",
		ApiVersion:       vk.MakeVersion(1, 2, 0),
	}
	var inst vk.Instance
	r := vk.CreateInstance(&vk.InstanceCreateInfo{
		SType:            vk.StructureTypeInstanceCreateInfo,
		PApplicationInfo: &app,
	}, nil, &inst)
	if err := vkCheck(r, "create Vulkan instance"); err != nil {
		return nil, err
	}
	if err := vk.InitInstance(inst); err != nil {
		vk.DestroyInstance(inst, nil)
		return nil, fmt.Errorf("init Vulkan instance: %w", err)
	}
	track("instance", 1)
	return inst, nil
}

func destroyInstance(inst vk.Instance) {
	vk.DestroyInstance(inst, nil)
	track("instance", -1)
}

func enumerate(inst vk.Instance) ([]Info, error) {
	var n uint32
	if err := vkCheck(vk.EnumeratePhysicalDevices(inst, &n, nil), "enumerate devices"); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, fmt.Errorf("%w: the Vulkan loader found no device (install a driver; without a GPU, Mesa's lavapipe: scripts/setup.sh)", ErrNoVulkan)
	}
	pds := make([]vk.PhysicalDevice, n)
	if err := vkCheck(vk.EnumeratePhysicalDevices(inst, &n, pds), "enumerate devices"); err != nil {
		return nil, err
	}
	var infos []Info
	for i, pd := range pds[:n] {
		in, ok := describe(inst, pd)
		if !ok {
			continue // no compute queue
		}
		in.Index = i
		infos = append(infos, in)
	}
	if len(infos) == 0 {
		return nil, fmt.Errorf("%w: no Vulkan device has a compute queue", ErrNoVulkan)
	}
	return infos, nil
}

func describe(inst vk.Instance, pd vk.PhysicalDevice) (Info, bool) {
	var p vk.PhysicalDeviceProperties
	vk.GetPhysicalDeviceProperties(pd, &p)
	p.Deref()
	p.Limits.Deref()
	l := p.Limits
	in := Info{
		Name:                  vk.ToString(p.DeviceName[:]),
		Type:                  deviceType(p.DeviceType),
		APIVersion:            fmt.Sprintf("%d.%d.%d", p.ApiVersion>>22, (p.ApiVersion>>12)&0x3ff, p.ApiVersion&0xfff),
		VendorID:              p.VendorID,
		DeviceID:              p.DeviceID,
		MaxStorageBufferRange: int64(l.MaxStorageBufferRange),
		MinStorageAlignment:   int64(l.MinStorageBufferOffsetAlignment),
		MinTexelAlignment:     int64(l.MinTexelBufferOffsetAlignment),
		MaxTexelElements:      int64(l.MaxTexelBufferElements),
		MaxSharedMemory:       int(l.MaxComputeSharedMemorySize),
		MaxWorkgroupInvocs:    int(l.MaxComputeWorkGroupInvocations),
		MaxWorkgroupCount:     l.MaxComputeWorkGroupCount,
		MaxPushConstants:      int(l.MaxPushConstantsSize),
		TimestampPeriodNs:     float64(l.TimestampPeriod),
		PipelineCacheUUID:     p.PipelineCacheUUID,
		pd:                    pd,
	}
	family, tsBits, ok := computeFamily(inst, pd)
	if !ok {
		return in, false
	}
	in.queueFamily = family
	in.Timestamps = tsBits > 0 && l.TimestampComputeAndGraphics.B()
	e := queryExt(inst, pd)
	in.SubgroupSize = e.subgroupSize
	in.Float16 = e.float16
	in.Storage16 = e.storage16
	// The Vulkan memory model the cooperative-matrix shaders declare is core from 1.2.
	in.CoopMatrix = e.coopMatrix && e.float16 && e.subgroupSize == 32 && e.subgroupShuffle && in.MaxSharedMemory >= 48<<10 && in.MaxWorkgroupInvocs >= 256 &&
		p.ApiVersion >= vk.MakeVersion(1, 2, 0) && os.Getenv("SDGO_COOPMAT") != "0"
	in.Driver = strings.TrimSpace(e.driverName + " " + e.driverInfo)
	if in.Driver == "" {
		in.Driver = fmt.Sprintf("driver version %#x", p.DriverVersion)
	}
	chooseMemory(&in)
	return in, true
}

// chooseMemory picks the memory types for tensors and for staging.
func chooseMemory(in *Info) {
	var mp vk.PhysicalDeviceMemoryProperties
	vk.GetPhysicalDeviceMemoryProperties(in.pd, &mp)
	mp.Deref()
	const (
		local    = vk.MemoryPropertyFlags(vk.MemoryPropertyDeviceLocalBit)
		visible  = vk.MemoryPropertyFlags(vk.MemoryPropertyHostVisibleBit)
		coherent = vk.MemoryPropertyFlags(vk.MemoryPropertyHostCoherentBit)
	)
	heapSize := func(t vk.MemoryType) int64 {
		h := mp.MemoryHeaps[t.HeapIndex]
		h.Deref()
		return int64(h.Size)
	}
	bestLocal, bestHost := -1, -1
	var bestLocalSize int64
	for i := 0; i < int(mp.MemoryTypeCount); i++ {
		t := mp.MemoryTypes[i]
		t.Deref()
		f := t.PropertyFlags
		if f&local != 0 && heapSize(t) > bestLocalSize {
			bestLocal, bestLocalSize = i, heapSize(t)
		}
		if f&(visible|coherent) == visible|coherent && bestHost < 0 {
			bestHost = i
		}
	}
	if bestLocal < 0 {
		bestLocal = bestHost
	}
	in.memTypeLocal, in.memTypeHost = uint32(bestLocal), uint32(bestHost)
	in.DeviceLocalBytes = bestLocalSize
	// Prefer a type that is device-local, host-visible and coherent on a heap as large
	// as the largest device-local heap: then tensors are written through a mapping.
	for i := 0; i < int(mp.MemoryTypeCount); i++ {
		t := mp.MemoryTypes[i]
		t.Deref()
		if t.PropertyFlags&(local|visible|coherent) == local|visible|coherent && heapSize(t) >= bestLocalSize {
			in.memTypeLocal, in.UMA, in.localMapped = uint32(i), true, true
			break
		}
	}
}

// Devices lists the Vulkan devices that have a compute queue.
func Devices() ([]Info, error) {
	inst, err := newInstance()
	if err != nil {
		return nil, err
	}
	defer destroyInstance(inst)
	infos, err := enumerate(inst)
	for i := range infos {
		infos[i].pd = nil
	}
	return infos, err
}

// pick chooses a device: sel is an index or a name substring; empty means
// $SDGO_DEVICE, else the most preferred type (discrete > integrated > virtual > cpu).
func pick(infos []Info, sel string) (Info, error) {
	if sel == "" {
		sel = os.Getenv("SDGO_DEVICE")
	}
	if sel == "" {
		sorted := append([]Info(nil), infos...)
		sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Type < sorted[j].Type })
		return sorted[0], nil
	}
	if i, err := strconv.Atoi(sel); err == nil {
		for _, in := range infos {
			if in.Index == i {
				return in, nil
			}
		}
		return Info{}, fmt.Errorf("no Vulkan device with index %d (%s)", i, listNames(infos))
	}
	for _, in := range infos {
		if strings.Contains(strings.ToLower(in.Name), strings.ToLower(sel)) {
			return in, nil
		}
	}
	return Info{}, fmt.Errorf("no Vulkan device named like %q (%s)", sel, listNames(infos))
}

func listNames(infos []Info) string {
	var s []string
	for _, in := range infos {
		s = append(s, fmt.Sprintf("%d: %s", in.Index, in.Name))
	}
	return "devices: " + strings.Join(s, ", ")
}

// Device is an open logical device with one compute queue.
type Device struct {
	Info Info

	inst    vk.Instance
	dev     vk.Device
	queue   vk.Queue
	cmdPool vk.CommandPool
	fence   vk.Fence
	cache   *pipelineCache
	fns     vkFns // the entry points of vkcalls.go
	mem     *allocator
	work    *Tensor // the work queue of the queued kernels (kernels.Spec.Queue)
	kernels map[string]*Kernel
	mu      sync.Mutex // guards queue submission and the staging buffer
}

// Open creates a logical device on the device selected by sel (see pick), enabling
// 16-bit storage, float16 arithmetic and cooperative matrices where the device has them.
func Open(sel string) (*Device, error) {
	inst, err := newInstance()
	if err != nil {
		return nil, err
	}
	d := &Device{inst: inst, kernels: map[string]*Kernel{}}
	if err := d.open(sel); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func (d *Device) open(sel string) error {
	infos, err := enumerate(d.inst)
	if err != nil {
		return err
	}
	if d.Info, err = pick(infos, sel); err != nil {
		return err
	}
	if err := d.loadFns(); err != nil {
		return err
	}
	chain := featureChain(d.Info.Float16, d.Info.Storage16, d.Info.CoopMatrix)
	defer freeChain(chain)
	dev, r := createDevice(d.inst, d.Info.pd, d.Info.queueFamily, chain, d.Info.CoopMatrix)
	if err := vkCheck(r, "create device "+d.Info.Name); err != nil {
		return err
	}
	d.dev = dev
	track("device", 1)
	var queue vk.Queue
	vk.GetDeviceQueue(d.dev, d.Info.queueFamily, 0, &queue)
	d.queue = queue
	var pool vk.CommandPool
	r = vk.CreateCommandPool(d.dev, &vk.CommandPoolCreateInfo{
		SType:            vk.StructureTypeCommandPoolCreateInfo,
		Flags:            vk.CommandPoolCreateFlags(vk.CommandPoolCreateResetCommandBufferBit),
		QueueFamilyIndex: d.Info.queueFamily,
	}, nil, &pool)
	if err := vkCheck(r, "create command pool"); err != nil {
		return err
	}
	d.cmdPool = pool
	track("command pool", 1)
	var fence vk.Fence
	if err := vkCheck(vk.CreateFence(d.dev, &vk.FenceCreateInfo{SType: vk.StructureTypeFenceCreateInfo}, nil, &fence), "create fence"); err != nil {
		return err
	}
	d.fence = fence
	track("fence", 1)
	d.cache = openPipelineCache(d)
	if d.mem, err = newAllocator(d); err != nil {
		return err
	}
	d.work, err = d.mem.alloc(workQueueBytes)
	return err
}

// Close waits for the device to go idle and destroys everything created on it.
func (d *Device) Close() error {
	if d.dev != nil {
		vk.DeviceWaitIdle(d.dev)
		for _, k := range d.kernels {
			k.destroy(d)
		}
		d.kernels = nil
		if d.mem != nil {
			d.mem.destroy()
		}
		if d.cache != nil {
			d.cache.close(d)
		}
		if d.fence != nil {
			vk.DestroyFence(d.dev, d.fence, nil)
			track("fence", -1)
		}
		if d.cmdPool != nil {
			vk.DestroyCommandPool(d.dev, d.cmdPool, nil)
			track("command pool", -1)
		}
		vk.DestroyDevice(d.dev, nil)
		track("device", -1)
		d.dev = nil
	}
	if d.inst != nil {
		destroyInstance(d.inst)
		d.inst = nil
	}
	return nil
}

// submit runs one command buffer and waits for it.
func (d *Device) submit(cmd vk.CommandBuffer) error {
	if err := vkCheck(d.queueSubmit(cmd, d.fence), "submit"); err != nil {
		return err
	}
	r := vk.WaitForFences(d.dev, 1, []vk.Fence{d.fence}, vk.True, ^uint64(0))
	if err := vkCheck(r, "wait for the device"); err != nil {
		return err
	}
	return vkCheck(vk.ResetFences(d.dev, 1, []vk.Fence{d.fence}), "reset fence")
}

// newCommandBuffer allocates a primary command buffer from the device's pool.
func (d *Device) newCommandBuffer() (vk.CommandBuffer, error) {
	cmds := make([]vk.CommandBuffer, 1)
	r := vk.AllocateCommandBuffers(d.dev, &vk.CommandBufferAllocateInfo{
		SType:              vk.StructureTypeCommandBufferAllocateInfo,
		CommandPool:        d.cmdPool,
		Level:              vk.CommandBufferLevelPrimary,
		CommandBufferCount: 1,
	}, cmds)
	if err := vkCheck(r, "allocate command buffer"); err != nil {
		return nil, err
	}
	track("command buffer", 1)
	return cmds[0], nil
}

func (d *Device) freeCommandBuffer(cmd vk.CommandBuffer) {
	vk.FreeCommandBuffers(d.dev, d.cmdPool, 1, []vk.CommandBuffer{cmd})
	track("command buffer", -1)
}

// bytesOf views a value's memory as bytes (for push constants).
func bytesOf[T any](v *T) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(v)), unsafe.Sizeof(*v))
}

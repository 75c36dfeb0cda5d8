package gpu

import (
	"encoding/binary"
	"fmt"
	"os"
	"sort"
	"syscall"
	"unsafe"

	vk "github.com/goki/vulkan"
)

// BlockSize is the size of the memory blocks tensors are sub-allocated from; a tensor
// larger than a block gets a block of its own.
const BlockSize = 256 << 20

// stagingSize is the size of the one host-visible buffer that uploads and downloads
// pass through on devices whose tensor memory is not host-visible.
const stagingSize = 32 << 20

// block is one VkDeviceMemory with one VkBuffer over all of it.
type block struct {
	mem    vk.DeviceMemory
	buf    vk.Buffer
	size   int64
	mapped []byte // non-nil when host-visible
	free   []span // sorted by offset, coalesced
}

type span struct{ off, size int64 }

// allocator sub-allocates tensors from blocks and tracks live and peak bytes.
type allocator struct {
	d       *Device
	align   int64
	blocks  []*block
	staging *block
	live    int64
	peak    int64
}

func newAllocator(d *Device) (*allocator, error) {
	a := &allocator{d: d, align: 64}
	if d.Info.MinStorageAlignment > a.align {
		a.align = d.Info.MinStorageAlignment
	}
	if !d.Info.localMapped {
		s, err := a.newBlock(stagingSize, d.Info.memTypeHost, true)
		if err != nil {
			return nil, fmt.Errorf("staging buffer: %w", err)
		}
		a.staging = s
	}
	return a, nil
}

func (a *allocator) newBlock(size int64, memType uint32, mapped bool) (*block, error) {
	dev := a.d.dev
	b := &block{size: size}
	usage := vk.BufferUsageFlags(vk.BufferUsageStorageBufferBit | vk.BufferUsageUniformTexelBufferBit | vk.BufferUsageTransferSrcBit | vk.BufferUsageTransferDstBit)
	var buf vk.Buffer
	r := vk.CreateBuffer(dev, &vk.BufferCreateInfo{
		SType:       vk.StructureTypeBufferCreateInfo,
		Size:        vk.DeviceSize(size),
		Usage:       usage,
		SharingMode: vk.SharingModeExclusive,
	}, nil, &buf)
	if err := vkCheck(r, fmt.Sprintf("create %d-byte buffer", size)); err != nil {
		return nil, err
	}
	b.buf = buf
	track("buffer", 1)
	var req vk.MemoryRequirements
	vk.GetBufferMemoryRequirements(dev, b.buf, &req)
	req.Deref()
	if req.MemoryTypeBits&(1<<memType) == 0 {
		a.destroyBlock(b)
		return nil, fmt.Errorf("buffer memory cannot use memory type %d", memType)
	}
	var mem vk.DeviceMemory
	r = vk.AllocateMemory(dev, &vk.MemoryAllocateInfo{
		SType:           vk.StructureTypeMemoryAllocateInfo,
		AllocationSize:  req.Size,
		MemoryTypeIndex: memType,
	}, nil, &mem)
	if err := vkCheck(r, fmt.Sprintf("allocate %d MiB of device memory", size>>20)); err != nil {
		a.destroyBlock(b)
		return nil, err
	}
	b.mem = mem
	track("memory", 1)
	if err := vkCheck(vk.BindBufferMemory(dev, b.buf, b.mem, 0), "bind buffer memory"); err != nil {
		a.destroyBlock(b)
		return nil, err
	}
	if mapped {
		var p unsafe.Pointer
		if err := vkCheck(vk.MapMemory(dev, b.mem, 0, vk.DeviceSize(size), 0, &p), "map memory"); err != nil {
			a.destroyBlock(b)
			return nil, err
		}
		b.mapped = unsafe.Slice((*byte)(p), size)
	}
	b.free = []span{{0, size}}
	return b, nil
}

func (a *allocator) destroyBlock(b *block) {
	dev := a.d.dev
	if b.mapped != nil {
		vk.UnmapMemory(dev, b.mem)
		b.mapped = nil
	}
	if b.buf != nil {
		vk.DestroyBuffer(dev, b.buf, nil)
		track("buffer", -1)
	}
	if b.mem != nil {
		vk.FreeMemory(dev, b.mem, nil)
		track("memory", -1)
	}
}

func (a *allocator) destroy() {
	for _, b := range a.blocks {
		a.destroyBlock(b)
	}
	a.blocks = nil
	if a.staging != nil {
		a.destroyBlock(a.staging)
		a.staging = nil
	}
}

func (a *allocator) alloc(size int64) (*Tensor, error) {
	if size <= 0 {
		return nil, fmt.Errorf("allocate %d bytes: size must be positive", size)
	}
	need := (size + a.align - 1) / a.align * a.align
	for _, b := range a.blocks {
		if off, ok := b.take(need); ok {
			return a.tensor(b, off, size, need), nil
		}
	}
	bs := int64(BlockSize)
	if need > bs {
		bs = need
	}
	b, err := a.newBlock(bs, a.d.Info.memTypeLocal, a.d.Info.localMapped)
	if err != nil {
		return nil, fmt.Errorf("allocate %d-byte tensor (%d MiB live): %w", size, a.live>>20, err)
	}
	a.blocks = append(a.blocks, b)
	off, _ := b.take(need)
	return a.tensor(b, off, size, need), nil
}

func (a *allocator) tensor(b *block, off, size, reserved int64) *Tensor {
	a.live += reserved
	if a.live > a.peak {
		a.peak = a.live
	}
	return &Tensor{d: a.d, b: b, off: off, size: size, reserved: reserved}
}

// releaseMin is the smallest freed span whose pages releasePages hands back: below it
// the system call costs more than the memory is worth.
const releaseMin = 1 << 20

// releasePages hands the whole pages of a freed span back to the operating system on
// CPU devices, whose device memory is the process's own (lavapipe: a memfd mapping), so
// that freed parameters and arenas leave the host's memory instead of staying resident
// until the device closes. A freed span's contents are undefined, and the pages read
// as zeros when the span is used again. Elsewhere, and when the kernel refuses, it
// does nothing: the memory stays reserved for reuse, as on GPUs. Plans run to
// completion before Run returns, so no dispatch in flight reads a span freed here; an
// asynchronous submit would have to free only after its fence.
func (a *allocator) releasePages(b *block, s span) {
	if a.d.Info.Type != CPU || b.mapped == nil || s.size < releaseMin {
		return
	}
	page := int64(os.Getpagesize())
	base := int64(uintptr(unsafe.Pointer(unsafe.SliceData(b.mapped))))
	start := (base + s.off + page - 1) / page * page
	end := (base + s.off + s.size) / page * page
	if end <= start {
		return
	}
	pages := b.mapped[start-base : end-base]
	// MADV_REMOVE frees the backing of shared (memfd) memory; MADV_DONTNEED that of
	// private anonymous memory, where MADV_REMOVE fails.
	if syscall.Madvise(pages, syscall.MADV_REMOVE) != nil {
		syscall.Madvise(pages, syscall.MADV_DONTNEED)
	}
}

// take reserves need bytes (first fit) and returns their offset.
func (b *block) take(need int64) (int64, bool) {
	for i, s := range b.free {
		if s.size >= need {
			b.free[i] = span{s.off + need, s.size - need}
			if b.free[i].size == 0 {
				b.free = append(b.free[:i], b.free[i+1:]...)
			}
			return s.off, true
		}
	}
	return 0, false
}

// give returns a span to the free list, merging neighbours.
func (b *block) give(s span) {
	i := sort.Search(len(b.free), func(i int) bool { return b.free[i].off > s.off })
	b.free = append(b.free, span{})
	copy(b.free[i+1:], b.free[i:])
	b.free[i] = s
	if i+1 < len(b.free) && b.free[i].off+b.free[i].size == b.free[i+1].off {
		b.free[i].size += b.free[i+1].size
		b.free = append(b.free[:i+1], b.free[i+2:]...)
	}
	if i > 0 && b.free[i-1].off+b.free[i-1].size == b.free[i].off {
		b.free[i-1].size += b.free[i].size
		b.free = append(b.free[:i], b.free[i+1:]...)
	}
}

// Tensor is a byte range of device memory: a block's buffer, an offset and a size.
// Shapes and dtypes are the caller's business.
type Tensor struct {
	d        *Device
	b        *block
	off      int64
	size     int64
	reserved int64
}

// Alloc reserves size bytes of device memory (contents undefined).
func (d *Device) Alloc(size int64) (*Tensor, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.mem.alloc(size)
}

// Free releases the tensor's memory for reuse; the tensor must not be used afterwards.
func (t *Tensor) Free() {
	if t == nil || t.b == nil {
		return
	}
	d := t.d
	d.mu.Lock()
	defer d.mu.Unlock()
	t.b.give(span{t.off, t.reserved})
	d.mem.live -= t.reserved
	d.mem.releasePages(t.b, span{t.off, t.reserved})
	t.b = nil
}

// Size returns the tensor's size in bytes.
func (t *Tensor) Size() int64 { return t.size }

// MemoryStats reports device memory held in tensors: live now and the peak so far,
// plus the bytes reserved in blocks.
type MemoryStats struct{ Live, Peak, Reserved int64 }

// Memory returns the device's memory statistics.
func (d *Device) Memory() MemoryStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := MemoryStats{Live: d.mem.live, Peak: d.mem.peak}
	for _, b := range d.mem.blocks {
		s.Reserved += b.size
	}
	return s
}

// ResetPeak sets the peak statistic to the current live bytes.
func (d *Device) ResetPeak() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.mem.peak = d.mem.live
}

func (t *Tensor) check(off, n int64) error {
	if t.b == nil {
		return fmt.Errorf("tensor used after Free")
	}
	if off < 0 || n < 0 || off+n > t.size {
		return fmt.Errorf("range [%d, %d) outside the %d-byte tensor", off, off+n, t.size)
	}
	return nil
}

// Write copies data into the tensor at byte offset off.
func (t *Tensor) Write(off int64, data []byte) error {
	if err := t.check(off, int64(len(data))); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	d := t.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if t.b.mapped != nil {
		copy(t.b.mapped[t.off+off:], data)
		return nil
	}
	st := d.mem.staging
	for len(data) > 0 {
		n := min(int64(len(data)), st.size)
		copy(st.mapped, data[:n])
		if err := d.copyBuffer(st.buf, 0, t.b.buf, t.off+off, n); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		data, off = data[n:], off+n
	}
	return nil
}

// Read copies the tensor's bytes at offset off into data.
func (t *Tensor) Read(off int64, data []byte) error {
	if err := t.check(off, int64(len(data))); err != nil {
		return fmt.Errorf("read: %w", err)
	}
	d := t.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if t.b.mapped != nil {
		copy(data, t.b.mapped[t.off+off:])
		return nil
	}
	st := d.mem.staging
	for len(data) > 0 {
		n := min(int64(len(data)), st.size)
		if err := d.copyBuffer(t.b.buf, t.off+off, st.buf, 0, n); err != nil {
			return fmt.Errorf("read: %w", err)
		}
		copy(data[:n], st.mapped)
		data, off = data[n:], off+n
	}
	return nil
}

// Fill sets every byte of the tensor to the repeated 32-bit little-endian word v.
func (t *Tensor) Fill(v uint32) error {
	buf := make([]byte, min(t.size, 1<<20))
	for i := 0; i+4 <= len(buf); i += 4 {
		binary.LittleEndian.PutUint32(buf[i:], v)
	}
	for off := int64(0); off < t.size; off += int64(len(buf)) {
		if err := t.Write(off, buf[:min(int64(len(buf)), t.size-off)]); err != nil {
			return err
		}
	}
	return nil
}

// WriteFloat32 writes float32 values at element offset off.
func (t *Tensor) WriteFloat32(off int, v []float32) error {
	return t.Write(int64(off)*4, unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), len(v)*4))
}

// ReadFloat32 reads len(v) float32 values from element offset off.
func (t *Tensor) ReadFloat32(off int, v []float32) error {
	return t.Read(int64(off)*4, unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), len(v)*4))
}

// Float32s reads the whole tensor as float32 values.
func (t *Tensor) Float32s() ([]float32, error) {
	v := make([]float32, t.size/4)
	return v, t.ReadFloat32(0, v)
}

// copyBuffer runs one buffer-to-buffer copy with the barriers that order it against
// compute work before and after it. The caller holds d.mu.
func (d *Device) copyBuffer(src vk.Buffer, srcOff int64, dst vk.Buffer, dstOff, n int64) error {
	cmd, err := d.newCommandBuffer()
	if err != nil {
		return err
	}
	defer d.freeCommandBuffer(cmd)
	if err := vkCheck(vk.BeginCommandBuffer(cmd, &vk.CommandBufferBeginInfo{
		SType: vk.StructureTypeCommandBufferBeginInfo,
		Flags: vk.CommandBufferUsageFlags(vk.CommandBufferUsageOneTimeSubmitBit),
	}), "begin copy"); err != nil {
		return err
	}
	all := vk.AccessFlags(vk.AccessShaderWriteBit | vk.AccessShaderReadBit | vk.AccessTransferWriteBit | vk.AccessTransferReadBit | vk.AccessHostWriteBit | vk.AccessHostReadBit)
	stages := vk.PipelineStageFlags(vk.PipelineStageComputeShaderBit | vk.PipelineStageTransferBit | vk.PipelineStageHostBit)
	d.cmdBarrier(cmd, stages, stages, all, all)
	d.cmdCopy(cmd, src, srcOff, dst, dstOff, n)
	d.cmdBarrier(cmd, stages, stages, all, all)
	if err := vkCheck(vk.EndCommandBuffer(cmd), "end copy"); err != nil {
		return err
	}
	return d.submit(cmd)
}

// Float32Bytes views float32 values as little-endian bytes without copying.
func Float32Bytes(v []float32) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), len(v)*4)
}

package gpu

import (
	"fmt"
	"sort"
	"time"
	"unsafe"

	vk "github.com/goki/vulkan"

	"github.com/sdgo/sdgo/kernels"
)

// Binding is the byte range of a tensor bound to one storage-buffer slot of a kernel.
// Size 0 means "to the end of the tensor".
type Binding struct {
	T    *Tensor
	Off  int64
	Size int64
}

// Bind binds the whole tensor.
func Bind(t *Tensor) Binding { return Binding{T: t} }

// BindRange binds size bytes of t from offset off.
func BindRange(t *Tensor, off, size int64) Binding { return Binding{T: t, Off: off, Size: size} }

func (b Binding) span() (int64, int64) {
	size := b.Size
	if size == 0 {
		size = b.T.size - b.Off
	}
	return b.T.off + b.Off, size
}

// Dispatch is one kernel launch: bindings in the order of the kernel's Spec (reads then
// writes), push-constant params, and the workgroup count.
type Dispatch struct {
	Kernel   *Kernel
	Bindings []Binding
	Params   []byte
	Groups   [3]uint32
}

// Params returns the bytes of a kernel Params struct, for Dispatch.Params.
func Params[T any](p T) []byte { return append([]byte(nil), bytesOf(&p)...) }

// Plan is a list of dispatches recorded once into a command buffer and replayed by Run.
// Record inserts a barrier only where a dispatch reads or writes memory that an earlier
// dispatch since the last barrier wrote, or writes memory one of them read.
// Values that change between replays (a timestep, sampler coefficients) live in small
// tensors the kernels read, rewritten with Tensor.Write before Run.
type Plan struct {
	d          *Device
	dispatches []Dispatch
	pool       vk.DescriptorPool
	views      []vk.BufferView // of the texel-buffer bindings
	cmd        vk.CommandBuffer
	queries    vk.QueryPool
	timing     bool
	barriers   int
	queued     bool            // some dispatch takes its tiles from the device's work queue
	times      []time.Duration // per dispatch, from the last timed Run
}

// NewPlan starts an empty plan; with timing, each dispatch is timed with timestamp
// queries (where the device supports them).
func (d *Device) NewPlan(timing bool) *Plan {
	return &Plan{d: d, timing: timing && d.Info.Timestamps}
}

// Add appends a dispatch after checking it against its kernel and the device limits.
func (p *Plan) Add(ds Dispatch) error {
	if p.cmd != nil {
		return fmt.Errorf("plan already recorded")
	}
	k := ds.Kernel
	if k == nil {
		return fmt.Errorf("dispatch without a kernel")
	}
	if len(ds.Bindings) != k.Spec.Reads+k.Spec.Writes {
		return fmt.Errorf("kernel %s: %d bindings, want %d", k.Spec.Name, len(ds.Bindings), k.Spec.Reads+k.Spec.Writes)
	}
	if len(ds.Params) != k.Spec.ParamsSize {
		return fmt.Errorf("kernel %s: %d bytes of params, want %d", k.Spec.Name, len(ds.Params), k.Spec.ParamsSize)
	}
	for i, b := range ds.Bindings {
		if b.T == nil {
			return fmt.Errorf("kernel %s: binding %d has no tensor", k.Spec.Name, i)
		}
		off, size := b.span()
		if err := b.T.check(b.Off, size); err != nil {
			return fmt.Errorf("kernel %s: binding %d: %w", k.Spec.Name, i, err)
		}
		if off%p.d.Info.MinStorageAlignment != 0 {
			return fmt.Errorf("kernel %s: binding %d: offset %d is not a multiple of the device's storage alignment %d", k.Spec.Name, i, off, p.d.Info.MinStorageAlignment)
		}
		if k.Spec.Texels&(1<<i) != 0 {
			if size%16 != 0 || off%p.d.Info.MinTexelAlignment != 0 || size/16 > p.d.Info.MaxTexelElements {
				return fmt.Errorf("kernel %s: binding %d: %d bytes at offset %d do not fit a texel buffer (16-byte texels, offset alignment %d, at most %d texels)", k.Spec.Name, i, size, off, p.d.Info.MinTexelAlignment, p.d.Info.MaxTexelElements)
			}
		} else if size > p.d.Info.MaxStorageBufferRange {
			return fmt.Errorf("kernel %s: binding %d: %d bytes exceed the device's max storage buffer range %d (split the dispatch)", k.Spec.Name, i, size, p.d.Info.MaxStorageBufferRange)
		}
	}
	for i, g := range ds.Groups {
		if g == 0 || g > p.d.Info.MaxWorkgroupCount[i] {
			return fmt.Errorf("kernel %s: %d workgroups in dimension %d (device allows 1..%d)", k.Spec.Name, g, i, p.d.Info.MaxWorkgroupCount[i])
		}
	}
	if k.Spec.Queue {
		if ds.Groups != kernels.QueueGrid() {
			return fmt.Errorf("kernel %s: a queued kernel runs %d×1×1 workgroups, not %v", k.Spec.Name, kernels.QueueGroups, ds.Groups)
		}
		ds.Bindings = append(ds.Bindings[:len(ds.Bindings):len(ds.Bindings)], Bind(p.d.work))
		p.queued = true
	}
	p.dispatches = append(p.dispatches, ds)
	return nil
}

// Len returns the number of dispatches.
func (p *Plan) Len() int { return len(p.dispatches) }

// Barriers returns the number of barriers Record inserted.
func (p *Plan) Barriers() int { return p.barriers }

type memRange struct {
	buf      vk.Buffer
	off, end int64
}

func overlaps(rs []memRange, r memRange) bool {
	for _, x := range rs {
		if x.buf == r.buf && x.off < r.end && r.off < x.end {
			return true
		}
	}
	return false
}

// Record allocates the descriptor sets and records the command buffer.
func (p *Plan) Record() error {
	d := p.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if p.cmd != nil {
		return fmt.Errorf("plan already recorded")
	}
	if len(p.dispatches) == 0 {
		return fmt.Errorf("empty plan")
	}
	nb, nt := 0, 0
	for _, ds := range p.dispatches {
		for j := range ds.Bindings {
			if ds.Kernel.Spec.Texels&(1<<j) != 0 {
				nt++
			} else {
				nb++
			}
		}
	}
	pool, r := d.createPool(len(p.dispatches), max(nb, 1), nt)
	if err := vkCheck(r, "create descriptor pool"); err != nil {
		return err
	}
	p.pool = pool
	track("descriptor pool", 1)
	sets := make([]vk.DescriptorSet, len(p.dispatches))
	for i, ds := range p.dispatches {
		if sets[i], r = d.allocateSet(p.pool, ds.Kernel.setLay); r != vk.Success {
			return vkCheck(r, "allocate descriptor set")
		}
		descs := make([]descriptor, len(ds.Bindings))
		for j, b := range ds.Bindings {
			off, size := b.span()
			if ds.Kernel.descriptorType(j) == vk.DescriptorTypeUniformTexelBuffer {
				view, err := p.texelView(b.T.b.buf, off, size)
				if err != nil {
					return err
				}
				descs[j] = descriptor{view: view}
			} else {
				descs[j] = descriptor{buf: b.T.b.buf, offset: uint64(off), rangeLen: uint64(size)}
			}
		}
		if err := vkCheck(d.updateSet(sets[i], descs), "write descriptor set"); err != nil {
			return err
		}
	}
	if p.timing {
		var queries vk.QueryPool
		r := vk.CreateQueryPool(d.dev, &vk.QueryPoolCreateInfo{
			SType:      vk.StructureTypeQueryPoolCreateInfo,
			QueryType:  vk.QueryTypeTimestamp,
			QueryCount: uint32(len(p.dispatches) + 1),
		}, nil, &queries)
		if err := vkCheck(r, "create timestamp query pool"); err != nil {
			return err
		}
		p.queries = queries
		track("query pool", 1)
	}
	cmd, err := d.newCommandBuffer()
	if err != nil {
		return err
	}
	p.cmd = cmd
	return p.record(sets)
}

func (p *Plan) record(sets []vk.DescriptorSet) error {
	cmd := p.cmd
	if err := vkCheck(vk.BeginCommandBuffer(cmd, &vk.CommandBufferBeginInfo{SType: vk.StructureTypeCommandBufferBeginInfo}), "begin plan"); err != nil {
		return err
	}
	computeStage := vk.PipelineStageFlags(vk.PipelineStageComputeShaderBit)
	rw := vk.AccessFlags(vk.AccessShaderReadBit | vk.AccessShaderWriteBit)
	if p.queued {
		// Each queued dispatch leaves the queue at 0 for the next; zeroing it here makes
		// a run independent of any earlier one.
		vk.CmdFillBuffer(cmd, p.d.work.b.buf, vk.DeviceSize(p.d.work.off), workQueueBytes, 0)
		p.d.cmdBarrier(cmd, vk.PipelineStageFlags(vk.PipelineStageTransferBit), computeStage, vk.AccessFlags(vk.AccessTransferWriteBit), rw)
	}
	if p.timing {
		vk.CmdResetQueryPool(cmd, p.queries, 0, uint32(len(p.dispatches)+1))
		vk.CmdWriteTimestamp(cmd, vk.PipelineStageTopOfPipeBit, p.queries, 0)
	}
	var reads, writes []memRange
	var bound vk.Pipeline
	for i, ds := range p.dispatches {
		k := ds.Kernel
		var myReads, myWrites []memRange
		for j, b := range ds.Bindings {
			off, size := b.span()
			m := memRange{b.T.b.buf, off, off + size}
			if j < k.Spec.Reads {
				myReads = append(myReads, m)
			} else {
				myWrites = append(myWrites, m)
			}
		}
		hazard := false
		for _, m := range myReads {
			hazard = hazard || overlaps(writes, m)
		}
		for _, m := range myWrites {
			hazard = hazard || overlaps(writes, m) || overlaps(reads, m)
		}
		if hazard || p.timing {
			p.d.cmdBarrier(cmd, computeStage, computeStage, vk.AccessFlags(vk.AccessShaderWriteBit), rw)
			p.barriers++
			reads, writes = reads[:0], writes[:0]
		}
		reads = append(reads, myReads...)
		writes = append(writes, myWrites...)
		if k.pipeline != bound {
			vk.CmdBindPipeline(cmd, vk.PipelineBindPointCompute, k.pipeline)
			bound = k.pipeline
		}
		vk.CmdBindDescriptorSets(cmd, vk.PipelineBindPointCompute, k.layout, 0, 1, sets[i:i+1], 0, nil)
		if len(ds.Params) > 0 {
			vk.CmdPushConstants(cmd, k.layout, vk.ShaderStageFlags(vk.ShaderStageComputeBit), 0, uint32(len(ds.Params)), unsafe.Pointer(&ds.Params[0]))
		}
		vk.CmdDispatch(cmd, ds.Groups[0], ds.Groups[1], ds.Groups[2])
		if p.timing {
			vk.CmdWriteTimestamp(cmd, vk.PipelineStageBottomOfPipeBit, p.queries, uint32(i+1))
		}
	}
	// Make the results visible to copies and host reads after the plan.
	all := vk.AccessFlags(vk.AccessTransferReadBit | vk.AccessTransferWriteBit | vk.AccessHostReadBit | vk.AccessShaderReadBit | vk.AccessShaderWriteBit)
	p.d.cmdBarrier(cmd, computeStage, vk.PipelineStageFlags(vk.PipelineStageTransferBit|vk.PipelineStageHostBit|vk.PipelineStageComputeShaderBit), vk.AccessFlags(vk.AccessShaderWriteBit), all)
	return vkCheck(vk.EndCommandBuffer(cmd), "end plan")
}

// Run submits the recorded plan and waits for it to finish.
func (p *Plan) Run() error {
	if p.cmd == nil {
		if err := p.Record(); err != nil {
			return err
		}
	}
	d := p.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.submit(p.cmd); err != nil {
		return err
	}
	if p.timing {
		return p.readTimes()
	}
	return nil
}

func (p *Plan) readTimes() error {
	n := len(p.dispatches) + 1
	ts := make([]uint64, n)
	r := vk.GetQueryPoolResults(p.d.dev, p.queries, 0, uint32(n), uint64(8*n), unsafe.Pointer(&ts[0]), 8,
		vk.QueryResultFlags(vk.QueryResult64Bit|vk.QueryResultWaitBit))
	if err := vkCheck(r, "read timestamps"); err != nil {
		return err
	}
	p.times = make([]time.Duration, n-1)
	for i := range p.times {
		p.times[i] = time.Duration(float64(ts[i+1]-ts[i]) * p.d.Info.TimestampPeriodNs)
	}
	return nil
}

// KernelTime is the device time spent in one kernel over a timed Run.
type KernelTime struct {
	Name       string
	Dispatches int
	Total      time.Duration
}

// Timings returns the last timed Run's device time by kernel, largest first.
func (p *Plan) Timings() []KernelTime {
	by := map[string]*KernelTime{}
	for i, t := range p.times {
		name := p.dispatches[i].Kernel.Spec.Name
		kt := by[name]
		if kt == nil {
			kt = &KernelTime{Name: name}
			by[name] = kt
		}
		kt.Dispatches++
		kt.Total += t
	}
	out := make([]KernelTime, 0, len(by))
	for _, kt := range by {
		out = append(out, *kt)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Total > out[j].Total })
	return out
}

// workQueueBytes is the size of the work queue: the next tile and the count of
// finished workgroups of the queued dispatch running (see kernels.QueueGroups).
const workQueueBytes = 16

// texelView creates (and keeps for Close) a view of 16-byte texels on a buffer range.
func (p *Plan) texelView(buf vk.Buffer, off, size int64) (vk.BufferView, error) {
	var view vk.BufferView
	r := vk.CreateBufferView(p.d.dev, &vk.BufferViewCreateInfo{
		SType:  vk.StructureTypeBufferViewCreateInfo,
		Buffer: buf,
		Format: vk.FormatR32g32b32a32Uint,
		Offset: vk.DeviceSize(off),
		Range:  vk.DeviceSize(size),
	}, nil, &view)
	if err := vkCheck(r, "create texel buffer view"); err != nil {
		return nil, err
	}
	p.views = append(p.views, view)
	track("buffer view", 1)
	return view, nil
}

// Close frees the plan's command buffer, descriptor sets, texel views and queries.
func (p *Plan) Close() {
	d := p.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if p.cmd != nil {
		d.freeCommandBuffer(p.cmd)
		p.cmd = nil
	}
	for _, v := range p.views {
		vk.DestroyBufferView(d.dev, v, nil)
		track("buffer view", -1)
	}
	p.views = nil
	if p.pool != nil {
		vk.DestroyDescriptorPool(d.dev, p.pool, nil)
		track("descriptor pool", -1)
		p.pool = nil
	}
	if p.queries != nil {
		vk.DestroyQueryPool(d.dev, p.queries, nil)
		track("query pool", -1)
		p.queries = nil
	}
}

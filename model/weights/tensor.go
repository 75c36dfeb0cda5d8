package weights

import (
	"fmt"
	"os"
	"slices"
	"syscall"
	"unsafe"

	"github.com/sdgo/sdgo/model/safetensors"
)

// Tensor is one weight, wherever it is stored: a view into a memory-mapped safetensors
// file or into a storage of a PyTorch zip checkpoint. Reading converts chunk by chunk into
// a caller-provided buffer, so nothing larger than that buffer is ever allocated.
type Tensor struct {
	Name  string            // internal (diffusers) name, e.g. "down_blocks.0.resnets.0.conv1.weight"
	Shape []int             // logical shape
	DType safetensors.DType // element type in the file
	File  string            // file the tensor comes from
	Key   string            // the tensor's name in that file

	data    []byte // storage bytes; element i of the storage starts at i*DType.Size()
	offset  int    // storage element of logical element 0
	strides []int  // element strides per dimension; nil means row-major contiguous
}

// NumElements returns the product of the shape (1 for a scalar).
func (t *Tensor) NumElements() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// ReadFloat32 converts logical elements [start, start+len(dst)) to float32 into dst.
func (t *Tensor) ReadFloat32(dst []float32, start int) error {
	src, err := t.span(start, len(dst))
	if err == nil {
		err = safetensors.DecodeFloat32(dst, src, t.DType)
	}
	return t.wrap(err)
}

// ReadFloat16 converts logical elements [start, start+len(dst)) to IEEE binary16 bits
// into dst (F16 data is copied; wider types are rounded to nearest even).
func (t *Tensor) ReadFloat16(dst []uint16, start int) error {
	src, err := t.span(start, len(dst))
	if err == nil {
		err = safetensors.DecodeFloat16(dst, src, t.DType)
	}
	return t.wrap(err)
}

// Float32 returns the whole tensor as float32 (for small tensors and tests; large weights
// should be streamed with ReadFloat32 or ReadFloat16).
func (t *Tensor) Float32() ([]float32, error) {
	out := make([]float32, t.NumElements())
	return out, t.ReadFloat32(out, 0)
}

func (t *Tensor) wrap(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: tensor %q: %w", t.File, t.Key, err)
}

// span returns the raw bytes of logical elements [start, start+n): a view for contiguous
// tensors, a gathered copy for strided ones.
func (t *Tensor) span(start, n int) ([]byte, error) {
	if start < 0 || n < 0 || start > t.NumElements()-n {
		return nil, fmt.Errorf("elements [%d, %d) outside shape %v", start, start+n, t.Shape)
	}
	if n == 0 {
		return nil, nil
	}
	es := t.DType.Size()
	if t.strides == nil {
		b := (t.offset + start) * es
		return t.data[b : b+n*es], nil
	}
	out := make([]byte, n*es)
	idx := make([]int, len(t.Shape)) // multi-index of logical element start
	rem := start
	for d := len(t.Shape) - 1; d >= 0; d-- {
		idx[d] = rem % t.Shape[d]
		rem /= t.Shape[d]
	}
	for i := range n {
		pos := t.offset
		for d, k := range idx {
			pos += k * t.strides[d]
		}
		copy(out[i*es:(i+1)*es], t.data[pos*es:])
		for d := len(idx) - 1; d >= 0; d-- { // advance the multi-index
			if idx[d]++; idx[d] < t.Shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out, nil
}

// renamed returns a copy of t under a new internal name.
func (t *Tensor) renamed(name string) *Tensor {
	c := *t
	c.Name = name
	return &c
}

// squeezed returns t with its trailing size-1 dimensions dropped (a [C,C,1,1] 1x1
// convolution viewed as a [C,C] linear).
func (t *Tensor) squeezed() *Tensor {
	c := *t
	n := len(t.Shape)
	for n > 1 && t.Shape[n-1] == 1 {
		n--
	}
	c.Shape = slices.Clone(t.Shape[:n])
	if t.strides != nil {
		c.strides = slices.Clone(t.strides[:n])
	}
	return &c
}

// rowBlock returns part `part` of `parts` equal blocks of t along dimension 0 (one of q, k,
// v in a fused in_proj).
func (t *Tensor) rowBlock(part, parts int) (*Tensor, error) {
	if len(t.Shape) == 0 || t.Shape[0]%parts != 0 {
		return nil, t.wrap(fmt.Errorf("shape %v cannot be split into %d blocks of rows", t.Shape, parts))
	}
	c := *t
	c.Shape = slices.Clone(t.Shape)
	rows := t.Shape[0] / parts
	c.Shape[0] = rows
	stride0 := 1
	if t.strides != nil {
		stride0 = t.strides[0]
	} else {
		for _, d := range t.Shape[1:] {
			stride0 *= d
		}
	}
	c.offset += part * rows * stride0
	return &c, nil
}

// Evict asks the kernel to drop the tensor's pages of the memory-mapped file from this
// process's resident set, once the tensor has been copied elsewhere (to the device), so a
// loaded model does not keep the whole checkpoint resident. Reads stay valid. It is a
// hint: where the kernel does not support it, nothing happens. MADV_DONTNEED unmaps
// the pages but leaves them in the page cache, so the next load reads memory, not the
// disk (MADV_PAGEOUT reclaimed them: every run re-read the 2 GB checkpoint).
func (t *Tensor) Evict() {
	if len(t.data) == 0 {
		return
	}
	page := uintptr(os.Getpagesize())
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(t.data)))
	start := (addr + page - 1) &^ (page - 1)
	end := (addr + uintptr(len(t.data))) &^ (page - 1)
	if end <= start {
		return
	}
	syscall.Madvise(t.data[start-addr:end-addr], syscall.MADV_DONTNEED)
}

// Package safetensors reads the safetensors format: an 8-byte little-endian header
// length, a JSON header naming each tensor's dtype, shape and byte span, then the raw
// little-endian tensor bytes. Headers are validated before any tensor is used.
package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"sort"
	"syscall"

	"github.com/sdgo/sdgo/internal/half"
)

// MaxHeaderBytes bounds the JSON header; real checkpoints have headers of a few hundred KiB.
const MaxHeaderBytes = 100 << 20

// DType is a tensor element type as spelled in the header.
type DType string

// The dtypes this reader understands.
const (
	F64  DType = "F64"
	F32  DType = "F32"
	F16  DType = "F16"
	BF16 DType = "BF16"
	I64  DType = "I64"
	I32  DType = "I32"
	U8   DType = "U8"
)

// Size returns the byte size of one element, or 0 for an unknown dtype.
func (d DType) Size() int {
	switch d {
	case F64, I64:
		return 8
	case F32, I32:
		return 4
	case F16, BF16:
		return 2
	case U8:
		return 1
	}
	return 0
}

// Info describes one tensor in a file.
type Info struct {
	Name  string
	DType DType
	Shape []int
	// Begin and End are byte offsets relative to the start of the data section.
	Begin, End int64
}

// NumElements returns the product of the shape (1 for a scalar).
func (t *Info) NumElements() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// File is an open safetensors file whose data section is memory-mapped.
type File struct {
	Path     string
	Metadata map[string]string
	tensors  map[string]*Info
	names    []string
	data     []byte // the mapped data section
	mapping  []byte // the whole mapping, for Close
}

// Open maps path and validates its header: a bounded length, valid JSON, known dtypes,
// shape × element size equal to each byte span, spans inside the file and not overlapping.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	if size < 8 {
		return nil, fmt.Errorf("%s: not a safetensors file: %d bytes, shorter than the 8-byte header length", path, size)
	}
	mapping, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("%s: mmap: %w", path, err)
	}
	sf, err := parse(path, mapping)
	if err != nil {
		syscall.Munmap(mapping)
		return nil, err
	}
	sf.mapping = mapping
	return sf, nil
}

// Parse validates an in-memory safetensors image (used by fuzzing and small files).
func Parse(name string, b []byte) (*File, error) {
	return parse(name, b)
}

type headerEntry struct {
	DType       DType   `json:"dtype"`
	Shape       []int   `json:"shape"`
	DataOffsets []int64 `json:"data_offsets"`
}

func parse(path string, b []byte) (*File, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("%s: not a safetensors file: %d bytes, shorter than the 8-byte header length", path, len(b))
	}
	n := binary.LittleEndian.Uint64(b[:8])
	if n > MaxHeaderBytes || n > uint64(len(b)-8) {
		return nil, fmt.Errorf("%s: corrupt or truncated safetensors: header length %d exceeds the file (%d bytes) or the %d-byte limit", path, n, len(b), MaxHeaderBytes)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &raw); err != nil {
		return nil, fmt.Errorf("%s: corrupt safetensors header: %w", path, err)
	}
	data := b[8+n:]
	sf := &File{Path: path, tensors: map[string]*Info{}, data: data}
	// In name order, so that a bad file's error names the same tensor every time.
	for _, name := range slices.Sorted(maps.Keys(raw)) {
		msg := raw[name]
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &sf.Metadata); err != nil {
				return nil, fmt.Errorf("%s: corrupt safetensors metadata: %w", path, err)
			}
			continue
		}
		var e headerEntry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, fmt.Errorf("%s: tensor %q: corrupt header entry: %w", path, name, err)
		}
		t, err := validate(name, e, int64(len(data)))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		sf.tensors[name] = t
		sf.names = append(sf.names, name)
	}
	if err := checkOverlap(sf); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return sf, nil
}

func validate(name string, e headerEntry, dataLen int64) (*Info, error) {
	es := e.DType.Size()
	if es == 0 {
		return nil, fmt.Errorf("tensor %q: unsupported dtype %q", name, e.DType)
	}
	if len(e.DataOffsets) != 2 {
		return nil, fmt.Errorf("tensor %q: data_offsets must have 2 entries, has %d", name, len(e.DataOffsets))
	}
	elems := int64(1)
	for _, d := range e.Shape {
		if d < 0 {
			return nil, fmt.Errorf("tensor %q: negative dimension in shape %v", name, e.Shape)
		}
		if d > 0 && elems > math.MaxInt64/int64(d)/8 {
			return nil, fmt.Errorf("tensor %q: shape %v is too large", name, e.Shape)
		}
		elems *= int64(d)
	}
	begin, end := e.DataOffsets[0], e.DataOffsets[1]
	if begin < 0 || end < begin || end > dataLen {
		return nil, fmt.Errorf("tensor %q: byte span [%d, %d) lies outside the %d-byte data section (truncated file?)", name, begin, end, dataLen)
	}
	if end-begin != elems*int64(es) {
		return nil, fmt.Errorf("tensor %q: shape %v of %s needs %d bytes, span has %d", name, e.Shape, e.DType, elems*int64(es), end-begin)
	}
	return &Info{Name: name, DType: e.DType, Shape: e.Shape, Begin: begin, End: end}, nil
}

func checkOverlap(sf *File) error {
	spans := make([]*Info, 0, len(sf.tensors))
	for _, t := range sf.tensors {
		if t.End > t.Begin {
			spans = append(spans, t)
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].Begin < spans[j].Begin })
	for i := 1; i < len(spans); i++ {
		if spans[i].Begin < spans[i-1].End {
			return fmt.Errorf("tensors %q and %q overlap", spans[i-1].Name, spans[i].Name)
		}
	}
	return nil
}

// Close unmaps the file. Slices returned by Bytes are invalid afterwards.
func (f *File) Close() error {
	if f.mapping == nil {
		return nil
	}
	err := syscall.Munmap(f.mapping)
	f.mapping, f.data = nil, nil
	return err
}

// Names returns the tensor names in sorted order.
func (f *File) Names() []string { return f.names }

// Info returns the header entry for name, or nil.
func (f *File) Info(name string) *Info { return f.tensors[name] }

// Bytes returns the raw little-endian bytes of a tensor (a view into the mapping).
func (f *File) Bytes(name string) ([]byte, error) {
	t := f.tensors[name]
	if t == nil {
		return nil, fmt.Errorf("%s: no tensor %q", f.Path, name)
	}
	return f.data[t.Begin:t.End], nil
}

// Float32 returns a tensor converted to float32 (from F32, F16, BF16, F64, I64, I32 or U8).
func (f *File) Float32(name string) ([]float32, error) {
	b, err := f.Bytes(name)
	if err != nil {
		return nil, err
	}
	t := f.tensors[name]
	out := make([]float32, t.NumElements())
	if err := DecodeFloat32(out, b, t.DType); err != nil {
		return nil, fmt.Errorf("%s: tensor %q: %w", f.Path, name, err)
	}
	return out, nil
}

// Float64 returns a tensor converted to float64.
func (f *File) Float64(name string) ([]float64, error) {
	b, err := f.Bytes(name)
	if err != nil {
		return nil, err
	}
	t := f.tensors[name]
	out := make([]float64, t.NumElements())
	if t.DType == F64 {
		for i := range out {
			out[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
		}
		return out, nil
	}
	f32 := make([]float32, len(out))
	if err := DecodeFloat32(f32, b, t.DType); err != nil {
		return nil, fmt.Errorf("%s: tensor %q: %w", f.Path, name, err)
	}
	for i, v := range f32 {
		out[i] = float64(v)
	}
	return out, nil
}

// Int64 returns an integer tensor (I64, I32 or U8) as int64.
func (f *File) Int64(name string) ([]int64, error) {
	b, err := f.Bytes(name)
	if err != nil {
		return nil, err
	}
	t := f.tensors[name]
	out := make([]int64, t.NumElements())
	switch t.DType {
	case I64:
		for i := range out {
			out[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
		}
	case I32:
		for i := range out {
			out[i] = int64(int32(binary.LittleEndian.Uint32(b[4*i:])))
		}
	case U8:
		for i := range out {
			out[i] = int64(b[i])
		}
	default:
		return nil, fmt.Errorf("%s: tensor %q: dtype %s is not an integer type", f.Path, name, t.DType)
	}
	return out, nil
}

// DecodeFloat32 converts len(dst) elements of raw little-endian src of dtype dt to float32.
func DecodeFloat32(dst []float32, src []byte, dt DType) error {
	if len(src) < len(dst)*dt.Size() {
		return fmt.Errorf("%d bytes hold fewer than %d %s elements", len(src), len(dst), dt)
	}
	switch dt {
	case F32:
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
		}
	case F16:
		for i := range dst {
			dst[i] = HalfToFloat(binary.LittleEndian.Uint16(src[2*i:]))
		}
	case BF16:
		for i := range dst {
			dst[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(src[2*i:])) << 16)
		}
	case F64:
		for i := range dst {
			dst[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:])))
		}
	case I64:
		for i := range dst {
			dst[i] = float32(int64(binary.LittleEndian.Uint64(src[8*i:])))
		}
	case I32:
		for i := range dst {
			dst[i] = float32(int32(binary.LittleEndian.Uint32(src[4*i:])))
		}
	case U8:
		for i := range dst {
			dst[i] = float32(src[i])
		}
	default:
		return fmt.Errorf("unsupported dtype %q", dt)
	}
	return nil
}

// DecodeFloat16 converts len(dst) elements of raw little-endian src of dtype dt to IEEE
// binary16 bits. F16 is copied; other dtypes go through float32 and round to nearest even
// (F64 and 64-bit integers are therefore rounded twice).
func DecodeFloat16(dst []uint16, src []byte, dt DType) error {
	if len(src) < len(dst)*dt.Size() {
		return fmt.Errorf("%d bytes hold fewer than %d %s elements", len(src), len(dst), dt)
	}
	switch dt {
	case F16:
		if half.HostLittleEndian {
			copy(half.Bytes(dst), src)
			return nil
		}
		for i := range dst {
			dst[i] = binary.LittleEndian.Uint16(src[2*i:])
		}
		return nil
	case F32:
		for i := range dst {
			dst[i] = FloatToHalf(math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:])))
		}
		return nil
	}
	var buf [256]float32
	for len(dst) > 0 {
		n := min(len(dst), len(buf))
		if err := DecodeFloat32(buf[:n], src, dt); err != nil {
			return err
		}
		for i, v := range buf[:n] {
			dst[i] = FloatToHalf(v)
		}
		dst, src = dst[n:], src[n*dt.Size():]
	}
	return nil
}

// HalfToFloat converts IEEE 754 binary16 bits to float32 exactly.
func HalfToFloat(h uint16) float32 { return half.ToFloat32(h) }

// FloatToHalf converts float32 to binary16 bits, rounding to nearest even.
func FloatToHalf(f float32) uint16 { return half.FromFloat32(f) }

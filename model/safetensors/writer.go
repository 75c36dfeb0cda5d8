package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
)

// Writer streams tensors into a new safetensors file. The header, which must come first,
// is written by Create from the declared tensors, so the data can then arrive in chunks
// and in any tensor order without the whole file ever being held in memory. Output is
// deterministic: tensors are laid out in sorted name order and the header is written with
// "__metadata__" first, then the tensors in that same order.
type Writer struct {
	path      string
	f         *os.File
	infos     []Info // sorted by name, Begin/End filled in
	index     map[string]int
	written   []int64 // bytes written so far, per tensor
	dataStart int64
}

// Create starts a safetensors file at path holding the given tensors (Name, DType and Shape
// are used; Begin/End are computed) and string metadata. Tensor bytes are then supplied with
// Write; Close checks that every byte was written.
func Create(path string, tensors []Info, metadata map[string]string) (*Writer, error) {
	infos := slices.Clone(tensors)
	sort.Slice(infos, func(i, j int) bool { return infos[i].Name < infos[j].Name })
	index := make(map[string]int, len(infos))
	var offset int64
	for i := range infos {
		t := &infos[i]
		if _, dup := index[t.Name]; dup || t.Name == "" || t.Name == "__metadata__" {
			return nil, fmt.Errorf("%s: invalid or duplicate tensor name %q", path, t.Name)
		}
		index[t.Name] = i
		if t.DType.Size() == 0 {
			return nil, fmt.Errorf("%s: tensor %q: unsupported dtype %q", path, t.Name, t.DType)
		}
		t.Shape = slices.Clone(t.Shape)
		for _, d := range t.Shape {
			if d < 0 {
				return nil, fmt.Errorf("%s: tensor %q: negative dimension in shape %v", path, t.Name, t.Shape)
			}
		}
		t.Begin = offset
		offset += int64(t.NumElements()) * int64(t.DType.Size())
		t.End = offset
	}
	header, err := encodeHeader(infos, metadata)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w := &Writer{path: path, f: f, infos: infos, index: index, written: make([]int64, len(infos)),
		dataStart: int64(8 + len(header))}
	var prefix [8]byte
	binary.LittleEndian.PutUint64(prefix[:], uint64(len(header)))
	if _, err := f.Write(append(prefix[:], header...)); err == nil {
		err = f.Truncate(w.dataStart + offset)
	}
	if err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("%s: write header: %w", path, err)
	}
	return w, nil
}

// encodeHeader renders the JSON header, padded with spaces so the data section starts on an
// 8-byte boundary.
func encodeHeader(infos []Info, metadata map[string]string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	if len(metadata) > 0 {
		m, err := json.Marshal(metadata) // map keys are sorted by encoding/json
		if err != nil {
			return nil, err
		}
		b.WriteString(`"__metadata__":`)
		b.Write(m)
	}
	for i, t := range infos {
		if i > 0 || len(metadata) > 0 {
			b.WriteByte(',')
		}
		name, err := json.Marshal(t.Name)
		if err != nil {
			return nil, err
		}
		shape := make([]string, len(t.Shape))
		for k, d := range t.Shape {
			shape[k] = fmt.Sprint(d)
		}
		fmt.Fprintf(&b, `%s:{"dtype":"%s","shape":[%s],"data_offsets":[%d,%d]}`,
			name, t.DType, strings.Join(shape, ","), t.Begin, t.End)
	}
	b.WriteByte('}')
	for (8+b.Len())%8 != 0 {
		b.WriteByte(' ')
	}
	return b.Bytes(), nil
}

// Write appends data to tensor name: successive calls for the same tensor continue where
// the previous one stopped, so a large tensor can be produced chunk by chunk.
func (w *Writer) Write(name string, data []byte) error {
	i, ok := w.index[name]
	if !ok {
		return fmt.Errorf("%s: tensor %q was not declared in Create", w.path, name)
	}
	t := &w.infos[i]
	if w.written[i]+int64(len(data)) > t.End-t.Begin {
		return fmt.Errorf("%s: tensor %q: writing %d bytes after %d overflows its %d bytes",
			w.path, name, len(data), w.written[i], t.End-t.Begin)
	}
	if _, err := w.f.WriteAt(data, w.dataStart+t.Begin+w.written[i]); err != nil {
		return fmt.Errorf("%s: tensor %q: %w", w.path, name, err)
	}
	w.written[i] += int64(len(data))
	return nil
}

// Close finishes the file. If any tensor was not written in full, the file is removed and
// an error names the first such tensor.
func (w *Writer) Close() error {
	err := w.f.Close()
	for i, t := range w.infos {
		if err == nil && w.written[i] != t.End-t.Begin {
			err = fmt.Errorf("tensor %q incomplete: %d of %d bytes written", t.Name, w.written[i], t.End-t.Begin)
		}
	}
	if err != nil {
		os.Remove(w.path)
		return fmt.Errorf("%s: %w", w.path, err)
	}
	return nil
}

// EncodeFloat32 writes src as little-endian dtype dt (F32, F16, BF16 or F64) into dst, which
// must hold len(src) elements. F16 and BF16 round to nearest even.
func EncodeFloat32(dst []byte, src []float32, dt DType) error {
	if len(dst) < len(src)*dt.Size() {
		return fmt.Errorf("%d bytes cannot hold %d %s elements", len(dst), len(src), dt)
	}
	switch dt {
	case F32:
		for i, v := range src {
			binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(v))
		}
	case F16:
		for i, v := range src {
			binary.LittleEndian.PutUint16(dst[2*i:], FloatToHalf(v))
		}
	case BF16:
		for i, v := range src {
			binary.LittleEndian.PutUint16(dst[2*i:], floatToBFloat16(v))
		}
	case F64:
		for i, v := range src {
			binary.LittleEndian.PutUint64(dst[8*i:], math.Float64bits(float64(v)))
		}
	default:
		return fmt.Errorf("cannot encode float32 as %s", dt)
	}
	return nil
}

// floatToBFloat16 rounds float32 to bfloat16 bits, nearest even; NaN stays NaN.
func floatToBFloat16(f float32) uint16 {
	b := math.Float32bits(f)
	if f != f {
		return uint16(b>>16) | 0x40
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}

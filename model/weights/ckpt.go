package weights

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/sdgo/sdgo/model/safetensors"
)

// PyTorch checkpoints (.ckpt, .pt, .bin) written by torch.save since 1.6 are zip archives:
// <name>/data.pkl is a pickle of the saved object, in which each tensor storage is a
// persistent id ('storage', torch.FloatStorage, key, location, numel) whose bytes are the
// zip entry <name>/data/<key>, stored uncompressed. The archive is memory-mapped and
// tensors are views into it.

// storageDTypes maps the storage classes torch pickles to element types.
var storageDTypes = map[string]safetensors.DType{
	"torch.FloatStorage":    safetensors.F32,
	"torch.HalfStorage":     safetensors.F16,
	"torch.BFloat16Storage": safetensors.BF16,
	"torch.DoubleStorage":   safetensors.F64,
	"torch.LongStorage":     safetensors.I64,
	"torch.IntStorage":      safetensors.I32,
	"torch.ByteStorage":     safetensors.U8,
}

// inertClasses are classes found next to the weights in Lightning and textual-inversion
// files (training callbacks, numpy scalars for step counters, ParameterDict). Their
// instances are kept as opaque pickleObjects; none of their code exists here.
var inertClasses = map[string]bool{
	"pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint": true,
	"torch.nn.modules.container.ParameterDict":                     true,
	"numpy.core.multiarray.scalar":                                 true,
	"numpy.dtype":                                                  true,
	"_codecs.encode":                                               true,
	"builtins.set":                                                 true,
	"__builtin__.set":                                              true,
}

// storageType marks a storage class inside a persistent id.
type storageType struct{ dtype safetensors.DType }

// torchStorage is one resolved storage: a byte view of an uncompressed zip entry.
type torchStorage struct {
	dtype safetensors.DType
	data  []byte
	numel int
}

// torchArchive is an open, memory-mapped PyTorch zip checkpoint.
type torchArchive struct {
	path    string
	mapping []byte
	entries map[string]*zip.File
	prefix  string // "<name>/" of <name>/data.pkl
}

// openTorchFile maps a torch.save zip archive and unpickles its data.pkl, returning the
// saved object (tensors appear as *Tensor) and a function that unmaps the file.
func openTorchFile(path string) (any, func() error, error) {
	mapping, unmap, err := mapFile(path)
	if err != nil {
		return nil, nil, err
	}
	root, err := readTorchArchive(path, mapping)
	if err != nil {
		unmap()
		return nil, nil, err
	}
	return root, unmap, nil
}

func readTorchArchive(path string, mapping []byte) (any, error) {
	zr, err := zip.NewReader(bytes.NewReader(mapping), int64(len(mapping)))
	if err != nil {
		return nil, fmt.Errorf("%s: truncated or corrupt PyTorch zip archive: %w", path, err)
	}
	a := &torchArchive{path: path, mapping: mapping, entries: map[string]*zip.File{}}
	var pkl *zip.File
	for _, f := range zr.File {
		a.entries[f.Name] = f
		if (f.Name == "data.pkl" || strings.HasSuffix(f.Name, "/data.pkl")) &&
			(pkl == nil || len(f.Name) < len(pkl.Name)) {
			pkl = f
		}
	}
	if pkl == nil {
		return nil, fmt.Errorf("%s: zip archive without data.pkl: not a PyTorch checkpoint", path)
	}
	a.prefix = strings.TrimSuffix(pkl.Name, "data.pkl")
	if order, err := a.readEntry(a.prefix + "byteorder"); err == nil && strings.TrimSpace(string(order)) != "little" {
		return nil, fmt.Errorf("%s: byte order %q is not supported (only little-endian)", path, order)
	}
	data, err := a.readEntry(pkl.Name)
	if err != nil {
		return nil, err
	}
	root, err := unpickle(data, torchGlobal(path), a.loadStorage)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", path, pkl.Name, err)
	}
	return root, nil
}

func (a *torchArchive) readEntry(name string) ([]byte, error) {
	f, ok := a.entries[name]
	if !ok {
		return nil, fmt.Errorf("%s: missing zip entry %s", a.path, name)
	}
	r, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", a.path, name, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", a.path, name, err)
	}
	return b, nil
}

// loadStorage resolves a persistent id ('storage', storage class, key, location, numel).
func (a *torchArchive) loadStorage(pid any) (any, error) {
	t, ok := pid.(pickleTuple)
	if !ok || len(t) != 5 || t[0] != "storage" {
		return nil, fmt.Errorf("unsupported persistent id %v", pid)
	}
	st, ok1 := t[1].(*storageType)
	key, ok2 := t[2].(string)
	numel, ok3 := t[4].(int64)
	if !ok1 || !ok2 || !ok3 || numel < 0 {
		return nil, fmt.Errorf("malformed storage id %v", pid)
	}
	name := a.prefix + "data/" + key
	f, ok := a.entries[name]
	if !ok {
		return nil, fmt.Errorf("storage %q: missing zip entry %s (truncated file?)", key, name)
	}
	if f.Method != zip.Store {
		return nil, fmt.Errorf("storage %q: zip entry %s is compressed; torch.save stores entries uncompressed, re-save the file", key, name)
	}
	off, err := f.DataOffset()
	if err != nil {
		return nil, fmt.Errorf("storage %q: %w", key, err)
	}
	size := f.UncompressedSize64
	if off < 0 || size > uint64(len(a.mapping)) || uint64(off) > uint64(len(a.mapping))-size {
		return nil, fmt.Errorf("storage %q: entry %s lies outside the file (truncated file?)", key, name)
	}
	if uint64(numel) > size/uint64(st.dtype.Size()) {
		return nil, fmt.Errorf("storage %q: %d %s elements need %d bytes, entry has %d", key, numel, st.dtype, numel*int64(st.dtype.Size()), size)
	}
	return &torchStorage{dtype: st.dtype, data: a.mapping[off : uint64(off)+size], numel: int(numel)}, nil
}

// torchGlobal resolves the globals a state dict may reference; every other global is
// refused by name.
func torchGlobal(path string) func(module, name string) (any, error) {
	return func(module, name string) (any, error) {
		full := module + "." + name
		if dt, ok := storageDTypes[full]; ok {
			return &storageType{dtype: dt}, nil
		}
		if inertClasses[full] {
			return &pickleClass{name: full}, nil
		}
		switch full {
		case "collections.OrderedDict":
			return &pickleFunc{name: full, call: newOrderedDict}, nil
		case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor":
			return &pickleFunc{name: full, call: func(args pickleTuple) (any, error) { return rebuildTensor(path, args) }}, nil
		case "torch._utils._rebuild_parameter":
			return &pickleFunc{name: full, call: rebuildParameter}, nil
		}
		if strings.HasPrefix(full, "torch.") && strings.HasSuffix(full, "Storage") {
			return nil, fmt.Errorf("storage type %s is not supported", full)
		}
		return nil, fmt.Errorf("forbidden global %s: only tensors, storages and OrderedDict may appear in a weights file", full)
	}
}

func newOrderedDict(args pickleTuple) (any, error) {
	if len(args) != 0 {
		return nil, fmt.Errorf("expected no arguments, got %d", len(args))
	}
	return &pickleDict{}, nil
}

// rebuildParameter is torch._utils._rebuild_parameter(data, requires_grad, hooks): the data.
func rebuildParameter(args pickleTuple) (any, error) {
	if len(args) < 1 {
		return nil, fmt.Errorf("expected the tensor argument")
	}
	if _, ok := args[0].(*Tensor); !ok {
		return nil, fmt.Errorf("argument is a %T, not a tensor", args[0])
	}
	return args[0], nil
}

// rebuildTensor is torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...):
// a view of the storage, checked to lie inside it.
func rebuildTensor(path string, args pickleTuple) (any, error) {
	if len(args) < 4 {
		return nil, fmt.Errorf("expected at least 4 arguments, got %d", len(args))
	}
	st, ok := args[0].(*torchStorage)
	offset, ok2 := args[1].(int64)
	shape, err1 := intTuple(args[2])
	strides, err2 := intTuple(args[3])
	if !ok || !ok2 || err1 != nil || err2 != nil || len(shape) != len(strides) || offset < 0 {
		return nil, fmt.Errorf("malformed arguments (storage, offset, size, stride) %v", args[:4])
	}
	t := &Tensor{Shape: shape, DType: st.dtype, File: path, data: st.data, offset: int(offset)}
	if slices.Contains(shape, 0) {
		return t, nil // empty: nothing is addressed
	}
	elems := int64(1) // bounded by the storage, which the file holds: no overflow, no huge reads
	for _, d := range shape {
		if elems *= int64(d); elems > int64(st.numel) {
			return nil, fmt.Errorf("shape %v has more elements than its storage of %d", shape, st.numel)
		}
	}
	last := offset // last addressed element; stop adding once out of range, so no overflow
	for d, n := range shape {
		if last >= int64(st.numel) {
			break
		}
		last += int64(n-1) * int64(strides[d])
	}
	if last >= int64(st.numel) {
		return nil, fmt.Errorf("tensor of shape %v, strides %v at offset %d exceeds its storage of %d elements", shape, strides, offset, st.numel)
	}
	if !rowMajor(shape, strides) {
		t.strides = strides
	}
	return t, nil
}

// rowMajor reports whether strides are the contiguous row-major strides of shape (size-1
// dimensions may have any stride).
func rowMajor(shape, strides []int) bool {
	want := 1
	for d := len(shape) - 1; d >= 0; d-- {
		if shape[d] != 1 && strides[d] != want {
			return false
		}
		want *= shape[d]
	}
	return true
}

// intTuple converts a tuple of small non-negative integers (a shape or strides).
func intTuple(v any) ([]int, error) {
	t, ok := v.(pickleTuple)
	if !ok {
		return nil, fmt.Errorf("%T is not a tuple", v)
	}
	out := make([]int, len(t))
	for i, x := range t {
		n, ok := x.(int64)
		if !ok || n < 0 || n > math.MaxInt32 {
			return nil, fmt.Errorf("bad dimension %v", x)
		}
		out[i] = int(n)
	}
	return out, nil
}

// torchStateDict finds the tensors of a loaded checkpoint: the top-level dict, or the dict
// under "state_dict" (Lightning checkpoints). Entries that are not tensors are skipped.
func torchStateDict(path string, root any) ([]*Tensor, error) {
	d, ok := root.(*pickleDict)
	if !ok {
		return nil, fmt.Errorf("%s: checkpoint holds a %T, not a dict of tensors", path, root)
	}
	if inner, ok := d.get("state_dict"); ok {
		if id, ok := inner.(*pickleDict); ok {
			d = id
		}
	}
	var out []*Tensor
	for i, k := range d.keys {
		key, ok1 := k.(string)
		t, ok2 := d.values[i].(*Tensor)
		if ok1 && ok2 {
			c := t.renamed(key)
			c.Key = key
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: checkpoint contains no tensors", path)
	}
	return out, nil
}

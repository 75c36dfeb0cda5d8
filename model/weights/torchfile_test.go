package weights

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// A pure-Go writer of torch.save-style files for the tests: values are pickled with the
// opcodes torch emits (protocol 2, storages as BINPERSID, memoised), storages become
// data/<key> zip entries.

type (
	pDict struct {
		keys   []string
		values []any
		plain  bool // a dict literal instead of an OrderedDict
	}
	pStorage struct {
		key, class string // class e.g. "HalfStorage"
		data       []byte
		numel      int
	}
	pTensor struct {
		storage        *pStorage
		offset         int
		shape, strides []int
		parameter      bool // wrapped in torch._utils._rebuild_parameter
	}
	pObject struct { // an instance via NEWOBJ + BUILD
		module, name string
		state        any
	}
	pGlobal struct{ module, name string } // a bare global reference
)

func (d *pDict) add(k string, v any) *pDict {
	d.keys = append(d.keys, k)
	d.values = append(d.values, v)
	return d
}

type pickler struct {
	bytes.Buffer
	memo     map[*pStorage]uint32
	storages []*pStorage
}

func (p *pickler) str(s string) {
	p.WriteByte('X')
	binary.Write(p, binary.LittleEndian, uint32(len(s)))
	p.WriteString(s)
}

func (p *pickler) integer(n int) {
	switch {
	case n >= 0 && n < 256:
		p.Write([]byte{'K', byte(n)})
	case n >= math.MinInt32 && n <= math.MaxInt32:
		p.WriteByte('J')
		binary.Write(p, binary.LittleEndian, int32(n))
	default:
		p.Write([]byte{0x8a, 8})
		binary.Write(p, binary.LittleEndian, int64(n))
	}
}

func (p *pickler) global(module, name string) {
	p.WriteString("c" + module + "\n" + name + "\n")
}

func (p *pickler) ints(xs []int) {
	p.WriteByte('(')
	for _, x := range xs {
		p.integer(x)
	}
	p.WriteByte('t')
}

func (p *pickler) value(v any) {
	switch x := v.(type) {
	case nil:
		p.WriteByte('N')
	case bool:
		p.WriteByte(map[bool]byte{true: 0x88, false: 0x89}[x])
	case int:
		p.integer(x)
	case string:
		p.str(x)
	case *pDict:
		if x.plain {
			p.WriteByte('}')
		} else {
			p.global("collections", "OrderedDict")
			p.Write([]byte{')', 'R'})
		}
		if len(x.keys) > 0 {
			p.WriteByte('(')
			for i, k := range x.keys {
				p.str(k)
				p.value(x.values[i])
			}
			p.WriteByte('u')
		}
	case *pTensor:
		if x.parameter {
			p.global("torch._utils", "_rebuild_parameter")
			p.WriteByte('(')
		}
		p.global("torch._utils", "_rebuild_tensor_v2")
		p.WriteByte('(')
		p.storage(x.storage)
		p.integer(x.offset)
		p.ints(x.shape)
		p.ints(x.strides)
		p.WriteByte(0x89)
		p.value(&pDict{})
		p.Write([]byte{'t', 'R'})
		if x.parameter {
			p.Write([]byte{0x88})
			p.value(&pDict{})
			p.Write([]byte{'t', 'R'})
		}
	case *pObject:
		p.global(x.module, x.name)
		p.Write([]byte{')', 0x81})
		p.value(x.state)
		p.WriteByte('b')
	case pGlobal:
		p.global(x.module, x.name)
	default:
		panic("unsupported test value")
	}
}

// storage emits the persistent id of s the first time, a memo reference afterwards.
func (p *pickler) storage(s *pStorage) {
	if idx, ok := p.memo[s]; ok {
		p.WriteByte('j')
		binary.Write(p, binary.LittleEndian, idx)
		return
	}
	p.WriteByte('(')
	p.str("storage")
	p.global("torch", s.class)
	p.str(s.key)
	p.str("cpu")
	p.integer(s.numel)
	p.Write([]byte{'t', 'Q', 'r'})
	idx := uint32(len(p.memo))
	binary.Write(p, binary.LittleEndian, idx)
	p.memo[s] = idx
	p.storages = append(p.storages, s)
}

// pickleRoot pickles root as torch.save does (protocol 2).
func pickleRoot(root any) *pickler {
	p := &pickler{memo: map[*pStorage]uint32{}}
	p.Write([]byte{0x80, 2})
	p.value(root)
	p.WriteByte('.')
	return p
}

// torchZip packs a pickle and its storages as a torch zip archive under "archive/".
func torchZip(t testing.TB, pkl []byte, storages []*pStorage, method uint16) []byte {
	type entry struct {
		name string
		data []byte
	}
	entries := []entry{{"archive/data.pkl", pkl}, {"archive/byteorder", []byte("little")}}
	for _, s := range storages {
		entries = append(entries, entry{"archive/data/" + s.key, s.data})
	}
	entries = append(entries, entry{"archive/version", []byte("3\n")})
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: method})
		require.NoError(t, err)
		_, err = w.Write(e.data)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// torchBytes is the torch.save archive of root.
func torchBytes(t testing.TB, root any, method uint16) []byte {
	p := pickleRoot(root)
	return torchZip(t, p.Bytes(), p.storages, method)
}

func writeTorchFile(t *testing.T, path string, root any) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, torchBytes(t, root, zip.Store), 0o644))
}

// f32Storage makes a FloatStorage holding vals.
func f32Storage(key string, vals ...float32) *pStorage {
	b := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return &pStorage{key: key, class: "FloatStorage", data: b, numel: len(vals)}
}

// contiguous returns a tensor over the whole storage with row-major strides.
func contiguous(s *pStorage, shape ...int) *pTensor {
	strides := make([]int, len(shape))
	st := 1
	for d := len(shape) - 1; d >= 0; d-- {
		strides[d] = st
		st *= shape[d]
	}
	return &pTensor{storage: s, shape: shape, strides: strides}
}

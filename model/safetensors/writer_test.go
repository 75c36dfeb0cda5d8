package safetensors

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func writeTestFile(t *testing.T, path string, order []string) {
	t.Helper()
	specs := map[string]Info{
		"b.weight": {Name: "b.weight", DType: F16, Shape: []int{2, 3}},
		"a.bias":   {Name: "a.bias", DType: F32, Shape: []int{3}},
		"c":        {Name: "c", DType: BF16, Shape: []int{}},
	}
	var infos []Info
	for _, n := range order {
		infos = append(infos, specs[n])
	}
	w, err := Create(path, infos, map[string]string{"format": "pt", "b": "x"})
	require.NoError(t, err)
	for _, n := range order {
		s := specs[n]
		vals := make([]float32, s.NumElements())
		for i := range vals {
			vals[i] = float32(len(n)) + float32(i)/4
		}
		buf := make([]byte, len(vals)*s.DType.Size())
		require.NoError(t, EncodeFloat32(buf, vals, s.DType))
		// Two chunks, to exercise streaming.
		half := len(buf) / 2
		require.NoError(t, w.Write(n, buf[:half]))
		require.NoError(t, w.Write(n, buf[half:]))
	}
	require.NoError(t, w.Close())
}

func TestWriterRoundTripAndDeterminism(t *testing.T) {
	dir := t.TempDir()
	p1, p2 := filepath.Join(dir, "1.safetensors"), filepath.Join(dir, "2.safetensors")
	writeTestFile(t, p1, []string{"b.weight", "a.bias", "c"})
	writeTestFile(t, p2, []string{"c", "a.bias", "b.weight"})
	b1, err := os.ReadFile(p1)
	require.NoError(t, err)
	b2, err := os.ReadFile(p2)
	require.NoError(t, err)
	require.Equal(t, b1, b2, "output must not depend on declaration or write order")
	require.Contains(t, string(b1), `{"__metadata__":{"b":"x","format":"pt"},"a.bias":`)

	f, err := Open(p1)
	require.NoError(t, err)
	defer f.Close()
	require.Equal(t, []string{"a.bias", "b.weight", "c"}, f.Names())
	require.Equal(t, "pt", f.Metadata["format"])
	v, err := f.Float32("b.weight")
	require.NoError(t, err)
	require.Equal(t, []float32{8, 8.25, 8.5, 8.75, 9, 9.25}, v)
	v, err = f.Float32("c")
	require.NoError(t, err)
	require.Equal(t, []float32{1}, v)
	require.Zero(t, binary.LittleEndian.Uint64(b1)%8, "data section is 8-byte aligned")
}

func TestWriterErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.safetensors")
	_, err := Create(path, []Info{{Name: "a", DType: "Q4", Shape: []int{1}}}, nil)
	require.ErrorContains(t, err, `tensor "a": unsupported dtype "Q4"`)
	_, err = Create(path, []Info{{Name: "a", DType: F32}, {Name: "a", DType: F32}}, nil)
	require.ErrorContains(t, err, `duplicate tensor name "a"`)

	w, err := Create(path, []Info{{Name: "a", DType: F32, Shape: []int{2}}, {Name: "b", DType: F32, Shape: []int{1}}}, nil)
	require.NoError(t, err)
	require.ErrorContains(t, w.Write("z", nil), `tensor "z" was not declared`)
	require.ErrorContains(t, w.Write("a", make([]byte, 12)), `tensor "a": writing 12 bytes after 0 overflows its 8 bytes`)
	require.NoError(t, w.Write("a", make([]byte, 8)))
	require.ErrorContains(t, w.Close(), `tensor "b" incomplete: 0 of 4 bytes written`)
	_, err = os.Stat(path)
	require.True(t, os.IsNotExist(err), "an incomplete file is removed")
}

func TestDecodeFloat16AllDTypes(t *testing.T) {
	vals := []float32{0, 1, -2.5, 65504, 1e-7, 3}
	for _, dt := range []DType{F32, F16, BF16, F64} {
		buf := make([]byte, len(vals)*dt.Size())
		require.NoError(t, EncodeFloat32(buf, vals, dt))
		got := make([]uint16, len(vals))
		require.NoError(t, DecodeFloat16(got, buf, dt), dt)
		for i, v := range vals {
			want := FloatToHalf(v)
			if dt == BF16 {
				f := make([]float32, 1)
				require.NoError(t, DecodeFloat32(f, buf[2*i:], BF16))
				want = FloatToHalf(f[0])
			}
			require.Equal(t, want, got[i], "%s element %d", dt, i)
		}
	}
	ints := []byte{7, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}
	got := make([]uint16, 2)
	require.NoError(t, DecodeFloat16(got, ints, I32))
	require.Equal(t, []uint16{FloatToHalf(7), FloatToHalf(-1)}, got)
	long := make([]uint16, 300) // more than the internal 256-element buffer
	require.NoError(t, DecodeFloat16(long, make([]byte, 300), U8))
	require.ErrorContains(t, DecodeFloat16(got, ints[:4], I32), "fewer than 2")
	require.ErrorContains(t, DecodeFloat16(got, ints, "Q"), "unsupported dtype")
}

func TestBFloat16Rounding(t *testing.T) {
	require.Equal(t, uint16(0x3f80), floatToBFloat16(1))
	require.Equal(t, uint16(0x3f80), floatToBFloat16(math.Float32frombits(0x3f808000))) // tie to even
	require.Equal(t, uint16(0x3f82), floatToBFloat16(math.Float32frombits(0x3f818000))) // tie to even (up)
	require.Equal(t, uint16(0x3f81), floatToBFloat16(math.Float32frombits(0x3f808001)))
	require.True(t, math.IsNaN(float64(math.Float32frombits(uint32(floatToBFloat16(float32(math.NaN())))<<16))))
}

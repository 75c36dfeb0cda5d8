package safetensors

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func image(header string, data []byte) []byte {
	b := make([]byte, 8, 8+len(header)+len(data))
	binary.LittleEndian.PutUint64(b, uint64(len(header)))
	return append(append(b, header...), data...)
}

func TestParseFixtureGolden(t *testing.T) {
	f, err := Open("../../testdata/fixtures/goldens/rng_torch_cpu.safetensors")
	require.NoError(t, err)
	defer f.Close()
	require.Equal(t, "rng_torch_cpu", f.Metadata["case"])
	info := f.Info("s0_d0")
	require.NotNil(t, info)
	require.Equal(t, []int{1, 4, 8, 8}, info.Shape)
	v, err := f.Float32("s0_d0")
	require.NoError(t, err)
	require.Len(t, v, 256)
	// torch.randn(1,4,8,8) after manual_seed(0) starts with -1.1258398.
	require.InDelta(t, -1.1258398, v[0], 1e-6)
}

func TestParseRejectsBadHeaders(t *testing.T) {
	cases := map[string][]byte{
		"short":      {1, 2, 3},
		"huge len":   append([]byte{255, 255, 255, 255, 0, 0, 0, 0}, "{}"...),
		"not json":   image("{nope", nil),
		"bad dtype":  image(`{"a":{"dtype":"Q8","shape":[1],"data_offsets":[0,1]}}`, []byte{0}),
		"span":       image(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, make([]byte, 4)),
		"outside":    image(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 4)),
		"overlap":    image(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}`, make([]byte, 8)),
		"neg shape":  image(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}`, nil),
		"bad offset": image(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4]}}`, make([]byte, 8)),
	}
	for name, b := range cases {
		_, err := Parse(name, b)
		require.Error(t, err, name)
	}
}

// TestParseErrorIsDeterministic checks that a file with several bad tensors (a
// truncated one) is reported by the same tensor, the first by name, every time.
func TestParseErrorIsDeterministic(t *testing.T) {
	b := image(`{"d":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"c":{"dtype":"F32","shape":[2],"data_offsets":[16,24]},"a":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}}`, make([]byte, 4))
	for i := 0; i < 20; i++ {
		_, err := Parse("f", b)
		require.EqualError(t, err, `f: tensor "a": byte span [24, 32) lies outside the 4-byte data section (truncated file?)`)
	}
}

func TestHalfRoundTrip(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := HalfToFloat(uint16(h))
		if math.IsNaN(float64(f)) {
			continue
		}
		require.Equal(t, uint16(h), FloatToHalf(f), "half %#04x -> %v", h, f)
	}
	require.Equal(t, uint16(0x3c00), FloatToHalf(1))
	require.Equal(t, uint16(0x7c00), FloatToHalf(1e6))
	require.Equal(t, uint16(0x3c00), FloatToHalf(1+1.0/4096)) // ties to even
}

func FuzzParse(f *testing.F) {
	f.Add(image(`{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}`, make([]byte, 4)))
	f.Fuzz(func(t *testing.T, b []byte) {
		sf, err := Parse("fuzz", b)
		if err != nil {
			return
		}
		for _, n := range sf.Names() {
			if _, err := sf.Float32(n); err != nil {
				t.Fatal(err)
			}
		}
	})
}

package nn

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/kernels"
)

// TestTapMajorRowsAnyChunking reads a [3, 5, 3, 3] kernel through tapMajorRows in
// chunks that start and end inside rows and checks it equals the whole reorder.
func TestTapMajorRowsAnyChunking(t *testing.T) {
	const cout, cin, khw = 3, 5, 9
	w := make([]float32, cout*cin*khw)
	for i := range w {
		w[i] = float32(i)
	}
	read := tapMajorRows(func(d []float32, start int) error { copy(d, w[start:]); return nil }, cin, khw)
	want := kernels.ConvTapMajor(w, cout, cin, khw)
	for _, chunk := range []int{1, 7, 45, 50, len(w)} {
		got := make([]float32, len(w))
		for s := 0; s < len(w); s += chunk {
			require.NoError(t, read(got[s:min(s+chunk, len(w))], s))
		}
		require.Equal(t, want, got, "chunk %d", chunk)
	}
	require.Equal(t, w[1], want[cin]) // tap 1 of channel 0 follows tap 0 of every channel
}

// TestUploadF16Rows uploads fp16 matrices with even and odd row lengths and checks the
// device holds each row's halves in order, odd rows padded with a zero half to whole
// 32-bit words, across several upload chunks.
func TestUploadF16Rows(t *testing.T) {
	d, err := gpu.Open("")
	require.NoError(t, err)
	defer d.Close()
	for _, shape := range [][2]int{{3, 4}, {3, 5}, {2*uploadChunk/5 + 1, 5}} {
		rows, rowLen := shape[0], shape[1]
		src := make([]uint16, rows*rowLen)
		for i := range src {
			src[i] = uint16(i*7 + 1)
		}
		tt := Tensor{Shape: []int{rows, rowLen}, F16: true}
		dst, err := d.Alloc(tt.Bytes())
		require.NoError(t, err)
		defer dst.Free()
		require.NoError(t, uploadF16(dst, tt, func(h []uint16, start int) error { copy(h, src[start:]); return nil }))
		got := make([]byte, tt.Bytes())
		require.NoError(t, dst.Read(0, got))
		words := (rowLen + 1) / 2
		for r := 0; r < rows; r++ {
			for k := 0; k < 2*words; k++ {
				want := uint16(0)
				if k < rowLen {
					want = src[r*rowLen+k]
				}
				require.Equal(t, want, binary.LittleEndian.Uint16(got[(r*2*words+k)*2:]), "shape %v row %d half %d", shape, r, k)
			}
		}
	}
}

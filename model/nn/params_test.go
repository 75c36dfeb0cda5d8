package nn

import (
	"testing"

	"github.com/stretchr/testify/require"

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

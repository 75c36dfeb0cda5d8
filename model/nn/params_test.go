package nn

import (
	"encoding/binary"
	"math/rand"
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

// TestUploadWinogradBlocks uploads Winograd weights of F(4×4) and F(2×2) kernels whose
// output channels take several blocks (the last one partial) and one that takes a single
// block, and checks the device holds what kernels.WinoWeights makes of the whole kernel.
func TestUploadWinogradBlocks(t *testing.T) {
	d, err := gpu.Open("")
	require.NoError(t, err)
	defer d.Close()
	for _, c := range []struct{ cout, cin, blocks int }{{72, 1280, 4}, {70, 2052, 3}, {3, 5, 1}} {
		m := kernels.WinoTile(c.cin, c.cout)
		pos := kernels.WinoPositions(m)
		block := uploadChunk / (pos * c.cin)
		require.Equal(t, c.blocks, (c.cout+block-1)/block, "blocks of %v", c)
		g := make([]float32, c.cout*c.cin*9)
		r := rand.New(rand.NewSource(int64(c.cout)))
		for i := range g {
			g[i] = float32(r.NormFloat64())
		}
		want := kernels.WinoWeights(g, c.cout, c.cin, m)
		dst, err := d.Alloc(int64(4 * len(want)))
		require.NoError(t, err)
		defer dst.Free()
		require.NoError(t, uploadWinograd(dst, c.cout, c.cin, readerOf(g)))
		got := make([]float32, len(want))
		require.NoError(t, dst.ReadFloat32(0, got))
		require.Equal(t, want, got, "%v", c)
	}
}

// TestAttentionPaths checks that the texel flash kernel's attention (with V split into
// its transposed heads) matches attention through GEMMs and a softmax, on shapes it
// takes: SD 1.x's 40-wide heads with two key blocks and a ragged query block, 80, and
// ragged key counts (the text's 77 keys; 5 keys of 160-wide heads).
func TestAttentionPaths(t *testing.T) {
	d, err := gpu.Open("")
	require.NoError(t, err)
	defer d.Close()
	for _, c := range []struct{ b, tq, tk, heads, dh int }{{2, 45, 64, 8, 40}, {1, 32, 96, 2, 80}, {2, 45, 77, 8, 40}, {1, 9, 5, 2, 160}} {
		n := New(d, true)
		width := c.heads * c.dh
		r := rand.New(rand.NewSource(int64(c.tq)))
		in := func(rows int) (Tensor, []float32) {
			v := make([]float32, rows*width)
			for i := range v {
				v[i] = float32(r.NormFloat64())
			}
			g, err := d.Alloc(int64(4 * len(v)))
			require.NoError(t, err)
			t.Cleanup(g.Free)
			require.NoError(t, g.WriteFloat32(0, v))
			return n.External(g, c.b, rows/c.b, width), v
		}
		q, _ := in(c.b * c.tq)
		k, _ := in(c.b * c.tk)
		v, _ := in(c.b * c.tk)
		p := kernels.NewAttentionParams(c.b, c.tq, c.tk, c.heads, c.dh, false)
		require.True(t, kernels.FlashTexFits(p))
		var outs [2]*gpu.Tensor
		for i, path := range []string{attentionTex, attentionGEMM} {
			t.Setenv("SDGO_ATTENTION", path)
			require.Equal(t, path, n.attentionPath(p))
			if outs[i], err = d.Alloc(int64(4 * c.b * c.tq * width)); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(outs[i].Free)
			n.Output(n.attention(q, k, v, c.heads, false), outs[i])
		}
		cp, err := n.Compile(false)
		require.NoError(t, err)
		require.NoError(t, cp.Run())
		cp.Close()
		tex, err := outs[0].Float32s()
		require.NoError(t, err)
		gemm, err := outs[1].Float32s()
		require.NoError(t, err)
		require.InDeltaSlice(t, gemm, tex, 2e-6, "%+v", c)
	}
}

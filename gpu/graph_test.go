package gpu

import (
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sdgo/sdgo/kernels"
)

// TestGraphArenaChain runs a chain x → silu → a1 → silu → a2 … → out through arena
// activations and checks the result and that the arena reuses memory.
func TestGraphArenaChain(t *testing.T) {
	const n, depth = 1000, 12
	r := rand.New(rand.NewSource(5))
	x := randFloats(r, n)
	in, _ := dev.Alloc(4 * n)
	out, _ := dev.Alloc(4 * n)
	defer in.Free()
	defer out.Free()
	require.NoError(t, in.WriteFloat32(0, x))
	k, err := dev.Kernel(kernels.Silu)
	require.NoError(t, err)
	g := dev.NewGraph()
	groups, stride := kernels.Groups1D(n)
	params := Params(kernels.ElemParams{N: n, Stride: stride})
	prev := TensorRef(in)
	for i := 0; i < depth; i++ {
		a := g.Act(4 * n)
		g.Dispatch(k, params, [3]uint32{groups, 1, 1}, prev, a.Whole())
		prev = a.Whole()
	}
	g.Dispatch(k, params, [3]uint32{groups, 1, 1}, prev, TensorRef(out))
	c, err := g.Compile(false)
	require.NoError(t, err)
	defer c.Close()
	require.Equal(t, int64(depth*4*n), c.NaiveBytes)
	require.LessOrEqual(t, c.ArenaBytes, 2*c.PeakLiveBytes+2*64)
	require.NoError(t, c.Run())
	want := append([]float32(nil), x...)
	for i := 0; i <= depth; i++ {
		kernels.SiluCPU(want, want)
	}
	got, err := out.Float32s()
	require.NoError(t, err)
	for i := range want {
		require.InDelta(t, want[i], got[i], 1e-5)
	}
}

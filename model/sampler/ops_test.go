package sampler

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExecute(t *testing.T) {
	bufs := [][]float32{{1, 2}, {10, 20}, {100, 200}}
	ops := []Op{
		{Dst: 0, Terms: []Term{{0.5, 0}, {2, 1}}}, // in place: x = 0.5x + 2y
		{Dst: 2, Terms: []Term{{1, 0}, {-1, 2}}},  // z = x - z
		{Dst: 1},                                  // zero
	}
	require.NoError(t, Execute(ops, bufs))
	assert.Equal(t, [][]float32{{20.5, 41}, {0, 0}, {-79.5, -159}}, bufs)

	// Rounding order: (c0*s0 + c1*s1) + c2*s2, each step in float32.
	bufs = [][]float32{{1}, {1e8}, {-1e8}}
	require.NoError(t, Execute([]Op{{Dst: 0, Terms: []Term{{1, 0}, {1, 1}, {1, 2}}}}, bufs))
	assert.Equal(t, float32(0), bufs[0][0], "1 + 1e8 rounds to 1e8 in float32 before -1e8 is added")

	assert.ErrorContains(t, Execute([]Op{{Dst: 0, Terms: []Term{{1, 1}}}}, [][]float32{{1, 2}, {1}}), "has 1 elements")
}

func TestGuidanceOp(t *testing.T) {
	bufs := make([][]float32, NumFixedBufs)
	for i := range bufs {
		bufs[i] = make([]float32, 1)
	}
	bufs[BufUncond][0], bufs[BufCond][0] = 1, 3
	require.NoError(t, Execute([]Op{GuidanceOp(7.5)}, bufs))
	assert.Equal(t, float32(16), bufs[BufModelOut][0])
	assert.Equal(t, "model_out = -6.5*uncond + 7.5*cond", GuidanceOp(7.5).String())
	assert.Equal(t, "h2", (NumFixedBufs + 2).String())
}

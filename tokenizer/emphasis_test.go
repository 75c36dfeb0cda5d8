package tokenizer

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mean(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	return s / float64(len(x))
}

func TestApplyEmphasis(t *testing.T) {
	hidden := []float32{1, 2, 3, 4, 5, 6} // 3 tokens × 2
	before := mean(hidden)
	require.NoError(t, ApplyEmphasis(hidden, []float32{1, 2, 1}, 2))
	assert.InDelta(t, before, mean(hidden), 1e-6)
	scale := before / ((1 + 2 + 6 + 8 + 5 + 6) / 6.0)
	for i, want := range []float64{1, 2, 6, 8, 5, 6} {
		assert.InDelta(t, want*scale, hidden[i], 1e-5, "element %d", i)
	}
}

func TestApplyEmphasisUnitWeightsChangeNothing(t *testing.T) {
	hidden := []float32{0.5, -1.25, 3, 7}
	require.NoError(t, ApplyEmphasis(hidden, []float32{1, 1}, 2))
	assert.Equal(t, []float32{0.5, -1.25, 3, 7}, hidden)
}

func TestApplyEmphasisZeroMean(t *testing.T) {
	hidden := []float32{1, -1, 2, 2}
	require.NoError(t, ApplyEmphasis(hidden, []float32{0, 0}, 2))
	assert.Equal(t, []float32{0, 0, 0, 0}, hidden)
}

func TestApplyEmphasisShapeErrors(t *testing.T) {
	assert.Error(t, ApplyEmphasis(make([]float32, 5), []float32{1, 1}, 2))
	assert.Error(t, ApplyEmphasis(nil, nil, 0))
}

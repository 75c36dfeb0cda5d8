package tokenizer

import "fmt"

// ApplyEmphasis applies per-token prompt weights to text-encoder output the way
// AUTOMATIC1111 does ("Original" emphasis): hidden is a row-major [tokens×dim] matrix
// with tokens = len(weights); row i is multiplied by weights[i], then the whole matrix
// is scaled so that its mean equals the mean it had before. If the weighted mean is
// zero the rescale is skipped. It works in place; sums are accumulated in float64.
//
// A1111 takes the means over the whole batch of a chunk; calling this per sequence (as
// stable-diffusion.cpp does) differs only when a batch mixes prompts.
func ApplyEmphasis(hidden, weights []float32, dim int) error {
	if dim <= 0 || len(hidden) != len(weights)*dim {
		return fmt.Errorf("apply emphasis: hidden has %d values, want %d weights × dim %d", len(hidden), len(weights), dim)
	}
	var before, after float64
	for i, w := range weights {
		row := hidden[i*dim : (i+1)*dim]
		for j, x := range row {
			before += float64(x)
			row[j] = x * w
			after += float64(row[j])
		}
	}
	if after == 0 {
		return nil
	}
	scale := float32(before / after)
	for i := range hidden {
		hidden[i] *= scale
	}
	return nil
}

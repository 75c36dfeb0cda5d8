package kernels

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestErfAccuracy checks the float32 Erf against math.Erf over the range where erf is
// not yet ±1 in float32, and its symmetry and tails.
func TestErfAccuracy(t *testing.T) {
	worst, at := 0.0, 0.0
	for i := -600000; i <= 600000; i++ {
		x := float32(i) * 1e-5
		e := math.Abs(float64(Erf(x)) - math.Erf(float64(x)))
		if e > worst {
			worst, at = e, float64(x)
		}
		require.Equal(t, Erf(x), -Erf(-x))
	}
	t.Logf("max |Erf − math.Erf| = %.2e at x = %g", worst, at)
	require.Less(t, worst, 2e-7)
	require.Equal(t, float32(1), Erf(50))
	require.Equal(t, float32(-1), Erf(-50))
}

// TestActivations checks the scalar activations against float64 formulas.
func TestActivations(t *testing.T) {
	for i := -2000; i <= 2000; i++ {
		x := float32(i) * 5e-3
		xd := float64(x)
		gelu := 0.5 * xd * (1 + math.Erf(xd/math.Sqrt2))
		require.InDelta(t, gelu, float64(GeluAct(x)), 1e-6+1e-6*math.Abs(gelu), "gelu(%g)", x)
		gt := 0.5 * xd * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(xd+0.044715*xd*xd*xd)))
		require.InDelta(t, gt, float64(GeluTanhAct(x)), 1e-6+1e-6*math.Abs(gt), "gelu_tanh(%g)", x)
		qg := xd / (1 + math.Exp(-1.702*xd))
		require.InDelta(t, qg, float64(QuickGeluAct(x)), 1e-6+1e-6*math.Abs(qg), "quick_gelu(%g)", x)
		si := xd / (1 + math.Exp(-xd))
		require.InDelta(t, si, float64(SiluAct(x)), 1e-6+1e-6*math.Abs(si), "silu(%g)", x)
	}
	// no NaN from overflow in the far tails
	require.False(t, math.IsNaN(float64(GeluTanhAct(-1000))))
	require.False(t, math.IsNaN(float64(QuickGeluAct(-1000))))
}

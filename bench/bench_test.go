package bench

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRunTiny runs the whole benchmark on the tiny fixture model at 64 px: every stage
// is timed, the UNet profile names its kernels, the memory plan and peaks are set, and
// the one-shot run never holds all the parameters and arenas at once.
func TestRunTiny(t *testing.T) {
	t.Setenv("SDGO_CACHE_DIR", t.TempDir())
	r, err := Run(Options{
		Checkpoint: "../testdata/fixtures/models/tiny-sd1.fp16.safetensors",
		Config:     "../testdata/fixtures/models/tiny-sd1",
		Sizes:      []int{64}, Steps: 2,
	})
	require.NoError(t, err)
	require.Len(t, r.Stages, 4)
	for _, s := range r.Stages {
		require.Greater(t, s.Warm.Nanoseconds(), int64(0), s.Name)
	}
	names := map[string]bool{}
	for _, k := range r.UNetKernels[64] {
		names[k.Name] = true
	}
	require.True(t, names["groupnorm_apply"])
	require.GreaterOrEqual(t, r.Plans[64].Peak, r.Plans[64].UNetParams+r.Plans[64].UNetArena)
	require.Less(t, r.Plans[64].UNetArena, r.Plans[64].UNetNaive)
	require.Greater(t, r.PeakDeviceBytes, int64(0))
	require.Greater(t, r.PeakRSSBytes, int64(0))
	one := r.OneShot[64]
	require.Positive(t, one.Wall)
	require.Positive(t, one.PeakRSSBytes)
	require.Positive(t, one.PeakDeviceBytes)
	all := r.Plans[64].Params + r.Plans[64].UNetArena + r.Plans[64].VAEArena
	require.Less(t, one.PeakDeviceBytes, all, "one network's parameters at a time")
	table := r.Table()
	require.True(t, strings.Contains(table, "one-shot 1-step txt2img at 64 px"))
	require.True(t, strings.Contains(table, "UNet step (CFG, batch 2)"))
	require.True(t, strings.Contains(table, "planned device memory at 64 px"))
}

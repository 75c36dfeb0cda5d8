package gpu

import (
	"os"
	"os/exec"
	"runtime/debug"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sdgo/sdgo/kernels"
)

// TestPipelinesUnderGC creates pipelines, plans and submissions while another goroutine
// allocates, so that collections run during the calls into the driver. Through the
// goki/vulkan bindings (see vkcalls.go) this crashed lavapipe in
// vkCreateComputePipelines (5 runs of 5 with the old call). It runs in a child
// process with Mesa's shader cache off, so that the compiles, and the calls, are long.
func TestPipelinesUnderGC(t *testing.T) {
	if os.Getenv("SDGO_TEST_GC_CHILD") == "" {
		cmd := exec.Command(os.Args[0], "-test.v", "-test.run=^"+t.Name()+"$")
		cmd.Env = append(os.Environ(), "SDGO_TEST_GC_CHILD=1", "MESA_SHADER_CACHE_DISABLE=true", "SDGO_CACHE_DIR="+t.TempDir())
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		require.Contains(t, string(out), "--- PASS: "+t.Name(), "the child ran the test")
		return
	}
	defer debug.SetGCPercent(debug.SetGCPercent(5))
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		var keep [4][]uint32
		for i := 0; !stop.Load(); i++ {
			b := make([]uint32, 80000)
			for j := range b {
				b[j] = 0xdeadbeef
			}
			keep[i%len(keep)] = b
		}
	}()
	defer func() {
		stop.Store(true)
		<-done
	}()
	var specs []kernels.Spec
	for _, v := range []string{"tex", "reg"} {
		for _, f16 := range []bool{true, false} {
			s, err := kernels.ConvKernel(v, f16)
			require.NoError(t, err)
			specs = append(specs, s)
		}
	}
	for range 2 {
		d, err := Open("")
		require.NoError(t, err)
		for _, s := range specs {
			_, err := d.Kernel(s)
			require.NoError(t, err, s.Name)
		}
		// A plan: descriptor sets, barriers, a submission, copies.
		const n = 1000
		x, err := d.Alloc(4 * n)
		require.NoError(t, err)
		y, err := d.Alloc(4 * n)
		require.NoError(t, err)
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(i) / n
		}
		require.NoError(t, x.WriteFloat32(0, v))
		k, err := d.Kernel(kernels.Silu)
		require.NoError(t, err)
		g, stride := kernels.Groups1D(n)
		p := d.NewPlan(false)
		require.NoError(t, p.Add(Dispatch{Kernel: k, Bindings: []Binding{Bind(x), Bind(y)}, Groups: [3]uint32{g, 1, 1},
			Params: Params(kernels.ElemParams{N: n, Stride: stride})}))
		require.NoError(t, p.Run())
		got, err := y.Float32s()
		require.NoError(t, err)
		want := make([]float32, n)
		kernels.SiluCPU(v, want)
		require.InDeltaSlice(t, want, got, 1e-6)
		p.Close()
		x.Free()
		y.Free()
		require.NoError(t, d.Close())
	}
}

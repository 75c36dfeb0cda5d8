package kernels_test

import (
	"os"
	"strconv"
	"testing"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/kernels"
)

func envInt(k string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil {
		return v
	}
	return def
}

// BenchmarkProbe times shaders/$PROBE.spv as a GEMM with PROBE_TM rows × PROBE_TN cols per group.
func BenchmarkProbe(b *testing.B) {
	d := device(b)
	m, n, k := envInt("PM", 4096), envInt("PN", 320), envInt("PK", 320)
	tm, tn := envInt("PROBE_TM", 6), envInt("PROBE_TN", 16)
	spec := kernels.Spec{Name: os.Getenv("PROBE"), Reads: 4, Writes: 1, ParamsSize: 48, Local: [3]uint32{uint32(envInt("PROBE_LOCAL", 8)), 1, 1}, Texels: uint32(envInt("PROBE_TEXELS", 0))}
	kk, err := d.Kernel(spec)
	if err != nil {
		b.Fatal(err)
	}
	p := kernels.NewGemmParams(1, m, n, k, true, false, false, 0, true)
	words := n * kernels.F16RowWords(k)
	ta, tb, tc := filled(b, d, m*k, 0.01), filled(b, d, words, 0x3c003c00), filled(b, d, m*n, 0)
	defer ta.Free()
	defer tb.Free()
	defer tc.Free()
	timePlan(b, d, 2*float64(m)*float64(n)*float64(k), gpu.Dispatch{Kernel: kk,
		Bindings: []gpu.Binding{gpu.Bind(ta), gpu.Bind(tb), gpu.Bind(ta), gpu.Bind(ta), gpu.Bind(tc)},
		Params:   gpu.Params(p), Groups: [3]uint32{uint32((n + tn - 1) / tn), uint32((m + tm - 1) / tm), 1}})
}

// Package conformance runs every kernel (and every variant) on a Vulkan device against
// its CPU reference — the same Go function run on the CPU — and against a float64
// computation, and reports the errors. It backs the kernel tests and `sdgo check`, so
// users can check a GPU and driver of their own.
package conformance

import (
	"fmt"
	"math"
	"math/rand"
	"sort"
	"strings"
	"time"

	"github.com/sdgo/sdgo/gpu"
)

// Case is one kernel at one shape.
type Case struct {
	Kernel string // kernel or variant name
	Shape  string // human-readable shape, e.g. "4096x320x320"
	// Slow cases are skipped by the quick suite (the default of `sdgo check` and of
	// `go test -short`).
	Slow bool
	// Run executes the kernel on d and compares it with the references.
	Run func(d *gpu.Device) (Comparison, error)
	// Skip, if set, names what a device lacks for this case ("" = runnable).
	Skip func(in gpu.Info) string
	// CPUOnly marks a kernel built for CPU devices alone (the texel kernels, and the
	// convs run on them), which GPUs never pick: GPUs skip it unless Options.CPUKernels
	// is set, since their compilers can take minutes over one (flash_tex_d160: 197 s
	// on an H100).
	CPUOnly bool
}

// Comparison is how far a device result is from the references.
type Comparison struct {
	N int
	// Against the CPU reference (same Go math in float32).
	MaxAbsCPU, MaxRelCPU float64
	// Against float64 math.
	MaxAbs64, MaxRel64 float64
	// The worst element against float64: index, device value, float64 value.
	Worst     int
	WorstGot  float64
	WorstWant float64
	// Tolerances applied: |got-want| ≤ Atol + Rtol·|want| against both references.
	Atol, Rtol float64
	Pass       bool
}

// Result is a Case's outcome.
type Result struct {
	Case
	Comparison
	Err      error
	Duration time.Duration
	// Skipped says why a case was not run (it counts as passed).
	Skipped string
}

var registry []Case

// register adds cases; each kernel family's file calls it from init.
func register(cs ...Case) { registry = append(registry, cs...) }

// Cases returns the registered cases whose kernel name contains filter ("" = all),
// without the slow ones when quick is set, in a stable order.
func Cases(filter string, quick bool) []Case {
	var out []Case
	for _, c := range registry {
		if quick && c.Slow {
			continue
		}
		if filter != "" && !strings.Contains(c.Kernel, filter) {
			continue
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Kernel < out[j].Kernel })
	return out
}

// Options tune Run.
type Options struct {
	// Progress, if set, is called after each case.
	Progress func(Result)
	// CPUKernels runs the CPUOnly cases on GPUs too.
	CPUKernels bool
}

// cpuOnlySkip is the Skipped of a CPUOnly case on a GPU.
const cpuOnlySkip = "a kernel for CPU devices (--cpu-kernels runs it here)"

// skipReason says why c is not run on a device described by in ("" = run it).
func skipReason(c Case, in gpu.Info, o Options) string {
	if c.Skip != nil {
		if lacks := c.Skip(in); lacks != "" {
			return "the device lacks " + lacks
		}
	}
	if c.CPUOnly && in.Type != gpu.CPU && !o.CPUKernels {
		return cpuOnlySkip
	}
	return ""
}

// Run runs cases on d.
func Run(d *gpu.Device, cases []Case, o Options) []Result {
	var rs []Result
	for _, c := range cases {
		if why := skipReason(c, d.Info, o); why != "" {
			r := Result{Case: c, Comparison: Comparison{Pass: true}, Skipped: why}
			rs = append(rs, r)
			if o.Progress != nil {
				o.Progress(r)
			}
			continue
		}
		start := time.Now()
		cmp, err := c.Run(d)
		r := Result{Case: c, Comparison: cmp, Err: err, Duration: time.Since(start)}
		if err != nil {
			r.Pass = false
		}
		rs = append(rs, r)
		if o.Progress != nil {
			o.Progress(r)
		}
	}
	return rs
}

// Compare measures got (device) against cpu (the float32 CPU reference) and want
// (float64), with the tolerance |got-want| ≤ atol + rtol·|want| for both.
func Compare(got, cpu []float32, want []float64, atol, rtol float64) Comparison {
	return compare(got, cpu, want, atol, rtol, false)
}

// CompareToTruth is Compare for kernels whose arithmetic is not the CPU reference's
// (other orders of operations, tensor-core products): the device and the float32
// reference then err against float64 independently, and their errors can add up to
// twice the tolerance, so the device is judged against float64 alone (the CPU
// reference's distance is still reported).
func CompareToTruth(got, cpu []float32, want []float64, atol, rtol float64) Comparison {
	return compare(got, cpu, want, atol, rtol, true)
}

func compare(got, cpu []float32, want []float64, atol, rtol float64, truthOnly bool) Comparison {
	c := Comparison{N: len(got), Atol: atol, Rtol: rtol, Pass: true}
	if len(got) != len(want) || len(cpu) != len(want) {
		c.Pass = false
		return c
	}
	worstExcess := math.Inf(-1)
	for i := range got {
		g, w, r := float64(got[i]), want[i], float64(cpu[i])
		ac, a64 := math.Abs(g-r), math.Abs(g-w)
		if math.IsNaN(g) {
			ac, a64 = math.Inf(1), math.Inf(1)
		}
		c.MaxAbsCPU = math.Max(c.MaxAbsCPU, ac)
		c.MaxAbs64 = math.Max(c.MaxAbs64, a64)
		c.MaxRelCPU = math.Max(c.MaxRelCPU, ac/math.Max(math.Abs(r), 1e-30))
		c.MaxRel64 = math.Max(c.MaxRel64, a64/math.Max(math.Abs(w), 1e-30))
		tol, tolCPU := atol+rtol*math.Abs(w), atol+rtol*math.Abs(r)
		if truthOnly {
			tolCPU = math.Inf(1)
		}
		if excess := math.Max(a64-tol, ac-tolCPU); excess > worstExcess {
			worstExcess = excess
			c.Worst, c.WorstGot, c.WorstWant = i, g, w
		}
		if !(a64 <= tol && ac <= tolCPU) {
			c.Pass = false
		}
	}
	return c
}

// Table formats results as an aligned text table: TableHeader, then a TableRow each.
func Table(rs []Result) string {
	var b strings.Builder
	b.WriteString(TableHeader())
	for _, r := range rs {
		b.WriteString(TableRow(r))
	}
	return b.String()
}

// TableHeader is the header line of Table.
func TableHeader() string {
	return fmt.Sprintf("%-26s %-22s %10s %10s %10s %10s  %s\n", "kernel", "shape", "abs(cpu)", "abs(f64)", "rel(f64)", "tol", "result")
}

// TableRow is the line of Table for one result.
func TableRow(r Result) string {
	status := "pass"
	switch {
	case r.Skipped != "":
		status = "skipped: " + r.Skipped
	case r.Err != nil:
		status = "ERROR: " + r.Err.Error()
	case !r.Pass:
		status = fmt.Sprintf("FAIL: worst element %d: got %.7g, want %.7g", r.Worst, r.WorstGot, r.WorstWant)
	}
	return fmt.Sprintf("%-26s %-22s %10.2e %10.2e %10.2e %10.1e  %s\n", r.Kernel, r.Shape, r.MaxAbsCPU, r.MaxAbs64, r.MaxRel64, r.Atol, status)
}

// Failed counts results that did not pass.
func Failed(rs []Result) int {
	n := 0
	for _, r := range rs {
		if r.Err != nil || !r.Pass {
			n++
		}
	}
	return n
}

// Skipped counts results not run (a feature the device lacks, or a CPU-only kernel).
func Skipped(rs []Result) int {
	n := 0
	for _, r := range rs {
		if r.Skipped != "" {
			n++
		}
	}
	return n
}

// needsCoopMatrix is the Skip of the tensor-core variants.
func needsCoopMatrix(in gpu.Info) string {
	if in.CoopMatrix {
		return ""
	}
	return "cooperative matrices (VK_NV_cooperative_matrix, fp16 16×16×16)"
}

// tensorCore reports whether a GEMM or conv variant runs on tensor cores (fp16 weights
// only, on devices with cooperative matrices).
func tensorCore(variant string) bool { return variant == "cm" || variant == "cm64" }

// randn returns n normal values from a fixed seed, so every run checks the same data.
func randn(seed int64, n int, scale float32) []float32 {
	r := rand.New(rand.NewSource(seed))
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64()) * scale
	}
	return v
}

// upload allocates a tensor holding v.
func upload(d *gpu.Device, v []float32) (*gpu.Tensor, error) {
	t, err := d.Alloc(int64(4 * len(v)))
	if err != nil {
		return nil, err
	}
	if err := t.WriteFloat32(0, v); err != nil {
		t.Free()
		return nil, err
	}
	return t, nil
}

// runOnce records and runs dispatches as a one-off plan.
func runOnce(d *gpu.Device, ds ...gpu.Dispatch) error {
	p := d.NewPlan(false)
	defer p.Close()
	for _, x := range ds {
		if err := p.Add(x); err != nil {
			return err
		}
	}
	return p.Run()
}

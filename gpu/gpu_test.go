package gpu

import (
	"bytes"
	"fmt"
	"math"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sdgo/sdgo/kernels"
)

// dev is the device every test shares (lavapipe in CI).
var dev *Device

func TestMain(m *testing.M) {
	if os.Getenv("SDGO_CACHE_DIR") == "" {
		dir, _ := os.MkdirTemp("", "sdgo-cache")
		os.Setenv("SDGO_CACHE_DIR", dir)
		defer os.RemoveAll(dir)
	}
	var err error
	dev, err = Open("")
	if err != nil {
		fmt.Fprintln(os.Stderr, "gpu tests need a Vulkan device (scripts/setup.sh installs lavapipe):", err)
		os.Exit(1)
	}
	code := m.Run()
	dev.Close()
	if live := LiveObjects(); len(live) > 0 {
		fmt.Fprintln(os.Stderr, "leaked Vulkan objects:", live)
		code = 1
	}
	os.Exit(code)
}

func randFloats(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

func TestDevicesAndPick(t *testing.T) {
	infos, err := Devices()
	require.NoError(t, err)
	require.NotEmpty(t, infos)
	for _, in := range infos {
		require.NotEmpty(t, in.Name)
		require.Greater(t, in.MaxStorageBufferRange, int64(0))
		require.Greater(t, in.SubgroupSize, 0)
	}
	_, err = pick(infos, "no-such-device-name")
	require.ErrorContains(t, err, "no Vulkan device named like")
	_, err = pick(infos, "99")
	require.ErrorContains(t, err, "no Vulkan device with index 99")
	got, err := pick(infos, "0")
	require.NoError(t, err)
	require.Equal(t, 0, got.Index)
}

func TestPickPrefersDiscrete(t *testing.T) {
	infos := []Info{{Index: 0, Name: "llvmpipe", Type: CPU}, {Index: 1, Name: "iGPU", Type: Integrated}, {Index: 2, Name: "H100", Type: Discrete}}
	t.Setenv("SDGO_DEVICE", "")
	got, err := pick(infos, "")
	require.NoError(t, err)
	require.Equal(t, "H100", got.Name)
	t.Setenv("SDGO_DEVICE", "llvm")
	got, err = pick(infos, "")
	require.NoError(t, err)
	require.Equal(t, "llvmpipe", got.Name)
}

func TestAllocFreeReuse(t *testing.T) {
	before := dev.Memory()
	a, err := dev.Alloc(1000)
	require.NoError(t, err)
	b, err := dev.Alloc(3000)
	require.NoError(t, err)
	require.NotEqual(t, a.off, b.off)
	mid := dev.Memory()
	require.GreaterOrEqual(t, mid.Live-before.Live, int64(4000))
	aOff := a.off
	a.Free()
	c, err := dev.Alloc(900) // fits in a's hole
	require.NoError(t, err)
	require.Equal(t, aOff, c.off)
	c.Free()
	b.Free()
	require.Equal(t, before.Live, dev.Memory().Live)
	require.GreaterOrEqual(t, dev.Memory().Peak, mid.Live)
	_, err = dev.Alloc(0)
	require.Error(t, err)
	require.Error(t, a.Write(0, []byte{1}), "write after free")
}

// TestFreeReleasesHostMemory checks that on a CPU device a freed tensor's pages leave the
// process's resident memory, and that its memory can be used again.
func TestFreeReleasesHostMemory(t *testing.T) {
	if dev.Info.Type != CPU {
		t.Skip("device memory is not host memory")
	}
	const size = 32 << 20
	a, err := dev.Alloc(size)
	require.NoError(t, err)
	require.NoError(t, a.Write(0, bytes.Repeat([]byte{1}, size)))
	held := residentBytes(t)
	a.Free()
	released := held - residentBytes(t)
	require.Greater(t, released, int64(size*3/4), "resident bytes released by Free")
	b, err := dev.Alloc(size)
	require.NoError(t, err)
	defer b.Free()
	want := bytes.Repeat([]byte{2}, size)
	require.NoError(t, b.Write(0, want))
	got := make([]byte, size)
	require.NoError(t, b.Read(0, got))
	require.True(t, bytes.Equal(want, got), "reused memory holds what was written")
}

// residentBytes reads the process's resident set size (Linux).
func residentBytes(t *testing.T) int64 {
	data, err := os.ReadFile("/proc/self/status")
	require.NoError(t, err)
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.Fields(rest)[0], 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}

func TestRoundTripOddSizes(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, n := range []int{1, 3, 7, 4095, 65537, 1<<20 + 13} {
		data := make([]byte, n)
		r.Read(data)
		tn, err := dev.Alloc(int64(n))
		require.NoError(t, err)
		require.NoError(t, tn.Write(0, data))
		got := make([]byte, n)
		require.NoError(t, tn.Read(0, got))
		require.Equal(t, data, got, "size %d", n)
		if n > 2 {
			part := make([]byte, n-2)
			require.NoError(t, tn.Read(1, part))
			require.Equal(t, data[1:n-1], part)
		}
		require.Error(t, tn.Read(1, got), "read past the end")
		tn.Free()
	}
}

// dispatch1D builds a dispatch of a 1-D elementwise kernel over n floats.
func dispatch1D(t *testing.T, spec kernels.Spec, n int, alpha float32, binds ...Binding) Dispatch {
	k, err := dev.Kernel(spec)
	require.NoError(t, err)
	g, stride := kernels.Groups1D(n)
	return Dispatch{Kernel: k, Bindings: binds, Groups: [3]uint32{g, 1, 1},
		Params: Params(kernels.ElemParams{N: uint32(n), Stride: stride, Alpha: alpha})}
}

// upload allocates a tensor holding v.
func upload(t *testing.T, v []float32) *Tensor {
	x, err := dev.Alloc(int64(4 * len(v)))
	require.NoError(t, err)
	require.NoError(t, x.WriteFloat32(0, v))
	return x
}

func runPlan(t *testing.T, ds ...Dispatch) {
	p := dev.NewPlan(false)
	defer p.Close()
	for _, d := range ds {
		require.NoError(t, p.Add(d))
	}
	require.NoError(t, p.Run())
}

func TestSiluMatchesCPU(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	for _, n := range []int{1, 63, 64, 65, 1000, kernels.GroupStride1D + 5} {
		x := randFloats(r, n)
		want := make([]float32, n)
		kernels.SiluCPU(x, want)
		tx, _ := dev.Alloc(int64(4 * n))
		ty, _ := dev.Alloc(int64(4 * n))
		require.NoError(t, tx.WriteFloat32(0, x))
		runPlan(t, dispatch1D(t, kernels.Silu, n, 0, Bind(tx), Bind(ty)))
		got, err := ty.Float32s()
		require.NoError(t, err)
		for i := range want {
			require.InDelta(t, want[i], got[i], 1e-6*(1+math.Abs(float64(want[i]))), "n=%d i=%d", n, i)
		}
		tx.Free()
		ty.Free()
	}
}

// TestTensorLargerThanStorageRange runs a kernel over a 192 MiB tensor on a device
// whose storage-buffer range may be smaller (128 MiB on lavapipe): the dispatches bind
// windows of at most the range.
func TestTensorLargerThanStorageRange(t *testing.T) {
	const n = 48 << 20 // floats: 192 MiB
	big, err := dev.Alloc(4 * n)
	require.NoError(t, err)
	defer big.Free()
	out, err := dev.Alloc(4 * n)
	require.NoError(t, err)
	defer out.Free()
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(i%1000)/250 - 2
	}
	require.NoError(t, big.WriteFloat32(0, x))
	// A single binding of the whole tensor is refused where it exceeds the range.
	whole := dispatch1D(t, kernels.Silu, n, 0, Bind(big), Bind(out))
	p := dev.NewPlan(false)
	if 4*n > dev.Info.MaxStorageBufferRange {
		require.ErrorContains(t, p.Add(whole), "max storage buffer range")
	}
	p.Close()
	window := min(dev.Info.MaxStorageBufferRange, 64<<20) / 4 // floats per window
	var ds []Dispatch
	for off := int64(0); off < n; off += window {
		cnt := min(window, n-off)
		ds = append(ds, dispatch1D(t, kernels.Silu, int(cnt), 0, BindRange(big, 4*off, 4*cnt), BindRange(out, 4*off, 4*cnt)))
	}
	runPlan(t, ds...)
	got := make([]float32, 1000)
	for _, at := range []int{0, n/2 + 17, n - 1000} {
		require.NoError(t, out.ReadFloat32(at, got))
		want := make([]float32, 1000)
		kernels.SiluCPU(x[at:at+1000], want)
		for i := range want {
			require.InDelta(t, want[i], got[i], 1e-5, "element %d", at+i)
		}
	}
}

// TestPlanReplay records a 600-dispatch plan of dependent axpy steps over a few
// buffers, replays it three times with new inputs, and checks each against the CPU.
func TestPlanReplay(t *testing.T) {
	const n, bufs, steps = 777, 4, 600
	r := rand.New(rand.NewSource(3))
	ts := make([]*Tensor, bufs)
	for i := range ts {
		var err error
		ts[i], err = dev.Alloc(4 * n)
		require.NoError(t, err)
		defer ts[i].Free()
	}
	type step struct {
		src, dst int
		alpha    float32
	}
	prog := make([]step, steps)
	p := dev.NewPlan(false)
	defer p.Close()
	for i := range prog {
		s := step{src: r.Intn(bufs), dst: r.Intn(bufs), alpha: float32(r.Float64()-0.5) / 4}
		for s.dst == s.src {
			s.dst = r.Intn(bufs)
		}
		prog[i] = s
		require.NoError(t, p.Add(dispatch1D(t, kernels.Axpy, n, s.alpha, Bind(ts[s.src]), Bind(ts[s.dst]))))
	}
	require.NoError(t, p.Record())
	require.Greater(t, p.Barriers(), 0)
	require.Less(t, p.Barriers(), steps, "independent neighbours share a barrier")
	for replay := 0; replay < 3; replay++ {
		host := make([][]float32, bufs)
		for i := range host {
			host[i] = randFloats(r, n)
			require.NoError(t, ts[i].WriteFloat32(0, host[i]))
		}
		require.NoError(t, p.Run())
		for _, s := range prog {
			kernels.AxpyCPU(s.alpha, host[s.src], host[s.dst])
		}
		for i := range host {
			got, err := ts[i].Float32s()
			require.NoError(t, err)
			for j := range got {
				require.InDelta(t, host[i][j], got[j], 1e-4*(1+math.Abs(float64(host[i][j]))), "replay %d buffer %d element %d", replay, i, j)
			}
		}
	}
}

func TestPlanTiming(t *testing.T) {
	if !dev.Info.Timestamps {
		t.Skip("device has no timestamps")
	}
	x, _ := dev.Alloc(4 * 4096)
	y, _ := dev.Alloc(4 * 4096)
	defer x.Free()
	defer y.Free()
	p := dev.NewPlan(true)
	defer p.Close()
	for i := 0; i < 5; i++ {
		require.NoError(t, p.Add(dispatch1D(t, kernels.Silu, 4096, 0, Bind(x), Bind(y))))
		require.NoError(t, p.Add(dispatch1D(t, kernels.Axpy, 4096, 1, Bind(y), Bind(x))))
	}
	require.NoError(t, p.Run())
	tm := p.Timings()
	require.Len(t, tm, 2)
	for _, k := range tm {
		require.Equal(t, 5, k.Dispatches)
		require.Greater(t, k.Total.Nanoseconds(), int64(0))
	}
}

func TestPlanRejectsBadDispatches(t *testing.T) {
	k, err := dev.Kernel(kernels.Silu)
	require.NoError(t, err)
	x, _ := dev.Alloc(64)
	defer x.Free()
	p := dev.NewPlan(false)
	defer p.Close()
	good := Params(kernels.ElemParams{N: 16, Stride: 64})
	require.ErrorContains(t, p.Add(Dispatch{Kernel: k, Bindings: []Binding{Bind(x)}, Params: good, Groups: [3]uint32{1, 1, 1}}), "bindings")
	require.ErrorContains(t, p.Add(Dispatch{Kernel: k, Bindings: []Binding{Bind(x), Bind(x)}, Params: good[:4], Groups: [3]uint32{1, 1, 1}}), "params")
	require.ErrorContains(t, p.Add(Dispatch{Kernel: k, Bindings: []Binding{Bind(x), BindRange(x, 32, 64)}, Params: good, Groups: [3]uint32{1, 1, 1}}), "outside")
	require.ErrorContains(t, p.Add(Dispatch{Kernel: k, Bindings: []Binding{Bind(x), Bind(x)}, Params: good, Groups: [3]uint32{0, 1, 1}}), "workgroups")
	require.ErrorContains(t, p.Run(), "empty plan")
	_, err = dev.Kernel(kernels.Spec{Name: "no_such_kernel"})
	require.ErrorContains(t, err, "no embedded SPIR-V")
}

// TestTexelBindings runs a kernel with texel-buffer bindings (views are created at
// Record and released at Close; TestMain checks nothing leaks) and checks that a range
// that is not whole 16-byte texels is refused with the reason.
func TestTexelBindings(t *testing.T) {
	spec, err := kernels.GemmKernel("tex", false)
	require.NoError(t, err)
	require.NotZero(t, spec.Texels)
	k, err := dev.Kernel(spec)
	require.NoError(t, err)
	const m, n, kk = 8, 8, 8
	a := make([]float32, m*kk)
	w := make([]float32, n*kk)
	for i := range a {
		a[i], w[i] = float32(i%7)-3, float32(i%5)-2
	}
	ta, tw, tc := upload(t, a), upload(t, w), upload(t, make([]float32, m*n))
	defer ta.Free()
	defer tw.Free()
	defer tc.Free()
	p := kernels.NewGemmParams(1, m, n, kk, false, false, false, kernels.GemmActNone, true)
	binds := []Binding{Bind(ta), Bind(tw), Bind(ta), Bind(ta), Bind(tc)}
	runPlan(t, Dispatch{Kernel: k, Bindings: binds, Params: Params(p), Groups: kernels.GemmGroups("tex", p)})
	got, err := tc.Float32s()
	require.NoError(t, err)
	want := make([]float32, m*n)
	kernels.GemmCPU(p, a, kernels.F32Words(w), nil, nil, want)
	require.Equal(t, want, got)

	pl := dev.NewPlan(false)
	defer pl.Close()
	binds[1] = BindRange(tw, 0, 4*n*kk-4)
	require.ErrorContains(t, pl.Add(Dispatch{Kernel: k, Bindings: binds, Params: Params(p), Groups: [3]uint32{1, 1, 1}}), "texel")
}

// TestWorkQueue runs queued kernels (kernels.Spec.Queue): two GEMMs of different tile
// counts, ragged edges included, in one plan, each equal to the CPU reference in
// replays and in a run after the work queue was left dirty, which a plan zeroes before
// its first dispatch; each run leaves the queue at 0; a queued kernel dispatched with
// another workgroup count is refused.
func TestWorkQueue(t *testing.T) {
	spec, err := kernels.GemmKernel("tex", false)
	require.NoError(t, err)
	require.True(t, spec.Queue)
	k, err := dev.Kernel(spec)
	require.NoError(t, err)
	r := rand.New(rand.NewSource(5))
	pl := dev.NewPlan(false)
	defer pl.Close()
	var outs []*Tensor
	var wants [][]float32
	for _, s := range [][3]int{{70, 100, 24}, {33, 8, 16}} { // 3×4 and 2×1 tiles of 32×32
		m, n, kk := s[0], s[1], s[2]
		a, w := randFloats(r, m*kk), randFloats(r, n*kk)
		ta, tw, tc := upload(t, a), upload(t, w), upload(t, make([]float32, m*n))
		defer ta.Free()
		defer tw.Free()
		defer tc.Free()
		p := kernels.NewGemmParams(1, m, n, kk, false, false, false, kernels.GemmActNone, true)
		d := Dispatch{Kernel: k, Bindings: []Binding{Bind(ta), Bind(tw), Bind(ta), Bind(ta), Bind(tc)}, Params: Params(p), Groups: kernels.GemmGroups("tex", p)}
		require.Equal(t, [3]uint32{kernels.QueueGroups, 1, 1}, d.Groups)
		require.NoError(t, pl.Add(d))
		want := make([]float32, m*n)
		kernels.GemmCPU(p, a, kernels.F32Words(w), nil, nil, want)
		outs, wants = append(outs, tc), append(wants, want)
		d.Groups = [3]uint32{1, 1, 1}
		bad := dev.NewPlan(false)
		require.ErrorContains(t, bad.Add(d), "queued kernel")
		bad.Close()
	}
	run := func() {
		for _, tc := range outs {
			require.NoError(t, tc.Fill(0))
		}
		require.NoError(t, pl.Run())
		for i, tc := range outs {
			got, err := tc.Float32s()
			require.NoError(t, err)
			require.InDeltaSlice(t, wants[i], got, 1e-5)
		}
		q := make([]byte, workQueueBytes)
		require.NoError(t, dev.work.Read(0, q))
		require.Equal(t, make([]byte, workQueueBytes), q, "the last workgroup out leaves the queue at 0")
	}
	run()
	run()
	require.NoError(t, dev.work.Write(0, []byte{7, 0, 0, 0, 100, 0, 0, 0}))
	run()
}

// TestCloseReleasesEverything opens a second device, uses every kind of object, closes
// it, and checks the live Vulkan object counts return to where they were.
func TestCloseReleasesEverything(t *testing.T) {
	before := LiveObjects()
	d2, err := Open("")
	require.NoError(t, err)
	x, err := d2.Alloc(4 * 100)
	require.NoError(t, err)
	k, err := d2.Kernel(kernels.Silu)
	require.NoError(t, err)
	p := d2.NewPlan(true)
	g, stride := kernels.Groups1D(100)
	require.NoError(t, p.Add(Dispatch{Kernel: k, Bindings: []Binding{Bind(x), Bind(x)}, Groups: [3]uint32{g, 1, 1}, Params: Params(kernels.ElemParams{N: 100, Stride: stride})}))
	require.NoError(t, p.Run())
	require.NotEqual(t, before, LiveObjects())
	p.Close()
	require.NoError(t, d2.Close())
	require.Equal(t, before, LiveObjects())
}

func TestPipelineCachePersists(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("SDGO_CACHE_DIR", dir)
	d2, err := Open("")
	require.NoError(t, err)
	_, err = d2.Kernel(kernels.Axpy)
	require.NoError(t, err)
	require.NoError(t, d2.Close())
	files, _ := os.ReadDir(dir)
	require.Len(t, files, 1)
	info, _ := files[0].Info()
	require.Greater(t, info.Size(), int64(0))
}

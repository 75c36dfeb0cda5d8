// Package bench measures sdgo end to end on a full-size checkpoint with random weights
// (written by bench/checkpoint, so no download is needed): text encoder, one UNet
// evaluation with guidance (batch 2), VAE decode and whole txt2img runs, each first run
// (pipeline compilation included) and warm, with a per-kernel breakdown from
// timestamp queries, peak device memory and peak host RSS.
package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sdgo/sdgo/bench/checkpoint"
	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/model/pipeline"
	"github.com/sdgo/sdgo/model/sampler"
	"github.com/sdgo/sdgo/model/weights"
)

// Options select what to measure.
type Options struct {
	Arch       string // checkpoint architecture: sd15 (default) or sd21
	Checkpoint string // checkpoint file; "" = generated once into the cache folder
	Config     string // diffusers folder describing a single-file checkpoint (optional)
	Sizes      []int  // image sides in px (default 256)
	Steps      int    // sampling steps of the txt2img runs (default 4)
	Device     string
	// PlanOnly reports the planned device memory per size without running anything.
	PlanOnly bool
	Log      io.Writer // progress lines (may be nil)
}

// Stage is the timing of one stage at one size.
type Stage struct {
	Name  string
	Size  int
	First time.Duration // first run, including pipeline compilation (JIT)
	Warm  time.Duration // a later run
}

// Report is the result of a benchmark run.
type Report struct {
	Device, Driver string
	Date           string
	Checkpoint     string
	Load           time.Duration
	Stages         []Stage
	UNetKernels    map[int][]gpu.KernelTime // per size: device time per kernel of one warm UNet evaluation
	DecodeKernels  map[int][]gpu.KernelTime // per size: device time per kernel of one VAE decode
	// UNetHostPerCall is, per size, the time of a sampling step outside the UNet's
	// replay: timestep upload, the sampler's ops, progress (the per-step CPU side).
	UNetHostPerCall map[int]time.Duration
	// Plans is the planner's device memory per size (batch 1 with guidance).
	Plans           map[int]pipeline.MemoryPlan
	PeakDeviceBytes int64
	// PeakRSSBytes is the process's peak host RSS over the timed runs: with the
	// pipeline loaded as `sdgo generate` loads it for several batches (on CPU devices
	// each network uploaded when a generation needs it, elsewhere all three resident).
	PeakRSSBytes int64
	// OneShot is, per size, a one-step txt2img run as `sdgo generate` makes one
	// (pipeline.Options.FreeAfterUse: each network uploaded when needed, freed after),
	// measured after the resident pipeline is closed; zero values where the host
	// cannot reset its RSS peak (Linux's clear_refs).
	OneShot map[int]OneShot
}

// OneShot is a one-generation run of a fresh pipeline: its wall time (uploads
// included) and its peaks.
type OneShot struct {
	Wall            time.Duration
	PeakDeviceBytes int64
	PeakRSSBytes    int64
}

func (o *Options) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, format+"\n", args...)
	}
}

// checkpointPath returns the benchmark checkpoint, writing it on first use.
func (o *Options) checkpointPath() (string, error) {
	if o.Checkpoint != "" {
		return o.Checkpoint, nil
	}
	a, err := checkpoint.Lookup(o.Arch)
	if err != nil {
		return "", err
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "sdgo", "bench-"+a.Name+".safetensors")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	o.logf("writing the %s benchmark checkpoint to %s (once)", a.Name, path)
	return path, checkpoint.Write(path, a, 1)
}

// Run performs the benchmark.
func Run(o Options) (*Report, error) {
	if o.Arch == "" {
		o.Arch = "sd15"
	}
	if len(o.Sizes) == 0 {
		o.Sizes = []int{256}
	}
	if o.Steps == 0 {
		o.Steps = 4
	}
	path, err := o.checkpointPath()
	if err != nil {
		return nil, err
	}
	d, err := gpu.Open(o.Device)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	r := &Report{Device: d.Info.Name, Driver: d.Info.Driver, Date: time.Now().UTC().Format(time.RFC3339), Checkpoint: path,
		UNetKernels: map[int][]gpu.KernelTime{}, DecodeKernels: map[int][]gpu.KernelTime{}, UNetHostPerCall: map[int]time.Duration{}, Plans: map[int]pipeline.MemoryPlan{}, OneShot: map[int]OneShot{}}
	if err := o.measurePipeline(d, path, r); err != nil {
		return nil, err
	}
	r.PeakDeviceBytes = d.Memory().Peak
	r.PeakRSSBytes = peakRSS()
	if o.PlanOnly {
		return r, nil
	}
	for _, size := range o.Sizes {
		if !resetPeakRSS() {
			break
		}
		if r.OneShot[size], err = o.measureOneShot(d, path, size); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// measurePipeline loads the pipeline once, as `sdgo generate` does for several batches
// on this device, and measures every size on it.
func (o *Options) measurePipeline(d *gpu.Device, path string, r *Report) error {
	began := time.Now()
	p, err := pipeline.Load(d, path, pipeline.Options{Options: weights.Options{Config: o.Config}, FreeAfterUse: d.Info.Type == gpu.CPU})
	if err != nil {
		return err
	}
	defer p.Close()
	r.Load = time.Since(began)
	o.logf("loaded %s in %.1f s on %s", filepath.Base(path), r.Load.Seconds(), d.Info.Name)
	sched, err := p.SchedulerConfig()
	if err != nil {
		return err
	}
	for _, size := range o.Sizes {
		if r.Plans[size], err = p.PlanMemory(size, size, 1); err != nil {
			return err
		}
		if o.PlanOnly {
			continue
		}
		if err := o.measureSize(p, sched, size, r); err != nil {
			return err
		}
	}
	return nil
}

// measureOneShot loads a pipeline that uploads each network only while a generation
// needs it, and runs one 1-step txt2img generation on it.
func (o *Options) measureOneShot(d *gpu.Device, path string, size int) (OneShot, error) {
	began := time.Now()
	d.ResetPeak()
	p, err := pipeline.Load(d, path, pipeline.Options{Options: weights.Options{Config: o.Config}, FreeAfterUse: true})
	if err != nil {
		return OneShot{}, err
	}
	defer p.Close()
	sched, err := p.SchedulerConfig()
	if err != nil {
		return OneShot{}, err
	}
	req := benchRequest(size, sched)
	if _, err := p.Generate(context.Background(), req); err != nil {
		return OneShot{}, fmt.Errorf("%d px one-shot: %w", size, err)
	}
	s := OneShot{Wall: time.Since(began), PeakDeviceBytes: d.Memory().Peak, PeakRSSBytes: peakRSS()}
	o.logf("%d px one-shot generation: %.1f s, peak device memory %d MiB, peak RSS %d MiB", size, s.Wall.Seconds(), s.PeakDeviceBytes>>20, s.PeakRSSBytes>>20)
	return s, nil
}

// benchRequest is the txt2img request every measurement runs (one step, guidance).
func benchRequest(size int, sched sampler.Config) pipeline.Request {
	return pipeline.Request{Prompts: []string{"a photograph of an astronaut riding a horse"}, Negatives: []string{"blurry"},
		Width: size, Height: size, Steps: 1, CFGScale: 7, Seed: 1, Sampler: "euler", Scheduler: sched}
}

// measureSize runs txt2img at one size: a 1-step run (first: JIT), a profiled 1-step
// run (per-kernel times) and a Steps-step run (warm stage times).
func (o *Options) measureSize(p *pipeline.Pipeline, sched sampler.Config, size int, r *Report) error {
	req := benchRequest(size, sched)
	run := func(steps int, profile bool) (*pipeline.Result, error) {
		req.Steps, req.Profile = steps, profile
		res, err := p.Generate(context.Background(), req)
		if err != nil {
			return nil, fmt.Errorf("%d px: %w", size, err)
		}
		return res, nil
	}
	first, err := run(1, false)
	if err != nil {
		return err
	}
	o.logf("%d px first run: text %.2f s, one UNet evaluation %.2f s, decode %.2f s", size,
		first.Timings["text"].Seconds(), first.UNetWall.Seconds(), first.Timings["decode"].Seconds())
	prof, err := run(1, true)
	if err != nil {
		return err
	}
	device := totalTime(prof.UNetKernels)
	r.UNetKernels[size] = byTime(prof.UNetKernels)
	r.DecodeKernels[size] = byTime(prof.DecodeKernels)
	warm, err := run(o.Steps, false)
	if err != nil {
		return err
	}
	perCall := warm.UNetWall / time.Duration(warm.UNetCalls)
	r.UNetHostPerCall[size] = (warm.Timings["sample"] - warm.UNetWall) / time.Duration(warm.UNetCalls)
	r.Stages = append(r.Stages,
		Stage{Name: "text encoder", Size: size, First: first.Timings["text"], Warm: warm.Timings["text"]},
		Stage{Name: "UNet step (CFG, batch 2)", Size: size, First: first.UNetWall, Warm: perCall},
		Stage{Name: "VAE decode", Size: size, First: first.Timings["decode"], Warm: warm.Timings["decode"]},
		Stage{Name: fmt.Sprintf("txt2img %d steps", o.Steps), Size: size, Warm: warm.Timings["text"] + warm.Timings["sample"] + warm.Timings["decode"]},
	)
	o.logf("%d px warm: UNet step %.2f s (device %.2f s), decode %.2f s", size, perCall.Seconds(), device.Seconds(), warm.Timings["decode"].Seconds())
	return nil
}

// peakRSS reads the process's peak resident set size (Linux), or 0.
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// resetPeakRSS sets the process's peak RSS to its current RSS (Linux's clear_refs) and
// reports whether it could.
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// Table formats the report for people.
func (r *Report) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "device: %s (%s)\ndate: %s\ncheckpoint: %s (loaded in %.1f s)\n\n", r.Device, r.Driver, r.Date, r.Checkpoint, r.Load.Seconds())
	fmt.Fprintf(&b, "%-26s %6s %12s %12s\n", "stage", "size", "first (s)", "warm (s)")
	for _, s := range r.Stages {
		first := "-"
		if s.First > 0 {
			first = fmt.Sprintf("%.2f", s.First.Seconds())
		}
		fmt.Fprintf(&b, "%-26s %6d %12s %12.2f\n", s.Name, s.Size, first, s.Warm.Seconds())
	}
	kernelTable := func(ks []gpu.KernelTime) {
		total := totalTime(ks)
		for _, k := range ks {
			fmt.Fprintf(&b, "  %-24s %5d dispatches %8.3f s %5.1f%%\n", k.Name, k.Dispatches, k.Total.Seconds(), 100*k.Total.Seconds()/total.Seconds())
		}
	}
	for _, size := range sortedKeys(r.UNetKernels) {
		fmt.Fprintf(&b, "\nUNet evaluation at %d px, device time by kernel (timed run with a barrier per dispatch: total %.2f s); rest of each sampling step %.1f ms:\n", size, totalTime(r.UNetKernels[size]).Seconds(), float64(r.UNetHostPerCall[size].Microseconds())/1000)
		kernelTable(r.UNetKernels[size])
		if ks := r.DecodeKernels[size]; len(ks) > 0 {
			fmt.Fprintf(&b, "\nVAE decode at %d px, device time by kernel (total %.2f s):\n", size, totalTime(ks).Seconds())
			kernelTable(ks)
		}
	}
	mib := func(v int64) float64 { return float64(v) / (1 << 20) }
	for _, size := range sortedKeys(r.Plans) {
		m := r.Plans[size]
		fmt.Fprintf(&b, "\nplanned device memory at %d px: peak %.0f MiB; parameters %.0f MiB (text encoder %.0f, UNet %.0f, VAE %.0f); arenas: UNet %.0f MiB (%.0f MiB without reuse, with %.0f MiB of projected text), VAE %.0f MiB, text %.0f MiB\n",
			size, mib(m.Peak), mib(m.Params), mib(m.TextParams), mib(m.UNetParams), mib(m.VAEParams), mib(m.UNetArena), mib(m.UNetNaive), mib(m.UNetText), mib(m.VAEArena), mib(m.TextArena))
	}
	fmt.Fprintf(&b, "\npeak device memory %.0f MiB, peak host RSS %.0f MiB (the timed runs)\n", mib(r.PeakDeviceBytes), mib(r.PeakRSSBytes))
	for _, size := range sortedKeys(r.OneShot) {
		s := r.OneShot[size]
		fmt.Fprintf(&b, "one-shot 1-step txt2img at %d px (networks uploaded when needed, as `sdgo generate`): %.1f s, peak device memory %.0f MiB, peak host RSS %.0f MiB\n",
			size, s.Wall.Seconds(), mib(s.PeakDeviceBytes), mib(s.PeakRSSBytes))
	}
	return b.String()
}

// totalTime sums the kernels' device times.
func totalTime(ks []gpu.KernelTime) time.Duration {
	var t time.Duration
	for _, k := range ks {
		t += k.Total
	}
	return t
}

// byTime sorts ks by device time, largest first, and returns it.
func byTime(ks []gpu.KernelTime) []gpu.KernelTime {
	sort.Slice(ks, func(i, j int) bool { return ks[i].Total > ks[j].Total })
	return ks
}

func sortedKeys[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	return keys
}

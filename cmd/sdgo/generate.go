package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/model/imageio"
	"github.com/sdgo/sdgo/model/pipeline"
	"github.com/sdgo/sdgo/model/sampler"
	"github.com/sdgo/sdgo/model/weights"
)

func init() {
	register(command{name: "generate", summary: "generate images: txt2img, img2img, inpainting, outpainting", run: runGenerate})
}

// generateFlags are the settings of one `sdgo generate`.
type generateFlags struct {
	model, vae, config, unet   string
	prompt, negative           string
	width, height, steps       int
	cfg                        float64
	seed                       int64
	samplerName, schedule, rng string
	spacing, prediction        string
	batchCount, batchSize      int
	clipSkip                   int
	initImg, mask, outpaint    string
	strength, maskBlur         float64
	resize                     string
	device, weightType, output string
	loraDir, embdDir           string
	strengthSet                bool // --strength was given (inpainting defaults to 1)
	vaeTiling                  bool
	verbose, asJSON            bool
}

func (f *generateFlags) define(fs *pflag.FlagSet) {
	fs.StringVarP(&f.model, "model", "m", "", "checkpoint file, diffusers folder or Hugging Face id in the local cache")
	fs.StringVar(&f.vae, "vae", "", "VAE weights to use instead of the model's")
	fs.StringVar(&f.unet, "unet", "", "UNet weights to use instead of the model's (e.g. an inpainting UNet)")
	fs.StringVar(&f.config, "config", "", "diffusers folder whose configs describe a single-file checkpoint")
	fs.StringVarP(&f.prompt, "prompt", "p", "", "the prompt (A1111 syntax: (word:1.2), [word], BREAK)")
	fs.StringVarP(&f.negative, "negative-prompt", "n", "", "the negative prompt")
	fs.IntVarP(&f.width, "width", "W", 0, "image width in px, a multiple of 8 (default 512, 768 for SD2 v-models)")
	fs.IntVarP(&f.height, "height", "H", 0, "image height in px, a multiple of 8 (default like the width)")
	fs.IntVar(&f.steps, "steps", 20, "sampling steps")
	fs.Float64Var(&f.cfg, "cfg-scale", 7.0, "classifier-free guidance scale (≤ 1: no negative pass)")
	fs.Int64VarP(&f.seed, "seed", "s", -1, "seed (-1: random, printed)")
	fs.StringVar(&f.samplerName, "sampler", "euler_a", "sampler: "+strings.Join(sampler.SamplerNames(), ", "))
	fs.StringVar(&f.schedule, "schedule", "", "sigma schedule: discrete, karras, exponential, sgm_uniform")
	fs.StringVar(&f.schedule, "scheduler", "", "alias of --schedule")
	fs.StringVar(&f.rng, "rng", sampler.RNGCPU, "noise generator: cpu (torch CPU, as diffusers) or cuda (Philox, as A1111)")
	fs.StringVar(&f.spacing, "timestep-spacing", "", "leading, linspace or trailing (default: the sampler's)")
	fs.StringVar(&f.prediction, "prediction", "", "eps or v (default: from the model)")
	fs.IntVarP(&f.batchCount, "batch-count", "b", 1, "number of batches (seed, seed+1, ...)")
	fs.IntVar(&f.batchSize, "batch-size", 1, "images per batch")
	fs.IntVar(&f.clipSkip, "clip-skip", 0, "skip the last N text-encoder layers (A1111's clip skip 2 = 1)")
	fs.StringVarP(&f.initImg, "init-img", "i", "", "init image (PNG/JPEG) for img2img and inpainting")
	fs.Float64Var(&f.strength, "strength", 0.75, "img2img strength: how much of the schedule to run on the init image")
	fs.StringVar(&f.mask, "mask", "", "inpainting mask (PNG/JPEG, white = repaint)")
	fs.Float64Var(&f.maskBlur, "mask-blur", 0, "Gaussian blur of the mask, in px")
	fs.StringVar(&f.outpaint, "outpaint", "", "extend the init image by LEFT,RIGHT,TOP,BOTTOM px and paint the border")
	fs.StringVar(&f.resize, "resize", "crop", "how init images and masks meet the size: crop, fit or stretch")
	fs.StringVar(&f.loraDir, "lora-dir", "", "folder of LoRA files named by <lora:NAME:STRENGTH> prompt tags")
	fs.StringVar(&f.embdDir, "embd-dir", "", "folder of textual-inversion embeddings (used by name in prompts)")
	fs.BoolVar(&f.vaeTiling, "vae-tiling", false, "decode in tiles (automatic when the image exceeds the device's buffer range)")
	fs.StringVar(&f.device, "device", "", "device index or name substring (default $SDGO_DEVICE, else the best)")
	fs.StringVar(&f.weightType, "weight-type", "f16", "weight storage on the device: f16 or f32")
	fs.StringVarP(&f.output, "output", "o", "output.png", "output PNG (several images: NAME_1.png, NAME_2.png, ...)")
	fs.BoolVarP(&f.verbose, "verbose", "v", false, "also print the device and the model used")
	fs.BoolVar(&f.asJSON, "json", false, "print a JSON summary on stdout")
}

// check validates flag values, naming the flag at fault.
func (f *generateFlags) check() error {
	switch {
	case f.prompt == "":
		return fmt.Errorf("--prompt is required")
	case f.steps < 1 || f.steps > 1000:
		return fmt.Errorf("--steps %d: must be in 1..1000", f.steps)
	case f.width < 0 || f.width%8 != 0 || f.width > 4096:
		return fmt.Errorf("--width %d: must be a multiple of 8 up to 4096", f.width)
	case f.height < 0 || f.height%8 != 0 || f.height > 4096:
		return fmt.Errorf("--height %d: must be a multiple of 8 up to 4096", f.height)
	case f.cfg < 0 || f.cfg > 100:
		return fmt.Errorf("--cfg-scale %v: must be in 0..100", f.cfg)
	case f.batchCount < 1 || f.batchSize < 1 || f.batchSize > 64:
		return fmt.Errorf("--batch-count and --batch-size must be ≥ 1 (batch size ≤ 64)")
	case f.rng != sampler.RNGCPU && f.rng != sampler.RNGCUDA:
		return fmt.Errorf("--rng %q: want cpu or cuda", f.rng)
	case f.weightType != "f16" && f.weightType != "f32":
		return fmt.Errorf("--weight-type %q: want f16 or f32", f.weightType)
	case f.prediction != "" && f.prediction != "eps" && f.prediction != "v":
		return fmt.Errorf("--prediction %q: want eps or v", f.prediction)
	case f.strength <= 0 || f.strength > 1:
		return fmt.Errorf("--strength %v: must be in (0, 1]", f.strength)
	case f.clipSkip < 0:
		return fmt.Errorf("--clip-skip %d: must not be negative", f.clipSkip)
	case (f.mask != "" || f.outpaint != "") && f.initImg == "":
		return fmt.Errorf("--mask and --outpaint need --init-img")
	case f.mask != "" && f.outpaint != "":
		return fmt.Errorf("--mask and --outpaint exclude each other")
	case !strings.EqualFold(filepath.Ext(f.output), ".png"):
		return fmt.Errorf("--output %q: only PNG output is supported", f.output)
	}
	if !slices.Contains(sampler.SamplerNames(), f.samplerName) {
		return fmt.Errorf("--sampler %q: want one of %s", f.samplerName, strings.Join(sampler.SamplerNames(), ", "))
	}
	switch f.schedule {
	case "", sampler.ScheduleDiscrete, sampler.ScheduleKarras, sampler.ScheduleExponential, sampler.ScheduleSGMUniform:
	default:
		return fmt.Errorf("--schedule %q: want discrete, karras, exponential or sgm_uniform", f.schedule)
	}
	if st, err := os.Stat(filepath.Dir(f.output)); err != nil || !st.IsDir() {
		return fmt.Errorf("--output %q: folder %s does not exist", f.output, filepath.Dir(f.output))
	}
	if _, err := imageio.ParseResizeMode(f.resize); err != nil {
		return fmt.Errorf("--resize: %v", err)
	}
	if f.spacing != "" && f.spacing != sampler.SpacingLeading && f.spacing != sampler.SpacingLinspace && f.spacing != sampler.SpacingTrailing {
		return fmt.Errorf("--timestep-spacing %q: want leading, linspace or trailing", f.spacing)
	}
	if f.outpaint != "" {
		if _, err := parseOutpaint(f.outpaint); err != nil {
			return fmt.Errorf("--outpaint: %v", err)
		}
	}
	return nil
}

func parseOutpaint(s string) (imageio.Extension, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return imageio.Extension{}, fmt.Errorf("%q: want LEFT,RIGHT,TOP,BOTTOM", s)
	}
	var v [4]int
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 0 || n > 4096 {
			return imageio.Extension{}, fmt.Errorf("%q: each side must be 0..4096 px", s)
		}
		v[i] = n
	}
	return imageio.Extension{Left: v[0], Right: v[1], Top: v[2], Bottom: v[3]}, nil
}

func runGenerate(args []string, stdout, stderr io.Writer) int {
	var f generateFlags
	fs := pflag.NewFlagSet("generate", pflag.ContinueOnError)
	f.define(fs)
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sdgo generate: unexpected argument %q (quote the prompt and pass it with -p)\n", fs.Arg(0))
		return exitUsage
	}
	f.strengthSet = fs.Changed("strength")
	if err := f.check(); err != nil {
		fmt.Fprintln(stderr, "sdgo generate:", err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := generate(ctx, &f, stdout, stderr); err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(stderr, "sdgo generate: interrupted; no image written")
			return exitFailure
		}
		fmt.Fprintln(stderr, "sdgo generate:", err)
		return exitFailure
	}
	return 0
}

// summary is what --json prints.
type summary struct {
	Device          string
	Model           string
	Files           []string
	Seeds           []uint64
	Width, Height   int
	Seconds         map[string]float64
	PeakDeviceBytes int64
}

func generate(ctx context.Context, f *generateFlags, stdout, stderr io.Writer) error {
	ref, err := findModel(f.model)
	if err != nil {
		return err
	}
	d, err := gpu.Open(f.device)
	if err != nil {
		return err
	}
	defer d.Close()
	prog := newProgress(stderr)
	began := time.Now()
	prompt, loras, err := loadLoRAs(f.prompt, f.loraDir)
	if err != nil {
		return err
	}
	// One generation uploads each network when it needs it and frees it after, so that
	// memory holds one network's parameters at a time; several keep them all, except on
	// CPU devices, whose memory is the host's and where an upload (≈ 6 s for SD 1.5) is
	// little next to sampling.
	opt := pipeline.Options{Options: weights.Options{Config: f.config, UNet: f.unet, VAE: f.vae}, F32: f.weightType == "f32",
		Encoder: f.initImg != "", LoRAs: loras, FreeAfterUse: f.batchCount == 1 || d.Info.Type == gpu.CPU}
	switch f.prediction {
	case "eps":
		opt.Prediction = weights.Epsilon
	case "v":
		opt.Prediction = weights.VPrediction
	}
	p, err := pipeline.Load(d, ref, opt)
	if err != nil {
		return err
	}
	defer p.Close()
	prog.line(fmt.Sprintf("loaded %s (%s, %s) on %s in %.1f s", filepath.Base(ref), p.Model.Config.Arch, p.Model.Config.Prediction, d.Info.Name, time.Since(began).Seconds()))
	for _, w := range p.Warnings {
		prog.line("warning: " + w)
	}
	req, err := f.request(p)
	if err != nil {
		return err
	}
	for i := range req.Prompts {
		req.Prompts[i] = prompt
	}
	req.VAETiling = f.vaeTiling
	if req.Embeddings, err = loadEmbeddings(f.embdDir, p.Model.Config.Text.Hidden); err != nil {
		return err
	}
	seed := uint64(f.seed)
	if f.seed < 0 {
		var b [8]byte
		rand.Read(b[:])
		seed = binary.LittleEndian.Uint64(b[:]) >> 32
		prog.line(fmt.Sprintf("seed %d", seed))
	}
	sum := summary{Device: d.Info.Name, Model: ref, Width: req.Width, Height: req.Height, Seconds: map[string]float64{"load": time.Since(began).Seconds()}}
	total := f.batchCount * f.batchSize
	var results []*pipeline.Result
	for b := 0; b < f.batchCount; b++ {
		req.Seed = seed + uint64(b)
		req.Progress = prog.update
		res, err := p.Generate(ctx, req)
		if err != nil {
			return err
		}
		results = append(results, res)
		sum.Seeds = append(sum.Seeds, req.Seed)
		for k, v := range res.Timings {
			sum.Seconds[k] += v.Seconds()
		}
		sum.PeakDeviceBytes = max(sum.PeakDeviceBytes, res.PeakDeviceBytes)
	}
	// Write only after every batch succeeded: an interrupted run leaves no file.
	i := 0
	for b, res := range results {
		for _, img := range res.Images {
			i++
			name := outputName(f.output, i, total)
			params := f.parameters(p, ref, req, sum.Seeds[b])
			if err := imageio.WritePNG(name, img, params.Format()); err != nil {
				return err
			}
			sum.Files = append(sum.Files, name)
		}
	}
	prog.done()
	if f.asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	for _, name := range sum.Files {
		fmt.Fprintln(stdout, name)
	}
	fmt.Fprintf(stderr, "done: upload %.2f s, text %.2f s, sample %.2f s, decode %.2f s; peak device memory %.1f MiB\n",
		sum.Seconds["upload"], sum.Seconds["text"], sum.Seconds["sample"], sum.Seconds["decode"], float64(sum.PeakDeviceBytes)/(1<<20))
	if f.verbose {
		fmt.Fprintf(stderr, "device: %s; model %s\n", sum.Device, sum.Model)
	}
	return nil
}

// outputName numbers outputs when there are several: out.png → out_1.png, ...
func outputName(path string, i, total int) string {
	if total == 1 {
		return path
	}
	ext := filepath.Ext(path)
	return fmt.Sprintf("%s_%d%s", strings.TrimSuffix(path, ext), i, ext)
}

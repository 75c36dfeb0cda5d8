package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/sdgo/sdgo/model/imageio"
	"github.com/sdgo/sdgo/model/pipeline"
	"github.com/sdgo/sdgo/model/sampler"
	"github.com/sdgo/sdgo/model/weights"
)

// request turns the flags into a pipeline request for the loaded model.
func (f *generateFlags) request(p *pipeline.Pipeline) (pipeline.Request, error) {
	sched, err := p.SchedulerConfig()
	if err != nil {
		return pipeline.Request{}, err
	}
	if f.schedule != "" {
		sched.Schedule = f.schedule
	}
	if f.spacing != "" {
		sched.TimestepSpacing = f.spacing
	}
	w, h := f.width, f.height
	if w == 0 {
		w = 512
		if p.Model.Config.Arch == weights.SD2 && p.Model.Config.Prediction == weights.VPrediction {
			w = 768
		}
	}
	if h == 0 {
		h = w
	}
	req := pipeline.Request{
		Width: w, Height: h, Steps: f.steps, CFGScale: f.cfg, RNG: f.rng,
		Sampler: f.samplerName, Scheduler: sched, ClipSkip: f.clipSkip, Strength: f.strength,
	}
	for i := 0; i < f.batchSize; i++ {
		req.Prompts = append(req.Prompts, f.prompt)
		req.Negatives = append(req.Negatives, f.negative)
	}
	// Check the sampler settings now, before any work, naming the flag.
	if _, err := sampler.New(f.samplerName, sched, f.steps); err != nil {
		return req, fmt.Errorf("--sampler/--schedule: %w", err)
	}
	if f.initImg == "" {
		return req, nil
	}
	return req, f.images(&req)
}

// images reads, resizes and prepares the init image and the mask (or the outpainting
// canvas and its mask).
func (f *generateFlags) images(req *pipeline.Request) error {
	mode, _ := imageio.ParseResizeMode(f.resize)
	img, err := imageio.ReadImage(f.initImg)
	if err != nil {
		return err
	}
	if f.outpaint != "" {
		ext, _ := parseOutpaint(f.outpaint)
		canvas, mask, err := imageio.Outpaint(img, ext, imageio.OutpaintOptions{Overlap: 8, Feather: f.maskBlur})
		if err != nil {
			return err
		}
		if f.width == 0 && f.height == 0 { // keep the canvas's own size (a multiple of 8)
			req.Width, req.Height = canvas.Bounds().Dx(), canvas.Bounds().Dy()
		}
		if req.Init, err = imageio.Resize(canvas, req.Width, req.Height, mode); err != nil {
			return err
		}
		req.Mask, err = imageio.ResizeMask(mask, req.Width, req.Height, mode)
		req.Strength = f.inpaintStrength()
		return err
	}
	if req.Init, err = imageio.Resize(img, req.Width, req.Height, mode); err != nil {
		return err
	}
	if f.mask == "" {
		return nil
	}
	mask, err := imageio.ReadMask(f.mask)
	if err != nil {
		return err
	}
	if req.Mask, err = imageio.ResizeMask(mask, req.Width, req.Height, mode); err != nil {
		return err
	}
	if f.maskBlur > 0 {
		req.Mask = imageio.BlurMask(req.Mask, f.maskBlur)
	}
	req.Strength = f.inpaintStrength()
	return nil
}

// inpaintStrength is 1 (diffusers' inpainting default: repaint from pure noise) unless
// --strength was given.
func (f *generateFlags) inpaintStrength() float64 {
	if f.strengthSet {
		return f.strength
	}
	return 1
}

// parameters is the A1111-style metadata of one output.
func (f *generateFlags) parameters(p *pipeline.Pipeline, ref string, req pipeline.Request, seed uint64) imageio.Parameters {
	params := imageio.Parameters{
		Prompt: f.prompt, NegativePrompt: f.negative, Steps: f.steps, Sampler: f.samplerName,
		Scheduler: req.Scheduler.Schedule, CFGScale: f.cfg, Seed: int64(seed), Width: req.Width, Height: req.Height,
		ModelName: strings.TrimSuffix(filepath.Base(ref), filepath.Ext(ref)), ModelHash: modelHash(ref),
		ClipSkip: f.clipSkip, Version: "sdgo",
	}
	if req.Init != nil && req.Mask == nil {
		params.Strength = f.strength
	}
	return params
}

// modelHash is A1111's short model hash: the first 8 hex digits of the SHA-256 of the
// 64 KiB at offset 1 MiB of the checkpoint file (of the UNet weights in a folder).
func modelHash(ref string) string {
	path := ref
	if st, err := os.Stat(ref); err == nil && st.IsDir() {
		matches, _ := filepath.Glob(filepath.Join(ref, "unet", "*.safetensors"))
		if len(matches) == 0 {
			return ""
		}
		sort.Strings(matches)
		path = matches[0]
	}
	fh, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer fh.Close()
	buf := make([]byte, 0x10000)
	n, _ := fh.ReadAt(buf, 0x100000)
	sum := sha256.Sum256(buf[:n])
	return fmt.Sprintf("%x", sum[:4])
}

// findModel resolves -m, or without it looks for a checkpoint in ./models and
// $SDGO_MODELS and says what it found.
func findModel(ref string) (string, error) {
	if ref != "" {
		src, err := weights.Discover(ref)
		if err != nil {
			return "", err
		}
		return src.Path, nil
	}
	var found []string
	dirs := []string{"models"}
	if env := os.Getenv("SDGO_MODELS"); env != "" {
		dirs = append(dirs, env)
	}
	for _, dir := range dirs {
		for _, pat := range []string{"*.safetensors", "*.ckpt"} {
			m, _ := filepath.Glob(filepath.Join(dir, pat))
			found = append(found, m...)
		}
	}
	if len(found) == 0 {
		for _, id := range weights.CachedModels() {
			src, err := weights.Discover(id)
			if err == nil {
				found = append(found, src.Path)
			}
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return "", fmt.Errorf("no model given and none found in %s or the Hugging Face cache: pass -m with a .safetensors/.ckpt file, a diffusers folder or a Hugging Face id in the local cache (sdgo downloads nothing; `sdgo make-checkpoint` writes a random-weight one for benchmarks)", strings.Join(dirs, ", "))
	}
	return "", fmt.Errorf("no model given and several found (%s): choose one with -m", strings.Join(found, ", "))
}

// progress prints per-step progress on stderr: a rewritten line on a terminal, plain
// lines otherwise.
type progress struct {
	w           io.Writer
	tty         bool
	last        string
	sampleStart time.Duration // elapsed time when sampling began
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) line(s string) {
	if p.tty && p.last != "" {
		fmt.Fprint(p.w, "\n")
	}
	p.last = ""
	fmt.Fprintln(p.w, s)
}

func (p *progress) update(pr pipeline.Progress) {
	var s string
	switch pr.Stage {
	case "sample":
		if pr.Step == 1 {
			p.sampleStart = pr.Elapsed - pr.StepTime
		}
		per := (pr.Elapsed - p.sampleStart) / time.Duration(pr.Step)
		eta := per * time.Duration(pr.Total-pr.Step)
		s = fmt.Sprintf("sampling step %d/%d  %.2f it/s  ETA %.1f s", pr.Step, pr.Total, 1/per.Seconds(), eta.Seconds())
	default:
		s = fmt.Sprintf("%s done  %.1f s", pr.Stage, pr.Elapsed.Seconds())
	}
	if p.tty {
		fmt.Fprintf(p.w, "\r%-70s", s)
		p.last = s
		return
	}
	fmt.Fprintln(p.w, s)
}

func (p *progress) done() {
	if p.tty && p.last != "" {
		fmt.Fprint(p.w, "\n")
	}
}

package sampler

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Call is one UNet evaluation of a sampling run with the ops around it. The runtime
//  1. runs Input, which writes BufModelIn from BufX (scale_model_input);
//  2. evaluates the UNet on BufModelIn at Timestep into BufModelOut (with classifier-free
//     guidance: into BufUncond and BufCond, then runs GuidanceOp);
//  3. if Noise is set, fills BufNoise with the next draw of its RNG (one Randn of the
//     whole latent batch);
//  4. runs Update, which advances BufX and the sampler's history buffers.
type Call struct {
	Timestep float64 // the timestep given to the UNet
	// Sigma is the noise level of the latents the UNet sees, in the variance-exploding
	// parametrisation x = x0 + sigma*eps (model input x/sqrt(sigma^2+1)); for the
	// alpha-based samplers sqrt((1-a)/a) of the timestep's alpha_cumprod a.
	Sigma  float64
	Input  []Op // one op writing BufModelIn
	Noise  bool // draw BufNoise after the model call, before Update
	Update []Op // the scheduler step: writes BufX and history buffers
}

// Plan is a complete sampling run: diffusers' set_timesteps, scale_model_input and step
// for every model call, as op lists over latent-sized buffers. A runtime fills BufNoise
// with the first RNG draw (and BufImage with the encoded image for img2img), runs Init,
// then performs Calls in order; BufX then holds the final latents.
type Plan struct {
	Sampler string // the canonical sampler name
	Config  Config // the configuration used, with the sampler's defaults filled in
	Steps   int    // inference steps of the full schedule
	// StartStep is the first step run: 0 for txt2img, steps - int(steps*strength) for img2img.
	StartStep int
	// Sigmas are the noise levels of the steps (len Steps+1, the last the final sigma)
	// for samplers that have them, nil for DDIM, DDPM, PNDM and LCM.
	Sigmas         []float64
	InitNoiseSigma float64 // diffusers' init_noise_sigma: txt2img starts from noise*InitNoiseSigma
	Init           []Op    // builds the starting BufX from BufNoise (and BufImage for img2img)
	Calls          []Call
	NumBufs        int // buffers the ops refer to: the fixed ones and the sampler's history

	exploding bool // BufX holds variance-exploding latents x0 + sigma*eps (else variance-preserving)
}

// Timesteps returns the UNet timestep of every call (diffusers' scheduler.timesteps from
// StartStep on).
func (p *Plan) Timesteps() []float64 {
	ts := make([]float64, len(p.Calls))
	for i, c := range p.Calls {
		ts[i] = c.Timestep
	}
	return ts
}

// DenoisedOp returns the op writing to dst the denoised latents x0 that call k's model
// output predicts (run it after the model call, before Update), e.g. for previews.
func (p *Plan) DenoisedOp(k int, dst Buf) Op {
	sigma, pred := p.Calls[k].Sigma, p.Config.Prediction
	if p.exploding {
		return sigmaDenoiser(pred, sigma).op(dst)
	}
	return alphaDenoiser(pred, 1/(sigma*sigma+1)).op(dst)
}

// samplerSpec describes one sampler.
type samplerSpec struct {
	spacing   string // diffusers' default timestep_spacing for the scheduler class
	schedules bool   // whether sigma schedules other than discrete apply
	sigmaMin  bool   // whether final_sigmas_type "sigma_min" applies (else the last sigma is 0)
	build     func(r *run) error
}

// samplers maps the names users know from stable-diffusion.cpp and A1111 to their specs.
var samplers = map[string]samplerSpec{
	"euler":     {spacing: SpacingLinspace, schedules: true, sigmaMin: true, build: func(r *run) error { return buildEuler(r, false) }},
	"euler_a":   {spacing: SpacingLinspace, schedules: true, build: func(r *run) error { return buildEuler(r, true) }},
	"heun":      {spacing: SpacingLinspace, schedules: true, build: func(r *run) error { return buildTwoStage(r, false) }},
	"dpm2":      {spacing: SpacingLinspace, schedules: true, build: func(r *run) error { return buildTwoStage(r, true) }},
	"lms":       {spacing: SpacingLinspace, schedules: true, build: buildLMS},
	"dpm++2m":   {spacing: SpacingLinspace, schedules: true, sigmaMin: true, build: buildDPMPP2M},
	"dpm++2s_a": {spacing: SpacingLinspace, schedules: true, build: buildDPMPP2SA},
	"ddim":      {spacing: SpacingLeading, build: buildDDIM},
	"ddpm":      {spacing: SpacingLeading, build: buildDDPM},
	"pndm":      {spacing: SpacingLeading, build: buildPNDM},
	"lcm":       {spacing: SpacingLeading, build: buildLCM},
}

// samplerAliases are accepted alternative names.
var samplerAliases = map[string]string{"plms": "pndm"}

// SamplerNames returns the accepted sampler names, sorted.
func SamplerNames() []string {
	names := make([]string, 0, len(samplers)+len(samplerAliases))
	for n := range samplers {
		names = append(names, n)
	}
	for n := range samplerAliases {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// New plans a txt2img run of the named sampler with steps inference steps.
func New(sampler string, cfg Config, steps int) (*Plan, error) {
	return newPlan(sampler, cfg, steps, 0, false)
}

// NewImg2Img plans an img2img run: the schedule for steps is computed in full, the last
// int(steps*strength) steps are run (diffusers' get_timesteps), and Init noises BufImage
// to the first of them (the scheduler's add_noise). strength must be in (0, 1].
func NewImg2Img(sampler string, cfg Config, steps int, strength float64) (*Plan, error) {
	if !(strength > 0 && strength <= 1) {
		return nil, fmt.Errorf("sampler: strength %v: must be in (0, 1]", strength)
	}
	if steps >= 1 && int(float64(steps)*strength) < 1 {
		return nil, fmt.Errorf("sampler: strength %v of %d steps runs no step", strength, steps)
	}
	return newPlan(sampler, cfg, steps, steps-int(float64(steps)*strength), true)
}

func newPlan(name string, cfg Config, steps, start int, img2img bool) (*Plan, error) {
	if canonical, ok := samplerAliases[name]; ok {
		name = canonical
	}
	spec, ok := samplers[name]
	if !ok {
		return nil, fmt.Errorf("sampler: unknown sampler %q (want one of %s)", name, strings.Join(SamplerNames(), ", "))
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if steps < 1 || steps > cfg.NumTrainTimesteps {
		return nil, fmt.Errorf("sampler: %d steps: must be in [1, %d]", steps, cfg.NumTrainTimesteps)
	}
	if cfg.TimestepSpacing == "" {
		cfg.TimestepSpacing = spec.spacing
	}
	cfg.FinalSigmaMin = cfg.FinalSigmaMin && spec.sigmaMin
	if cfg.Schedule == "" {
		cfg.Schedule = ScheduleDiscrete
	}
	if cfg.Schedule != ScheduleDiscrete && !spec.schedules {
		return nil, fmt.Errorf("sampler: %s takes only the discrete schedule, not %q", name, cfg.Schedule)
	}
	r := &run{
		cfg:     cfg,
		train:   newTrainSchedule(cfg),
		img2img: img2img,
		plan:    &Plan{Sampler: name, Config: cfg, Steps: steps, StartStep: start, NumBufs: int(NumFixedBufs)},
	}
	if err := spec.build(r); err != nil {
		return nil, err
	}
	return r.plan, nil
}

// run is the state of a plan under construction.
type run struct {
	cfg     Config
	train   *trainSchedule
	img2img bool
	plan    *Plan
}

// history allocates a history buffer.
func (r *run) history() Buf {
	r.plan.NumBufs++
	return Buf(r.plan.NumBufs - 1)
}

// add appends a call.
func (r *run) add(c Call) { r.plan.Calls = append(r.plan.Calls, c) }

// initFrom sets Init: txt2img x = noise*InitNoiseSigma; img2img x = a*image + b*noise,
// the scheduler's add_noise at the first step run.
func (r *run) initFrom(initNoiseSigma, a, b float64) {
	r.plan.InitNoiseSigma = initNoiseSigma
	if r.img2img {
		r.plan.Init = []Op{lin(BufX, term(a, BufImage), term(b, BufNoise))}
		return
	}
	r.plan.Init = []Op{lin(BufX, term(initNoiseSigma, BufNoise))}
}

// NoisedImage returns the coefficients (a, b) with which a·image + b·noise is the image
// latents noised to the level of BufX after call k's update: the level of call k+1 (the
// scheduler's add_noise at the next timestep, in this plan's parametrisation of BufX),
// or the clean image (1, 0) after the last call. Inpainting with an ordinary model
// blends these into the unmasked area after every step, as diffusers does.
func (p *Plan) NoisedImage(k int) (a, b float64) {
	if k+1 >= len(p.Calls) {
		return 1, 0
	}
	sigma := p.Calls[k+1].Sigma
	if p.exploding {
		return 1, sigma
	}
	s := 1 / math.Sqrt(1+sigma*sigma)
	return s, sigma * s
}

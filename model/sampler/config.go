package sampler

import (
	"encoding/json"
	"fmt"
	"math"
)

// Prediction types: what the model output is (diffusers prediction_type).
const (
	PredictEpsilon = "epsilon"      // the noise
	PredictV       = "v_prediction" // v = sqrt(a)*eps - sqrt(1-a)*x0 (SD 2.x 768)
	PredictSample  = "sample"       // the denoised sample x0
)

// Beta schedules (diffusers beta_schedule).
const (
	BetaScaledLinear = "scaled_linear" // linspace(sqrt(start), sqrt(end))^2, SD's
	BetaLinear       = "linear"        // linspace(start, end)
	BetaCosine       = "squaredcos_cap_v2"
)

// Timestep spacings (diffusers timestep_spacing).
const (
	SpacingLinspace = "linspace" // evenly from T-1 down to 0
	SpacingLeading  = "leading"  // multiples of T/n from 0, plus steps_offset
	SpacingTrailing = "trailing" // T - k*T/n - 1
)

// Sigma schedules of the sigma-based samplers (A1111 / stable-diffusion.cpp "schedule").
const (
	ScheduleDiscrete    = "discrete"    // the spaced timesteps' own sigmas (diffusers' default)
	ScheduleKarras      = "karras"      // Karras et al. rho=7 (use_karras_sigmas)
	ScheduleExponential = "exponential" // log-uniform between sigma_max and sigma_min
	ScheduleSGMUniform  = "sgm_uniform" // timesteps linspace(T-1, 0, n+1)[:-1], log-interpolated sigmas
)

// Config holds the noise-schedule settings of a diffusers scheduler_config.json plus the
// sampler options this package adds. The zero value of a string field means "the
// sampler's diffusers default"; build one with DefaultConfig or ParseSchedulerConfig and
// override fields as needed.
type Config struct {
	NumTrainTimesteps int       // num_train_timesteps
	BetaStart         float64   // beta_start
	BetaEnd           float64   // beta_end
	BetaSchedule      string    // beta_schedule: BetaScaledLinear, BetaLinear or BetaCosine
	TrainedBetas      []float64 // trained_betas: explicit betas, overriding the three above
	Prediction        string    // prediction_type: PredictEpsilon, PredictV or PredictSample
	StepsOffset       int       // steps_offset, added to "leading" timesteps
	// TimestepSpacing is timestep_spacing; "" selects the sampler's diffusers default
	// (linspace for the sigma samplers and DPM++, leading for DDIM, DDPM, PNDM and LCM).
	// A model's scheduler_config.json names the spacing of its own scheduler (SD 1.5:
	// PNDM, leading), which diffusers' from_config passes on to any other sampler; clear
	// it to give each sampler its own default, as stable-diffusion.cpp and A1111 do.
	TimestepSpacing string
	SetAlphaToOne   bool   // set_alpha_to_one: alpha_cumprod before t=0 is 1, not alphas_cumprod[0]
	Schedule        string // sigma schedule; "" is ScheduleDiscrete (use_karras_sigmas sets ScheduleKarras)
	// FinalSigmaMin is final_sigmas_type "sigma_min" (Euler, DPM++ 2M): the last sigma is
	// the training schedule's smallest instead of 0.
	FinalSigmaMin          bool
	LowerOrderFinal        bool    // lower_order_final (DPM++ 2M): first-order steps at the end of short runs
	LambdaMinClipped       float64 // lambda_min_clipped (DPM++ 2M); -Inf by default
	Eta                    float64 // DDIM eta: 0 is deterministic DDIM, 1 is DDPM-like
	VarianceType           string  // variance_type (DDPM): "fixed_small" or "fixed_large"
	OriginalInferenceSteps int     // original_inference_steps (LCM)
	TimestepScaling        float64 // timestep_scaling (LCM boundary condition)
}

// DefaultConfig returns the Stable Diffusion 1.x/2.x schedule: scaled_linear betas from
// 0.00085 to 0.012 over 1000 steps, steps_offset 1, set_alpha_to_one false, epsilon
// prediction (set Prediction to PredictV for SD 2.x 768-v models).
func DefaultConfig() Config {
	return Config{
		NumTrainTimesteps:      1000,
		BetaStart:              0.00085,
		BetaEnd:                0.012,
		BetaSchedule:           BetaScaledLinear,
		Prediction:             PredictEpsilon,
		StepsOffset:            1,
		LowerOrderFinal:        true,
		LambdaMinClipped:       math.Inf(-1),
		VarianceType:           "fixed_small",
		OriginalInferenceSteps: 50,
		TimestepScaling:        10,
	}
}

// schedulerConfigJSON lists the scheduler_config.json keys ParseSchedulerConfig reads;
// pointers tell absent keys (and nulls) from zero values.
type schedulerConfigJSON struct {
	NumTrainTimesteps      *int      `json:"num_train_timesteps"`
	BetaStart              *float64  `json:"beta_start"`
	BetaEnd                *float64  `json:"beta_end"`
	BetaSchedule           *string   `json:"beta_schedule"`
	TrainedBetas           []float64 `json:"trained_betas"`
	PredictionType         *string   `json:"prediction_type"`
	StepsOffset            *int      `json:"steps_offset"`
	TimestepSpacing        *string   `json:"timestep_spacing"`
	SetAlphaToOne          *bool     `json:"set_alpha_to_one"`
	UseKarrasSigmas        *bool     `json:"use_karras_sigmas"`
	UseExponentialSigmas   *bool     `json:"use_exponential_sigmas"`
	FinalSigmasType        *string   `json:"final_sigmas_type"`
	LowerOrderFinal        *bool     `json:"lower_order_final"`
	LambdaMinClipped       *float64  `json:"lambda_min_clipped"`
	VarianceType           *string   `json:"variance_type"`
	OriginalInferenceSteps *int      `json:"original_inference_steps"`
	TimestepScaling        *float64  `json:"timestep_scaling"`
	RescaleBetasZeroSNR    *bool     `json:"rescale_betas_zero_snr"`
	Thresholding           *bool     `json:"thresholding"`
	ClipSample             *bool     `json:"clip_sample"`
}

// ParseSchedulerConfig reads a diffusers scheduler_config.json over base: keys present in
// the file replace base's values, other fields keep them. Python's non-finite tokens
// (-Infinity, NaN) are accepted. Settings this package does not implement
// (rescale_betas_zero_snr, thresholding, clip_sample) are errors when enabled.
func ParseSchedulerConfig(data []byte, base Config) (Config, error) {
	var j schedulerConfigJSON
	if err := json.Unmarshal(replaceNonFinite(data), &j); err != nil {
		return Config{}, fmt.Errorf("sampler: scheduler config: %w", err)
	}
	for _, opt := range []struct {
		name string
		on   *bool
	}{{"rescale_betas_zero_snr", j.RescaleBetasZeroSNR}, {"thresholding", j.Thresholding}, {"clip_sample", j.ClipSample}} {
		if opt.on != nil && *opt.on {
			return Config{}, fmt.Errorf("sampler: scheduler config: %s is not supported", opt.name)
		}
	}
	c := base
	setIf(&c.NumTrainTimesteps, j.NumTrainTimesteps)
	setIf(&c.BetaStart, j.BetaStart)
	setIf(&c.BetaEnd, j.BetaEnd)
	setIf(&c.BetaSchedule, j.BetaSchedule)
	if j.TrainedBetas != nil {
		c.TrainedBetas = j.TrainedBetas
	}
	setIf(&c.Prediction, j.PredictionType)
	setIf(&c.StepsOffset, j.StepsOffset)
	setIf(&c.TimestepSpacing, j.TimestepSpacing)
	setIf(&c.SetAlphaToOne, j.SetAlphaToOne)
	setSchedule(&c.Schedule, j.UseKarrasSigmas, ScheduleKarras)
	setSchedule(&c.Schedule, j.UseExponentialSigmas, ScheduleExponential)
	if j.FinalSigmasType != nil {
		switch *j.FinalSigmasType {
		case "zero":
			c.FinalSigmaMin = false
		case "sigma_min":
			c.FinalSigmaMin = true
		default:
			return Config{}, fmt.Errorf("sampler: scheduler config: unknown final_sigmas_type %q", *j.FinalSigmasType)
		}
	}
	setIf(&c.LowerOrderFinal, j.LowerOrderFinal)
	setIf(&c.LambdaMinClipped, j.LambdaMinClipped)
	setIf(&c.VarianceType, j.VarianceType)
	setIf(&c.OriginalInferenceSteps, j.OriginalInferenceSteps)
	setIf(&c.TimestepScaling, j.TimestepScaling)
	return c, c.validate()
}

// setSchedule applies a use_<schedule>_sigmas flag: true selects schedule, false undoes it.
func setSchedule(dst *string, flag *bool, schedule string) {
	switch {
	case flag == nil:
	case *flag:
		*dst = schedule
	case *dst == schedule:
		*dst = ""
	}
}

// setIf sets *dst to *v when the key was present (v not nil).
func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// validate checks the settings that do not depend on the sampler.
func (c Config) validate() error {
	if c.NumTrainTimesteps < 2 {
		return fmt.Errorf("sampler: num_train_timesteps %d: need at least 2", c.NumTrainTimesteps)
	}
	if c.TrainedBetas != nil && len(c.TrainedBetas) != c.NumTrainTimesteps {
		return fmt.Errorf("sampler: %d trained_betas for %d train timesteps", len(c.TrainedBetas), c.NumTrainTimesteps)
	}
	if c.TrainedBetas == nil && c.BetaSchedule != BetaScaledLinear && c.BetaSchedule != BetaLinear && c.BetaSchedule != BetaCosine {
		return fmt.Errorf("sampler: unknown beta_schedule %q", c.BetaSchedule)
	}
	switch c.Prediction {
	case PredictEpsilon, PredictV, PredictSample:
	default:
		return fmt.Errorf("sampler: unknown prediction_type %q", c.Prediction)
	}
	switch c.TimestepSpacing {
	case "", SpacingLinspace, SpacingLeading, SpacingTrailing:
	default:
		return fmt.Errorf("sampler: unknown timestep_spacing %q", c.TimestepSpacing)
	}
	switch c.Schedule {
	case "", ScheduleDiscrete, ScheduleKarras, ScheduleExponential, ScheduleSGMUniform:
	default:
		return fmt.Errorf("sampler: unknown schedule %q (want discrete, karras, exponential or sgm_uniform)", c.Schedule)
	}
	if c.Eta < 0 {
		return fmt.Errorf("sampler: eta %v: must not be negative", c.Eta)
	}
	for t, b := range trainBetas(c) {
		if !(b > 0 && b < 1) {
			return fmt.Errorf("sampler: beta %v at train timestep %d: betas must lie in (0, 1)", b, t)
		}
	}
	return nil
}

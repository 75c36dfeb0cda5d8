package sampler

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseModelSchedulerConfigs(t *testing.T) {
	for model, pred := range map[string]string{"tiny-sd1": PredictEpsilon, "tiny-sd2": PredictV} {
		data, err := os.ReadFile(filepath.Join(fixtureDir, "models", model, "scheduler", "scheduler_config.json"))
		require.NoError(t, err)
		base := DefaultConfig()
		base.Eta = 0.3 // keys the file lacks keep the base's values
		cfg, err := ParseSchedulerConfig(data, base)
		require.NoError(t, err, model)
		want := base
		want.Prediction = pred
		want.TimestepSpacing = SpacingLeading
		assert.Equal(t, want, cfg, model)
	}
}

func TestParseSchedulerConfigKeys(t *testing.T) {
	data := []byte(`{"_class_name": "NaN-Infinity-Scheduler", "beta_schedule": "linear", "beta_start": 0.0001,
		"beta_end": 0.02, "use_karras_sigmas": true, "final_sigmas_type": "sigma_min",
		"lambda_min_clipped": -Infinity, "trained_betas": null, "steps_offset": 0,
		"prediction_type": "sample", "timestep_scaling": 5.0, "original_inference_steps": 25}`)
	cfg, err := ParseSchedulerConfig(data, DefaultConfig())
	require.NoError(t, err)
	assert.Equal(t, BetaLinear, cfg.BetaSchedule)
	assert.Equal(t, 0.0001, cfg.BetaStart)
	assert.Equal(t, 0.02, cfg.BetaEnd)
	assert.Equal(t, ScheduleKarras, cfg.Schedule)
	assert.True(t, cfg.FinalSigmaMin)
	assert.True(t, math.IsInf(cfg.LambdaMinClipped, -1), "null keeps the default")
	assert.Nil(t, cfg.TrainedBetas)
	assert.Equal(t, 0, cfg.StepsOffset)
	assert.Equal(t, PredictSample, cfg.Prediction)
	assert.Equal(t, 5.0, cfg.TimestepScaling)
	assert.Equal(t, 25, cfg.OriginalInferenceSteps)

	for _, bad := range []string{
		`{"rescale_betas_zero_snr": true}`, `{"thresholding": true}`, `{"clip_sample": true}`,
		`{"final_sigmas_type": "one"}`, `{"beta_schedule": "sigmoid"}`, `{"timestep_spacing": "even"}`,
		`{"beta_start": "x"}`, `{`,
	} {
		_, err := ParseSchedulerConfig([]byte(bad), DefaultConfig())
		assert.Error(t, err, bad)
	}
}

func TestParseSchedulerFlags(t *testing.T) {
	base := DefaultConfig()
	base.Schedule = ScheduleKarras
	cfg, err := ParseSchedulerConfig([]byte(`{"use_karras_sigmas": false}`), base)
	require.NoError(t, err)
	assert.Equal(t, "", cfg.Schedule, "false undoes the base's karras")
	cfg, err = ParseSchedulerConfig([]byte(`{"use_exponential_sigmas": false}`), base)
	require.NoError(t, err)
	assert.Equal(t, ScheduleKarras, cfg.Schedule, "an unrelated false flag keeps it")
	cfg, err = ParseSchedulerConfig([]byte(`{"use_exponential_sigmas": true}`), base)
	require.NoError(t, err)
	assert.Equal(t, ScheduleExponential, cfg.Schedule)
}

func TestReplaceNonFinite(t *testing.T) {
	in := `{"a": -Infinity, "b": [NaN, Infinity], "c": "NaN \"Infinity\"", "d": 1}`
	assert.Equal(t, `{"a": null, "b": [null, null], "c": "NaN \"Infinity\"", "d": 1}`, string(replaceNonFinite([]byte(in))))
}

// TestOtherBetaSchedules checks the linear schedule's end points, the cosine schedule's
// cap and trained betas.
func TestOtherBetaSchedules(t *testing.T) {
	cfg := DefaultConfig()
	cfg.BetaSchedule, cfg.BetaStart, cfg.BetaEnd = BetaLinear, 0.0001, 0.02
	betas := trainBetas(cfg)
	assert.Equal(t, float32(0.0001), betas[0])
	assert.Equal(t, float32(0.02), betas[999])
	cfg.BetaSchedule = BetaCosine
	assert.Equal(t, float32(0.999), trainBetas(cfg)[999])
	cfg.TrainedBetas = make([]float64, 1000)
	for i := range cfg.TrainedBetas {
		cfg.TrainedBetas[i] = 0.01
	}
	assert.Equal(t, float32(0.01), trainBetas(cfg)[500])
}

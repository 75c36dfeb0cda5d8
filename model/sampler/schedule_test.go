package sampler

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixtureSampler maps the fixtures' scheduler ids to sampler names.
var fixtureSampler = map[string]string{
	"ddim": "ddim", "pndm": "pndm", "euler": "euler", "euler_a": "euler_a", "lms": "lms",
	"dpmpp_2m": "dpm++2m", "dpmpp_2m_karras": "dpm++2m", "heun": "heun", "lcm": "lcm", "ddpm": "ddpm",
}

// fixtureConfig parses a case's resolved diffusers scheduler config.
func fixtureConfig(t *testing.T, raw json.RawMessage) Config {
	t.Helper()
	cfg, err := ParseSchedulerConfig(raw, DefaultConfig())
	require.NoError(t, err)
	return cfg
}

// diffusersSigmas expands a plan's per-step sigmas to diffusers' scheduler.sigmas: the
// two-stage schedulers repeat every interior sigma.
func diffusersSigmas(p *Plan) []float64 {
	if p.Sampler != "heun" && p.Sampler != "dpm2" {
		return p.Sigmas
	}
	out := []float64{p.Sigmas[0]}
	for _, s := range p.Sigmas[1 : len(p.Sigmas)-1] {
		out = append(out, s, s)
	}
	return append(out, p.Sigmas[len(p.Sigmas)-1])
}

// maxRelDiff returns the largest |got-want|/max(|want|, floor).
func maxRelDiff[T float32 | float64](got, want []T, floor float64) float64 {
	worst := 0.0
	for i := range want {
		d := math.Abs(float64(got[i])-float64(want[i])) / math.Max(math.Abs(float64(want[i])), floor)
		worst = max(worst, d)
	}
	return worst
}

func TestTrainSchedule(t *testing.T) {
	f := openGolden(t, casesOfKind(t, "scheduler_table")[0])
	var betas []float64
	for _, b := range trainBetas(DefaultConfig()) {
		betas = append(betas, float64(b))
	}
	assert.Equal(t, mustF64(t, f, "betas"), betas, "betas (float32 torch.linspace, squared)")
	assert.Equal(t, mustF64(t, f, "alphas_cumprod"), newTrainSchedule(DefaultConfig()).alphasCumprod)
}

func TestSchedulerTables(t *testing.T) {
	c := casesOfKind(t, "scheduler_table")[0]
	f := openGolden(t, c)
	var in struct {
		Steps      []int `json:"steps"`
		Schedulers map[string]struct {
			Config         json.RawMessage    `json:"config"`
			InitNoiseSigma map[string]float64 `json:"init_noise_sigma"`
		} `json:"schedulers"`
	}
	require.NoError(t, json.Unmarshal(replaceNonFinite(c.Inputs), &in))
	for id, sc := range in.Schedulers {
		for _, n := range in.Steps {
			t.Run(fmt.Sprintf("%s/%d", id, n), func(t *testing.T) {
				p, err := New(fixtureSampler[id], fixtureConfig(t, sc.Config), n)
				require.NoError(t, err)
				key := fmt.Sprintf("%s.%d.", id, n)
				assert.Equal(t, mustF64(t, f, key+"timesteps"), p.Timesteps(), "timesteps")
				assert.Equal(t, sc.InitNoiseSigma[fmt.Sprint(n)], p.InitNoiseSigma, "init_noise_sigma")
				if f.Info(key+"sigmas") == nil {
					assert.Nil(t, p.Sigmas)
					return
				}
				want := mustF64(t, f, key+"sigmas")
				assert.Equal(t, want, diffusersSigmas(p), "sigmas")
			})
		}
	}
}

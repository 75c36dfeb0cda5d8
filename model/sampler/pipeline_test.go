package sampler

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPipelineGoldens replays the scheduler side of every txt2img, img2img and inpainting
// golden with the recorded UNet outputs: RNG draws in the pipeline's order, Init,
// scale_model_input (checked against unet_input), guidance and step (checked against
// latents_after_step).
func TestPipelineGoldens(t *testing.T) {
	var cases []fixtureCase
	for _, kind := range []string{"txt2img", "img2img", "inpaint"} {
		cases = append(cases, casesOfKind(t, kind)...)
	}
	for _, c := range cases {
		t.Run(c.ID, func(t *testing.T) {
			var in struct {
				Scheduler string          `json:"scheduler"`
				Config    json.RawMessage `json:"scheduler_config"`
				Steps     int             `json:"num_inference_steps"`
				Guidance  float64         `json:"guidance_scale"`
				CFG       bool            `json:"classifier_free_guidance"`
				Seed      uint64          `json:"seed"`
				Strength  float64         `json:"strength"`
			}
			require.NoError(t, json.Unmarshal(replaceNonFinite(c.Inputs), &in))
			f := openGolden(t, c)
			cfg := fixtureConfig(t, in.Config)
			name := fixtureSampler[in.Scheduler]
			var p *Plan
			var err error
			if c.Kind == "img2img" {
				p, err = NewImg2Img(name, cfg, in.Steps, in.Strength)
			} else {
				p, err = New(name, cfg, in.Steps)
			}
			require.NoError(t, err)

			// The full schedule.
			full, err := New(name, cfg, in.Steps)
			require.NoError(t, err)
			wantT := mustF64(t, f, "timesteps")
			if f.Info("sigmas") != nil {
				assert.Equal(t, mustF64(t, f, "sigmas"), diffusersSigmas(full))
			}
			assert.Equal(t, wantT, full.Timesteps())
			assert.Equal(t, mustF64(t, f, "unet_timestep"), p.Timesteps())

			noise := mustF32(t, f, "noise")
			n := len(noise)
			rng := NewTorchCPU(in.Seed)
			bufs := p.NewBuffers(n)
			switch c.Kind {
			case "img2img":
				assert.Equal(t, mustF32(t, f, "encode_noise"), rng.Randn(n))
				copy(bufs[BufImage], mustF32(t, f, "image_latents"))
				copy(bufs[BufNoise], rng.Randn(n))
			case "inpaint":
				copy(bufs[BufNoise], rng.Randn(n))
				assert.Equal(t, mustF32(t, f, "masked_image_encode_noise"), rng.Randn(n))
			default:
				copy(bufs[BufNoise], rng.Randn(n))
			}
			require.Equal(t, noise, bufs[BufNoise])
			require.NoError(t, Execute(p.Init, bufs))
			assert.Equal(t, mustF32(t, f, "latents_init"), bufs[BufX], "latents_init (add_noise for img2img)")

			unetIn, unetOut := mustF32(t, f, "unet_input"), mustF32(t, f, "unet_output")
			after := mustF32(t, f, "latents_after_step")
			// unet_input is [K, rows, Cin, h, w], rows = 2B with guidance (uncond rows first);
			// channels 0-3 of the first B rows are scale_model_input(x).
			shape := f.Info("unet_input").Shape
			rows, cin, plane := shape[1], shape[2], shape[3]*shape[4]
			batch := n / (4 * plane)
			worstIn, worstX, worstAbs := 0.0, 0.0, 0.0
			for k, call := range p.Calls {
				require.NoError(t, Execute(call.Input, bufs))
				var want []float32
				for b := 0; b < batch; b++ {
					row := (k*rows + b) * cin * plane
					want = append(want, unetIn[row:row+4*plane]...)
				}
				_, r := errStats(bufs[BufModelIn], want)
				worstIn = max(worstIn, r)
				out := unetOut[k*rows*4*plane : (k+1)*rows*4*plane]
				if in.CFG {
					copy(bufs[BufUncond], out[:n])
					copy(bufs[BufCond], out[n:])
					require.NoError(t, Execute([]Op{GuidanceOp(in.Guidance)}, bufs))
				} else {
					copy(bufs[BufModelOut], out)
				}
				if call.Noise {
					copy(bufs[BufNoise], rng.Randn(n))
				}
				require.NoError(t, Execute(call.Update, bufs))
				a, r := errStats(bufs[BufX], after[k*n:(k+1)*n])
				worstX, worstAbs = max(worstX, r), max(worstAbs, a)
			}
			t.Logf("max rel error: model input %.2g, latents %.2g (abs %.2g)", worstIn, worstX, worstAbs)
			assert.Less(t, worstIn, 2e-6)
			assert.Less(t, worstX, 2e-6)
		})
	}
}

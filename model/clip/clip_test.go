package clip

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/model/internal/fixture"
	"github.com/sdgo/sdgo/model/nn"
)

// TestTextEncoderGoldens runs the text encoders of tiny-sd1 (CLIP, quick_gelu) and
// tiny-sd2 (OpenCLIP, gelu, penultimate layer) on the golden token ids and compares
// every layer's output and the final hidden states with transformers'.
func TestTextEncoderGoldens(t *testing.T) {
	for _, tc := range []struct{ model, golden string }{{"tiny-sd1", "text_encoder_sd1"}, {"tiny-sd2", "text_encoder_sd2"}} {
		t.Run(tc.model, func(t *testing.T) {
			d := fixture.Device(t)
			m := fixture.Model(t, tc.model)
			g := fixture.Golden(t, tc.golden)
			ids64, err := g.Int64("input_ids")
			require.NoError(t, err)
			batch := len(ids64) / 77
			ids := make([][]int, batch)
			for b := range ids {
				for _, v := range ids64[b*77 : (b+1)*77] {
					ids[b] = append(ids[b], int(v))
				}
			}
			n := nn.New(d, true)
			defer n.Close()
			cfg := m.Config.Text
			e := Load(n, m.TextEncoder, cfg)
			require.NoError(t, n.Err())
			embedded, err := e.Embed(ids, nil)
			require.NoError(t, err)
			width := cfg.Hidden
			in, err := d.Alloc(int64(4 * len(embedded)))
			require.NoError(t, err)
			defer in.Free()
			require.NoError(t, in.WriteFloat32(0, embedded))

			taps := map[string]*gpu.Tensor{}
			n.Begin()
			out := e.Forward(n, n.External(in, batch, 77, width), 0, func(name string, x nn.Tensor) {
				tt, err := d.Alloc(x.Bytes())
				require.NoError(t, err)
				taps[name] = tt
				n.Output(x, tt)
			})
			res, err := d.Alloc(out.Bytes())
			require.NoError(t, err)
			defer res.Free()
			n.Output(out, res)
			c, err := n.Compile(false)
			require.NoError(t, err)
			defer c.Close()
			require.NoError(t, c.Run())

			hidden := fixture.Float32(t, g, "hidden_states") // [L+1, B, 77, C]
			per := batch * 77 * width
			check := func(name string, got *gpu.Tensor, want []float32) {
				v, err := got.Float32s()
				require.NoError(t, err)
				diff, scale := fixture.MaxAbsDiff(v[:len(want)], want)
				t.Logf("%-12s max abs err %.2e (scale %.2f)", name, diff, scale)
				require.LessOrEqual(t, diff, 1e-4*max(scale, 1), name)
			}
			check("embeddings", taps["embeddings"], hidden[:per])
			for l := 0; l < cfg.Layers-cfg.SkipLayers; l++ {
				check(fmt.Sprintf("layers.%d", l), taps[fmt.Sprintf("layers.%d", l)], hidden[(l+1)*per:(l+2)*per])
			}
			want := "last_hidden_state"
			if cfg.SkipLayers == 1 {
				want = "penultimate_ln"
			}
			check(want, res, fixture.Float32(t, g, want))
			for _, tt := range taps {
				tt.Free()
			}
		})
	}
}

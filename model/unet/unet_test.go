package unet

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/model/internal/fixture"
	"github.com/sdgo/sdgo/model/nn"
)

// tol is the accepted max abs error relative to the output scale (float32 rounding; the
// fixtures' fp32-vs-fp64 differences of whole pipelines are ~1e-5).
const tol = 1e-4

// TestUNetGoldens evaluates the tiny SD1, SD2 and inpainting UNets on the golden inputs
// and compares the output and, where recorded, every intermediate.
func TestUNetGoldens(t *testing.T) {
	t.Setenv("SDGO_ATTENTION", "flash")
	checkGoldens(t, allCases, 1)
}

// TestUNetGoldensGEMMAttention runs the goldens with attention computed through GEMMs
// and a softmax (the path large attention takes on CPU devices).
func TestUNetGoldensGEMMAttention(t *testing.T) {
	t.Setenv("SDGO_ATTENTION", "gemm")
	checkGoldens(t, allCases[:4], 1)
}

// TestUNetGoldensWinogradLevels runs goldens with both of the tiny UNets' levels'
// convs as Winograd F(4×4) (as a one-shot 512² generation loads SD's first two).
func TestUNetGoldensWinogradLevels(t *testing.T) {
	checkGoldens(t, allCases[1:2], 2)
}

// TestUNetGoldensWinogradTaps runs goldens with every 3×3 conv that the full-size
// level does not hold as Winograd run as Winograd on the tap GEMMs, which form U from
// the fp16 kernel as they load it: F(4×4) and F(2×2) (the full-size UNet's cost model
// takes them at its deeper levels only, which the tiny UNets' small latents never
// reach).
func TestUNetGoldensWinogradTaps(t *testing.T) {
	for _, tile := range []string{"4", "2"} {
		t.Run("F"+tile, func(t *testing.T) {
			t.Setenv("SDGO_WINO_TAPS", tile)
			checkGoldens(t, []struct{ model, golden string }{allCases[1], allCases[4]}, 1)
		})
	}
}

var allCases = []struct{ model, golden string }{
	{"tiny-sd1", "unet_sd1_b1_t999"},
	{"tiny-sd1", "unet_sd1_b2_t981_1"},
	{"tiny-sd1", "unet_sd1_b1_t0"},
	{"tiny-sd2", "unet_sd2_b1_t999"},
	{"tiny-sd2", "unet_sd2_b2_t500_250"},
	{"tiny-sd1-inpaint", "unet_sd1_inpaint_b1_t801"},
}

// checkGoldens evaluates cases with the UNet's first winoLevels levels as Winograd.
func checkGoldens(t *testing.T, cases []struct{ model, golden string }, winoLevels int) {
	for _, tc := range cases {
		t.Run(tc.golden, func(t *testing.T) {
			d := fixture.Device(t)
			m := fixture.Model(t, tc.model)
			g := fixture.Golden(t, tc.golden)
			n := nn.New(d, true)
			defer n.Close()
			u := LoadWinograd(n, m.UNet, m.Config.UNet, winoLevels)
			require.NoError(t, n.Err())
			sample := fixture.Float32(t, g, "sample")
			ts := fixture.Float32(t, g, "timestep")
			ctx := fixture.Float32(t, g, "encoder_hidden_states")
			shape := g.Info("sample").Shape
			batch := shape[0]
			if len(ts) == 1 && batch > 1 {
				ts = append(ts, ts[0])
			}
			width := m.Config.UNet.CrossAttentionDim
			out := fixture.Run(t, n, func(tap func(string, nn.Tensor)) {
				x := fixture.Input(t, n, sample, shape...)
				tIn := fixture.Input(t, n, ts, batch)
				c := fixture.Input(t, n, ctx, batch, len(ctx)/(batch*width), width)
				tap("out", u.Forward(n, x, tIn, u.FromText(n, c), func(name string, x nn.Tensor) { tap("inter."+name, x) }))
			})
			require.NoError(t, n.Err())
			for _, name := range g.Names() {
				if strings.HasPrefix(name, "inter.") && out[name] != nil {
					fixture.Close(t, name, out[name], fixture.Float32(t, g, name), tol)
				}
			}
			if g.Info("inter.conv_norm_out") != nil { // our norm has the SiLU fused
				want := fixture.Float32(t, g, "inter.conv_norm_out")
				for i, v := range want {
					want[i] = float32(float64(v) / (1 + math.Exp(-float64(v))))
				}
				fixture.Close(t, "inter.conv_act", out["inter.conv_act"], want, tol)
			}
			require.True(t, fixture.Close(t, "out", out["out"], fixture.Float32(t, g, "out"), tol), fmt.Sprint(tc))
		})
	}
}

// TestUNetFromProjections checks that evaluations from the text's projections, computed
// beforehand as sampling does, give the same prediction as one from the text, bit for
// bit, also when two evaluations share one Conditioning, and that a wrong number of
// projections, or none, is refused.
func TestUNetFromProjections(t *testing.T) {
	d := fixture.Device(t)
	m := fixture.Model(t, "tiny-sd1")
	g := fixture.Golden(t, "unet_sd1_b2_t981_1")
	n := nn.New(d, true)
	defer n.Close()
	u := Load(n, m.UNet, m.Config.UNet)
	require.NoError(t, n.Err())
	sample, ts := fixture.Float32(t, g, "sample"), fixture.Float32(t, g, "timestep")
	ctx := fixture.Float32(t, g, "encoder_hidden_states")
	shape := g.Info("sample").Shape
	width := m.Config.UNet.CrossAttentionDim
	ctxShape := []int{shape[0], len(ctx) / (shape[0] * width), width}

	var kvShapes [][]int
	kv := fixture.Run(t, n, func(tap func(string, nn.Tensor)) {
		for i, x := range u.ProjectText(n, fixture.Input(t, n, ctx, ctxShape...)) {
			kvShapes = append(kvShapes, x.Shape)
			tap(fmt.Sprint(i), x)
		}
	})
	require.NoError(t, n.Err())
	require.Len(t, kvShapes, 2*len(u.transformers())*m.Config.UNet.TransformerDepth)
	eval := func(context func() *Conditioning) []float32 {
		out := fixture.Run(t, n, func(tap func(string, nn.Tensor)) {
			tap("out", u.Forward(n, fixture.Input(t, n, sample, shape...), fixture.Input(t, n, ts, len(ts)), context(), nil))
		})
		require.NoError(t, n.Err())
		return out["out"]
	}
	fromText := eval(func() *Conditioning { return u.FromText(n, fixture.Input(t, n, ctx, ctxShape...)) })
	projected := func(n *nn.Net, count int) *Conditioning {
		var kvs []nn.Tensor
		for i := range count {
			j := min(i, len(kvShapes)-1)
			kvs = append(kvs, fixture.Input(t, n, kv[fmt.Sprint(j)], kvShapes[j]...))
		}
		return FromProjections(kvs)
	}
	require.Equal(t, fromText, eval(func() *Conditioning { return projected(n, len(kvShapes)) }))
	fixture.Close(t, "out", fromText, fixture.Float32(t, g, "out"), tol)
	twice := fixture.Run(t, n, func(tap func(string, nn.Tensor)) {
		c := projected(n, len(kvShapes))
		x, tIn := fixture.Input(t, n, sample, shape...), fixture.Input(t, n, ts, len(ts))
		tap("a", u.Forward(n, x, tIn, c, nil))
		tap("b", u.Forward(n, x, tIn, c, nil))
	})
	require.NoError(t, n.Err())
	require.Equal(t, fromText, twice["a"])
	require.Equal(t, fromText, twice["b"])

	for _, c := range []struct {
		extra int // projections beyond the right count; -1: no conditioning
		err   string
	}{{-2, "projected text tensors for more than"}, {2, "projected text tensors for"}, {-1, "without text conditioning"}} {
		n := nn.New(d, true)
		u := Load(n, m.UNet, m.Config.UNet)
		n.Begin()
		var cond *Conditioning
		if c.extra != -1 {
			cond = projected(n, len(kvShapes)+c.extra)
		}
		u.Forward(n, fixture.Input(t, n, sample, shape...), fixture.Input(t, n, ts, len(ts)), cond, nil)
		require.ErrorContains(t, n.Err(), c.err, "%d projections too many", c.extra)
		n.Close()
	}
}

// TestUNetSharedLatent checks guidance's shared latent: N samples with a conditioning of
// 2N rows give what the samples stacked twice give, for N = 1 and 2 (rows in [uncond;
// cond] order), for SD 1 and SD 2 (whose first block differs: linear projections) and
// the 9-channel inpainting UNet; sample and timestep rows that are neither the
// conditioning's nor half of them are refused, and an evaluation recorded after an
// error stays a no-op.
func TestUNetSharedLatent(t *testing.T) {
	d := fixture.Device(t)
	for _, tc := range []struct{ model, golden string }{
		{"tiny-sd1", "unet_sd1_b2_t981_1"}, {"tiny-sd2", "unet_sd2_b2_t500_250"}, {"tiny-sd1-inpaint", "unet_sd1_inpaint_b1_t801"},
	} {
		t.Run(tc.model, func(t *testing.T) {
			m := fixture.Model(t, tc.model)
			g := fixture.Golden(t, tc.golden)
			n := nn.New(d, true)
			defer n.Close()
			u := Load(n, m.UNet, m.Config.UNet)
			require.NoError(t, n.Err())
			shape := g.Info("sample").Shape
			k := shape[1] * shape[2] * shape[3]
			one := fixture.Float32(t, g, "sample")[:k:k]
			t0 := fixture.Float32(t, g, "timestep")[0]
			width := m.Config.UNet.CrossAttentionDim
			ctx := fixture.Float32(t, g, "encoder_hidden_states")
			ctx = ctx[: len(ctx)/shape[0] : len(ctx)/shape[0]]
			// rows returns count rows of v, row i scaled by 1 − 0.7·i so that they differ.
			rows := func(v []float32, count int) []float32 {
				var out []float32
				for i := range count {
					for _, x := range v {
						out = append(out, x*(1-0.7*float32(i)))
					}
				}
				return out
			}
			eval := func(sample []float32, batch int, text []float32) []float32 {
				ts := make([]float32, batch)
				for i := range ts {
					ts[i] = t0
				}
				textRows := len(text) / len(ctx)
				out := fixture.Run(t, n, func(tap func(string, nn.Tensor)) {
					c := fixture.Input(t, n, text, textRows, len(ctx)/width, width)
					tap("out", u.Forward(n, fixture.Input(t, n, sample, batch, shape[1], shape[2], shape[3]), fixture.Input(t, n, ts, batch), u.FromText(n, c), nil))
				})
				require.NoError(t, n.Err())
				return out["out"]
			}
			for _, batch := range []int{1, 2} {
				samples, text := rows(one, batch), rows(ctx, 2*batch)
				shared := eval(samples, batch, text)
				stacked := eval(append(append([]float32{}, samples...), samples...), 2*batch, text)
				half := len(stacked) / 2
				diff, _ := fixture.MaxAbsDiff(stacked[:half], stacked[half:])
				require.Greater(t, diff, 1e-3, "the two halves' texts should give different predictions")
				require.Equal(t, stacked, shared, "%d samples", batch)
			}

			n.Begin()
			c := fixture.Input(t, n, rows(ctx, 2), 2, len(ctx)/width, width)
			u.Forward(n, fixture.Input(t, n, rows(one, 3), 3, shape[1], shape[2], shape[3]), fixture.Input(t, n, []float32{t0, t0, t0}, 3), u.FromText(n, c), nil)
			require.ErrorContains(t, n.Err(), "for a conditioning of 2 rows")
			require.NotPanics(t, func() {
				c := fixture.Input(t, n, rows(ctx, 2), 2, len(ctx)/width, width)
				require.False(t, u.Forward(n, fixture.Input(t, n, one, 1, shape[1], shape[2], shape[3]), fixture.Input(t, n, []float32{t0}, 1), u.FromText(n, c), nil).Valid())
			})
		})
	}
}

// TestWinogradAtFullSize checks which convs load for Winograd on a CPU device: the 3×3
// convs at the latent's full size (first down level, last up level, the upsampler into
// it, conv_out), and no other.
func TestWinogradAtFullSize(t *testing.T) {
	d := fixture.Device(t)
	if d.Info.Type != gpu.CPU {
		t.Skip("Winograd runs on CPU devices only")
	}
	m := fixture.Model(t, "tiny-sd1")
	n := nn.New(d, true)
	defer n.Close()
	u := Load(n, m.UNet, m.Config.UNet)
	require.NoError(t, n.Err())
	last := len(u.up) - 1
	wino := func(c nn.Conv) bool { return c.Layout == nn.ConvWinograd }
	for i, b := range u.down {
		for _, r := range b.resnets {
			require.Equal(t, i == 0, wino(r.conv1) && wino(r.conv2), "down %d", i)
		}
		if b.downsample != nil {
			require.False(t, wino(*b.downsample), "down %d downsampler", i)
		}
	}
	require.False(t, wino(u.mid.res1.conv1))
	for i, b := range u.up {
		for _, r := range b.resnets {
			require.Equal(t, i == last, wino(r.conv1) && wino(r.conv2), "up %d", i)
		}
		if b.upsample != nil {
			require.Equal(t, i+1 == last, wino(*b.upsample), "up %d upsampler", i)
		}
	}
	require.False(t, wino(u.convIn), "conv_in: 4 input channels")
	require.True(t, wino(u.convOut))
}

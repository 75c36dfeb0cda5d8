package checkpoint

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"os"

	"github.com/sdgo/sdgo/model/safetensors"
)

// scheduleNames are the LDM schedule buffers single-file checkpoints carry.
var scheduleNames = []string{
	"betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod",
	"sqrt_one_minus_alphas_cumprod", "log_one_minus_alphas_cumprod", "sqrt_recip_alphas_cumprod",
	"sqrt_recipm1_alphas_cumprod", "posterior_variance", "posterior_log_variance_clipped",
	"posterior_mean_coef1", "posterior_mean_coef2",
}

// chunk is how many elements are generated at a time, bounding memory use.
const chunk = 1 << 20

// Params counts the parameters of each network (unet, vae, text) of the architecture.
func (a Arch) Params() map[string]int64 {
	n := map[string]int64{}
	for _, t := range a.keys() {
		if t.kind == schedule || t.kind == positionIDs {
			continue
		}
		e := int64(1)
		for _, d := range t.shape {
			e *= int64(d)
		}
		switch {
		case len(t.name) > 6 && t.name[:6] == "model.":
			n["unet"] += e
		case len(t.name) > 12 && t.name[:12] == "first_stage_":
			n["vae"] += e
		default:
			n["text"] += e
		}
	}
	return n
}

// Write creates path holding the architecture's checkpoint with weights drawn from
// seed: fp16 weights, float32 schedule buffers, int64 position ids. A failed write
// leaves no file behind.
func Write(path string, a Arch, seed uint64) (err error) {
	ts := a.keys()
	infos := make([]safetensors.Info, len(ts))
	for i, t := range ts {
		dt := safetensors.F16
		switch t.kind {
		case schedule:
			dt = safetensors.F32
		case positionIDs:
			dt = safetensors.I64
		}
		infos[i] = safetensors.Info{Name: t.name, DType: dt, Shape: t.shape}
	}
	tmp := path + ".partial"
	w, err := safetensors.Create(tmp, infos, map[string]string{"format": "pt", "sdgo_arch": a.Name, "sdgo_seed": fmt.Sprint(seed)})
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			w.Close()
			os.Remove(tmp)
		}
	}()
	sched := scheduleBuffers()
	buf := make([]byte, 2*chunk)
	for _, t := range ts {
		switch t.kind {
		case schedule:
			if err := w.Write(t.name, float32Bytes(sched[t.name])); err != nil {
				return err
			}
			continue
		case positionIDs:
			b := make([]byte, 8*positions)
			for i := 0; i < positions; i++ {
				binary.LittleEndian.PutUint64(b[8*i:], uint64(i))
			}
			if err := w.Write(t.name, b); err != nil {
				return err
			}
			continue
		}
		g := newRand(seed, t.name)
		lo, hi := t.valueRange()
		n := 1
		for _, d := range t.shape {
			n *= d
		}
		for done := 0; done < n; done += chunk {
			m := min(chunk, n-done)
			for i := 0; i < m; i++ {
				v := lo + (hi-lo)*g.float()
				binary.LittleEndian.PutUint16(buf[2*i:], safetensors.FloatToHalf(float32(v)))
			}
			if err := w.Write(t.name, buf[:2*m]); err != nil {
				return err
			}
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// valueRange gives the uniform range of a tensor's values: the standard deviation of
// the usual initialisation, as a uniform distribution (±√3·σ).
func (t tensor) valueRange() (lo, hi float64) {
	sigma := 0.02
	center := 0.0
	switch t.kind {
	case weight:
		fanIn := 1
		for _, d := range t.shape[1:] {
			fanIn *= d
		}
		sigma = 1 / math.Sqrt(float64(fanIn))
	case normGain:
		center = 1
	case scalar:
		return 4.6, 4.6 // ln(100), as trained CLIP models have
	}
	r := math.Sqrt(3) * sigma
	return center - r, center + r
}

// scheduleBuffers computes SD's scaled-linear schedule buffers (β from 0.00085 to
// 0.012 over 1000 steps) as LDM stores them.
func scheduleBuffers() map[string][]float32 {
	const n = 1000
	out := map[string][]float32{}
	for _, name := range scheduleNames {
		out[name] = make([]float32, n)
	}
	cum, prev := 1.0, 1.0
	for i := 0; i < n; i++ {
		s := math.Sqrt(0.00085) + (math.Sqrt(0.012)-math.Sqrt(0.00085))*float64(i)/(n-1)
		beta := s * s
		prev = cum
		cum *= 1 - beta
		postVar := beta * (1 - prev) / (1 - cum)
		set := func(name string, v float64) { out[name][i] = float32(v) }
		set("betas", beta)
		set("alphas_cumprod", cum)
		set("alphas_cumprod_prev", prev)
		set("sqrt_alphas_cumprod", math.Sqrt(cum))
		set("sqrt_one_minus_alphas_cumprod", math.Sqrt(1-cum))
		set("log_one_minus_alphas_cumprod", math.Log(1-cum))
		set("sqrt_recip_alphas_cumprod", math.Sqrt(1/cum))
		set("sqrt_recipm1_alphas_cumprod", math.Sqrt(1/cum-1))
		set("posterior_variance", postVar)
		set("posterior_log_variance_clipped", math.Log(math.Max(postVar, 1e-20)))
		set("posterior_mean_coef1", beta*math.Sqrt(prev)/(1-cum))
		set("posterior_mean_coef2", (1-prev)*math.Sqrt(1-beta)/(1-cum))
	}
	return out
}

func float32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// rng is splitmix64, seeded from the checkpoint seed and the tensor name, so every
// tensor's values are independent of the order tensors are written in.
type rng struct{ s uint64 }

func newRand(seed uint64, name string) *rng {
	h := fnv.New64a()
	h.Write([]byte(name))
	return &rng{s: seed ^ h.Sum64()}
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// float returns a uniform value in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

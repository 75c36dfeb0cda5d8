package pipeline

import (
	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/kernels"
	"github.com/sdgo/sdgo/model/sampler"
)

// maskBlend inpaints with an ordinary (4-channel) model the way diffusers does: after
// every step the latents outside the mask are replaced by the init image's latents
// noised to the current level, x ← n + m·(x − n) with n = a·image + b·noise (the
// initial noise) and m the latent-size mask. Three dispatches per step, recorded once.
type maskBlend struct {
	plans []*gpu.Plan
	owned []*gpu.Tensor
}

func newMaskBlend(d *gpu.Device, plan *sampler.Plan, s *samplerGPU, mask, noise []float32, n int) (*maskBlend, error) {
	mb := &maskBlend{}
	upload := func(v []float32) (*gpu.Tensor, error) {
		t, err := d.Alloc(int64(4 * len(v)))
		if err == nil {
			mb.owned = append(mb.owned, t)
			err = t.WriteFloat32(0, v)
		}
		return t, err
	}
	var coefs []float32
	for k := range plan.Calls {
		a, b := plan.NoisedImage(k)
		coefs = append(coefs, 1, float32(-a), float32(-b), 1, float32(a), float32(b))
	}
	coef, err := upload(coefs)
	if err != nil {
		mb.close()
		return nil, err
	}
	m, err := upload(mask)
	if err != nil {
		mb.close()
		return nil, err
	}
	nz, err := upload(noise)
	if err != nil {
		mb.close()
		return nil, err
	}
	tmp, err := d.Alloc(int64(4 * n))
	if err != nil {
		mb.close()
		return nil, err
	}
	mb.owned = append(mb.owned, tmp)
	lin, err := d.Kernel(kernels.Lincomb)
	if err != nil {
		mb.close()
		return nil, err
	}
	mul, err := d.Kernel(kernels.Mul)
	if err != nil {
		mb.close()
		return nil, err
	}
	x, img := s.bufs[sampler.BufX], s.bufs[sampler.BufImage]
	g, stride := kernels.Groups1D(n)
	groups := [3]uint32{g, 1, 1}
	lincomb := func(off int, srcs []gpu.Binding, dst gpu.Binding) gpu.Dispatch {
		binds := []gpu.Binding{gpu.Bind(coef)}
		for i := 0; i < kernels.LincombMaxSources; i++ {
			binds = append(binds, srcs[min(i, len(srcs)-1)])
		}
		return gpu.Dispatch{Kernel: lin, Bindings: append(binds, dst), Groups: groups,
			Params: gpu.Params(kernels.LincombParams{N: uint32(n), Stride: stride, K: uint32(len(srcs)), CoefOff: uint32(off)})}
	}
	for k := range plan.Calls {
		p := d.NewPlan(false)
		mb.plans = append(mb.plans, p)
		steps := []gpu.Dispatch{
			lincomb(6*k, []gpu.Binding{x, img, gpu.Bind(nz)}, gpu.Bind(tmp)),
			{Kernel: mul, Bindings: []gpu.Binding{gpu.Bind(tmp), gpu.Bind(m), gpu.Bind(tmp)}, Groups: groups,
				Params: gpu.Params(kernels.BinaryParams{N: uint32(n), Stride: stride, Div: 1, Mod: uint32(len(mask))})},
			lincomb(6*k+3, []gpu.Binding{gpu.Bind(tmp), img, gpu.Bind(nz)}, x),
		}
		for _, ds := range steps {
			if err := p.Add(ds); err != nil {
				mb.close()
				return nil, err
			}
		}
		if err := p.Record(); err != nil {
			mb.close()
			return nil, err
		}
	}
	return mb, nil
}

func (mb *maskBlend) close() {
	for _, p := range mb.plans {
		p.Close()
	}
	for _, t := range mb.owned {
		t.Free()
	}
}

package pipeline

import (
	"fmt"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/kernels"
	"github.com/sdgo/sdgo/model/sampler"
)

// samplerGPU runs a sampler.Plan's op lists on the device: each Op is one dispatch of
// the lincomb kernel. All coefficients of the whole run are known up front, so they
// are written once into one coefficient tensor and every op list is recorded once.
type samplerGPU struct {
	d      *gpu.Device
	plan   *sampler.Plan
	bufs   []gpu.Binding // indexed by sampler.Buf
	owned  []*gpu.Tensor
	coef   *gpu.Tensor
	init   *gpu.Plan
	input  []*gpu.Plan
	update []*gpu.Plan
	guide  *gpu.Plan // classifier-free guidance (nil without it)
}

// newSamplerGPU allocates the plan's buffers (n floats each) and records its op lists.
// fixed gives the bindings of buffers that live elsewhere (the UNet's input and output
// halves); the others are allocated here.
func newSamplerGPU(d *gpu.Device, plan *sampler.Plan, n int, fixed map[sampler.Buf]gpu.Binding, guidance float64) (*samplerGPU, error) {
	s := &samplerGPU{d: d, plan: plan, bufs: make([]gpu.Binding, plan.NumBufs)}
	for b := range s.bufs {
		if fb, ok := fixed[sampler.Buf(b)]; ok {
			s.bufs[b] = fb
			continue
		}
		t, err := d.Alloc(int64(4 * n))
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("sampler buffers: %w", err)
		}
		s.owned = append(s.owned, t)
		s.bufs[b] = gpu.Bind(t)
	}
	var lists [][]sampler.Op
	lists = append(lists, plan.Init)
	for _, c := range plan.Calls {
		lists = append(lists, c.Input, c.Update)
	}
	if guidance != 0 {
		lists = append(lists, []sampler.Op{sampler.GuidanceOp(guidance)})
	}
	var coefs []float32
	offsets := make([][]int, len(lists))
	for i, ops := range lists {
		for _, op := range ops {
			offsets[i] = append(offsets[i], len(coefs))
			if len(op.Terms) == 0 {
				coefs = append(coefs, 0) // zero Dst: 0·x
				continue
			}
			for _, t := range op.Terms {
				coefs = append(coefs, t.Coef)
			}
		}
	}
	var err error
	if s.coef, err = d.Alloc(int64(4 * max(len(coefs), 1))); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.coef.WriteFloat32(0, coefs); err != nil {
		s.Close()
		return nil, err
	}
	k, err := d.Kernel(kernels.Lincomb)
	if err != nil {
		s.Close()
		return nil, err
	}
	record := func(i int) (*gpu.Plan, error) {
		p := d.NewPlan(false)
		for j, op := range lists[i] {
			if err := s.addOp(p, k, op, offsets[i][j], n); err != nil {
				p.Close()
				return nil, err
			}
		}
		if p.Len() == 0 {
			return p, nil
		}
		return p, p.Record()
	}
	if s.init, err = record(0); err != nil {
		s.Close()
		return nil, err
	}
	for c := range plan.Calls {
		in, err := record(1 + 2*c)
		if err == nil {
			s.input = append(s.input, in)
			var up *gpu.Plan
			up, err = record(2 + 2*c)
			s.update = append(s.update, up)
		}
		if err != nil {
			s.Close()
			return nil, err
		}
	}
	if guidance != 0 {
		if s.guide, err = record(len(lists) - 1); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

func (s *samplerGPU) addOp(p *gpu.Plan, k *gpu.Kernel, op sampler.Op, coefOff, n int) error {
	terms := op.Terms
	if len(terms) == 0 {
		terms = []sampler.Term{{Coef: 0, Src: sampler.BufX}}
	}
	if len(terms) > kernels.LincombMaxSources {
		return fmt.Errorf("sampler op %v has %d terms; the kernel takes %d", op, len(terms), kernels.LincombMaxSources)
	}
	binds := []gpu.Binding{gpu.Bind(s.coef)}
	for i := 0; i < kernels.LincombMaxSources; i++ {
		src := terms[0].Src
		if i < len(terms) {
			src = terms[i].Src
		}
		binds = append(binds, s.bufs[src])
	}
	binds = append(binds, s.bufs[op.Dst])
	g, stride := kernels.Groups1D(n)
	return p.Add(gpu.Dispatch{Kernel: k, Bindings: binds, Groups: [3]uint32{g, 1, 1},
		Params: gpu.Params(kernels.LincombParams{N: uint32(n), Stride: stride, K: uint32(len(terms)), CoefOff: uint32(coefOff)})})
}

// writeBuf uploads host values into a buffer (noise, image latents).
func (s *samplerGPU) writeBuf(b sampler.Buf, v []float32) error {
	bind := s.bufs[b]
	return bind.T.Write(bind.Off, gpu.Float32Bytes(v))
}

// readBuf downloads a buffer.
func (s *samplerGPU) readBuf(b sampler.Buf, n int) ([]float32, error) {
	v := make([]float32, n)
	bind := s.bufs[b]
	return v, bind.T.Read(bind.Off, gpu.Float32Bytes(v))
}

func runIfAny(p *gpu.Plan) error {
	if p == nil || p.Len() == 0 {
		return nil
	}
	return p.Run()
}

// Close frees the buffers and plans.
func (s *samplerGPU) Close() {
	for _, p := range append(append([]*gpu.Plan{s.init, s.guide}, s.input...), s.update...) {
		if p != nil {
			p.Close()
		}
	}
	for _, t := range s.owned {
		t.Free()
	}
	s.coef.Free()
}

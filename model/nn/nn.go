// Package nn is the layer vocabulary the Stable Diffusion networks are written in:
// convolutions, linears, norms, attention and the glue between them, each recorded as
// kernel dispatches on a gpu.Graph. Activations are fp32 and live in the graph's arena;
// parameters are uploaded once (matrices in fp16 unless asked for fp32, vectors fp32).
//
// A Net records the first error and turns later calls into no-ops, so network code
// reads like the architecture and checks Err once.
package nn

import (
	"fmt"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/kernels"
	"github.com/sdgo/sdgo/model/weights"
)

// Tensor is a value in a Net: a device byte range and a shape. F16 marks a parameter
// stored as packed halves.
type Tensor struct {
	ref   gpu.Ref
	Shape []int
	F16   bool
}

// Numel returns the number of elements.
func (t Tensor) Numel() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// rows returns the first dimension and the product of the others: an fp16 matrix is
// stored row by row, each row padded to whole 32-bit words (the kernels' layout).
func (t Tensor) rows() (rows, rowLen int) {
	if len(t.Shape) == 0 {
		return 1, 1
	}
	return t.Shape[0], t.Numel() / max(t.Shape[0], 1)
}

// Bytes returns the size of the stored elements.
func (t Tensor) Bytes() int64 {
	if t.F16 {
		rows, rowLen := t.rows()
		return int64(rows * ((rowLen + 1) / 2) * 4)
	}
	return int64(4 * t.Numel())
}

// Valid reports whether t refers to something (an optional parameter may be absent).
func (t Tensor) Valid() bool { return t.Shape != nil }

func (t Tensor) String() string { return fmt.Sprint(t.Shape) }

// Net builds a graph of dispatches.
type Net struct {
	d   *gpu.Device
	g   *gpu.Graph
	err error
	F16 bool // store matrices as fp16
	// LoRA, when set, is merged into the weights it touches as they are uploaded.
	LoRA *weights.LoRAMerger
	// Winograd: 3×3 stride-1 convolutions loaded while it is set run as Winograd on CPU
	// devices: F(4×4, 3×3) where both channel counts are multiples of 4 (4× fewer
	// multiplies), else F(2×2, 3×3) (2.25×), with U = G·g·Gᵀ stored in fp32 (fp16
	// would round U's sums of fp16 weights: 1.6e-3 and 1.6e-2 errors, measured), i.e.
	// 8× (F(2×2): 32/9) the memory of the fp16 kernel. The VAE sets it for its
	// high-resolution convs (vae.Load) and the UNet for its full-size level, and the
	// next one for one-shot generations of 512² and more (unet.LoadWinograd): where
	// the multiplies are many and the weights few. The other 3×3 stride-1 convs of
	// CPU devices keep their fp16 kernel and run as Winograd on the tap GEMMs where
	// kernels.WinoTapTile finds it faster (the deeper levels: F(4×4) at 12×12 and
	// 16×16, F(2×2) at 8×8), forming U as they load the kernel: no extra memory.
	Winograd bool
	params   []*gpu.Tensor
	kernels  map[string]*gpu.Kernel
	maxAct   int64 // the largest activation of the current graph, in bytes
}

// New starts a network on d.
func New(d *gpu.Device, f16 bool) *Net {
	return &Net{d: d, g: d.NewGraph(), F16: f16, kernels: map[string]*gpu.Kernel{}}
}

// Device returns the device the network runs on.
func (n *Net) Device() *gpu.Device { return n.d }

// Err returns the first error any call recorded.
func (n *Net) Err() error { return n.err }

// Fail records err (wrapped with context) unless an error is already recorded.
func (n *Net) Fail(context string, err error) {
	if n.err == nil && err != nil {
		n.err = fmt.Errorf("%s: %w", context, err)
	}
}

// Failf records a formatted error.
func (n *Net) Failf(format string, args ...any) {
	if n.err == nil {
		n.err = fmt.Errorf(format, args...)
	}
}

// Act declares a new fp32 activation.
func (n *Net) Act(shape ...int) Tensor {
	t := Tensor{Shape: append([]int(nil), shape...)}
	t.ref = n.g.Act(t.Bytes()).Whole()
	n.maxAct = max(n.maxAct, t.Bytes())
	return t
}

// MaxActBytes returns the size of the current graph's largest activation: a graph
// whose largest activation exceeds the device's storage-buffer range cannot run.
func (n *Net) MaxActBytes() int64 { return n.maxAct }

// External wraps a tensor that lives outside the arena (an input or an output).
func (n *Net) External(t *gpu.Tensor, shape ...int) Tensor {
	x := Tensor{ref: gpu.TensorRef(t), Shape: append([]int(nil), shape...)}
	if x.Bytes() > t.Size() {
		n.Failf("external tensor of %d bytes is too small for shape %v", t.Size(), shape)
	}
	return x
}

// kernel returns the pipeline for spec.
func (n *Net) kernel(spec kernels.Spec) *gpu.Kernel {
	if k, ok := n.kernels[spec.Name]; ok {
		return k
	}
	k, err := n.d.Kernel(spec)
	if err != nil {
		n.Fail("kernel", err)
		return nil
	}
	n.kernels[spec.Name] = k
	return k
}

// dispatch records a launch of spec over refs (the kernel's binding order).
func (n *Net) dispatch(spec kernels.Spec, params []byte, groups [3]uint32, ts ...Tensor) {
	if n.err != nil {
		return
	}
	k := n.kernel(spec)
	if k == nil {
		return
	}
	refs := make([]gpu.Ref, len(ts))
	for i, t := range ts {
		refs[i] = t.ref
	}
	n.g.Dispatch(k, params, groups, refs...)
}

// Begin starts a new graph (e.g. the next network), keeping the parameters.
func (n *Net) Begin() { n.g, n.maxAct = n.d.NewGraph(), 0 }

// Compile places the current graph's activations and records its plan.
func (n *Net) Compile(timing bool) (*gpu.Compiled, error) {
	if n.err != nil {
		return nil, n.err
	}
	return n.g.Compile(timing)
}

// Layout places the current graph's activations without allocating them.
func (n *Net) Layout() (gpu.ArenaPlan, error) {
	if n.err != nil {
		return gpu.ArenaPlan{}, n.err
	}
	return n.g.Layout(), nil
}

// ParamBytes returns the device bytes the parameters take.
func (n *Net) ParamBytes() int64 {
	var s int64
	for _, p := range n.params {
		s += p.Size()
	}
	return s
}

// Close frees the parameters.
func (n *Net) Close() {
	for _, p := range n.params {
		p.Free()
	}
	n.params = nil
}

// same checks that two shapes are equal.
func (n *Net) same(op string, a, b Tensor) bool {
	if fmt.Sprint(a.Shape) != fmt.Sprint(b.Shape) {
		n.Failf("%s: shapes %v and %v differ", op, a.Shape, b.Shape)
		return false
	}
	return true
}

// Output copies x into dst (a tensor outside the arena, readable after the run).
func (n *Net) Output(x Tensor, dst *gpu.Tensor) {
	if n.err != nil {
		return
	}
	if dst.Size() < x.Bytes() {
		n.Failf("output of %d bytes is too small for %v", dst.Size(), x.Shape)
		return
	}
	g, stride := kernels.Groups1D(x.Numel())
	n.dispatch(kernels.Copy, gpu.Params(kernels.ElemParams{N: uint32(x.Numel()), Stride: stride}), [3]uint32{g, 1, 1}, x, Tensor{ref: gpu.TensorRef(dst), Shape: x.Shape})
}

package gpu

import "fmt"

// Graph collects dispatches whose intermediate results (activations) are placed in one
// arena by PlanArena, so peak activation memory is close to the largest live set
// rather than the sum of all activations. Weights, inputs and outputs are ordinary
// Tensors referenced with TensorRef.
type Graph struct {
	d    *Device
	acts []*Act
	ops  []graphOp
}

type graphOp struct {
	kernel *Kernel
	params []byte
	groups [3]uint32
	refs   []Ref
}

// Act is an activation of a Graph: bytes that exist from the first dispatch that uses
// them to the last.
type Act struct {
	size        int64
	first, last int
	off         int64 // in the arena, after Compile
}

// Size returns the activation's size in bytes.
func (a *Act) Size() int64 { return a.size }

// Ref is a bindable byte range: of an activation or of a tensor. Size 0 means "to the
// end".
type Ref struct {
	act  *Act
	t    *Tensor
	off  int64
	size int64
}

// Whole refers to the entire activation.
func (a *Act) Whole() Ref { return Ref{act: a} }

// Range refers to size bytes of the activation from offset off.
func (a *Act) Range(off, size int64) Ref { return Ref{act: a, off: off, size: size} }

// TensorRef refers to a tensor (a weight, an input or an output).
func TensorRef(t *Tensor) Ref { return Ref{t: t} }

// TensorRange refers to size bytes of a tensor from offset off.
func TensorRange(t *Tensor, off, size int64) Ref { return Ref{t: t, off: off, size: size} }

// NewGraph starts an empty graph on d.
func (d *Device) NewGraph() *Graph { return &Graph{d: d} }

// Act declares an activation of size bytes.
func (g *Graph) Act(size int64) *Act {
	a := &Act{size: size, first: -1}
	g.acts = append(g.acts, a)
	return a
}

// Dispatch appends a kernel launch; refs follow the kernel's binding order.
func (g *Graph) Dispatch(k *Kernel, params []byte, groups [3]uint32, refs ...Ref) {
	step := len(g.ops)
	for _, r := range refs {
		if a := r.act; a != nil {
			if a.first < 0 {
				a.first = step
			}
			a.last = step
		}
	}
	g.ops = append(g.ops, graphOp{kernel: k, params: params, groups: groups, refs: refs})
}

// Len returns the number of dispatches so far.
func (g *Graph) Len() int { return len(g.ops) }

// Compiled is a recorded graph: its plan and its arena.
type Compiled struct {
	*Plan
	arena *Tensor
	// ArenaBytes is the arena's size; NaiveBytes what the activations would take
	// without reuse; PeakLiveBytes the largest set alive at one dispatch.
	ArenaBytes, NaiveBytes, PeakLiveBytes int64
}

// used returns the activations some dispatch refers to, and their lifetimes.
func (g *Graph) used() ([]*Act, []Lifetime) {
	var used []*Act
	var ls []Lifetime
	for _, a := range g.acts {
		if a.first >= 0 {
			used = append(used, a)
			ls = append(ls, Lifetime{Size: a.size, First: a.first, Last: a.last})
		}
	}
	return used, ls
}

// Layout places the activations without allocating anything: the arena a Compile would
// need, known before any memory is committed.
func (g *Graph) Layout() ArenaPlan {
	_, ls := g.used()
	return PlanArena(ls, g.d.mem.align)
}

// Compile places the activations, allocates the arena, and records the plan.
func (g *Graph) Compile(timing bool) (*Compiled, error) {
	used, ls := g.used()
	layout := PlanArena(ls, g.d.mem.align)
	for i, a := range used {
		a.off = layout.Offsets[i]
	}
	c := &Compiled{ArenaBytes: layout.Size, NaiveBytes: layout.Naive, PeakLiveBytes: PeakLive(ls)}
	if layout.Size > 0 {
		arena, err := g.d.Alloc(layout.Size)
		if err != nil {
			return nil, fmt.Errorf("activation arena of %d MiB: %w", layout.Size>>20, err)
		}
		c.arena = arena
	}
	c.Plan = g.d.NewPlan(timing)
	for i, op := range g.ops {
		binds := make([]Binding, len(op.refs))
		for j, r := range op.refs {
			switch {
			case r.act != nil:
				size := r.size
				if size == 0 {
					size = r.act.size - r.off
				}
				binds[j] = BindRange(c.arena, r.act.off+r.off, size)
			case r.t != nil:
				binds[j] = BindRange(r.t, r.off, r.size)
			default:
				c.Close()
				return nil, fmt.Errorf("dispatch %d (%s): binding %d refers to nothing", i, op.kernel.Spec.Name, j)
			}
		}
		if err := c.Plan.Add(Dispatch{Kernel: op.kernel, Bindings: binds, Params: op.params, Groups: op.groups}); err != nil {
			c.Close()
			return nil, fmt.Errorf("dispatch %d: %w", i, err)
		}
	}
	if err := c.Plan.Record(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Close frees the plan and the arena.
func (c *Compiled) Close() {
	if c.Plan != nil {
		c.Plan.Close()
	}
	c.arena.Free()
}

// Slice refers to size bytes of r from byte offset off within it.
func (r Ref) Slice(off, size int64) Ref {
	r.off += off
	r.size = size
	return r
}

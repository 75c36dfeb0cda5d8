package nn

import (
	"github.com/sdgo/sdgo/kernels"
	"sort"

	"github.com/sdgo/sdgo/model/weights"
)

// Linear is y = x·Wᵀ + b with W [out, in]; B may be absent.
type Linear struct{ W, B Tensor }

// Conv is a 2-D convolution with W [out, in, k, k], bias B, a stride and padding on
// each side (top, left, bottom, right).
type Conv struct {
	W, B                   Tensor
	Stride                 int
	PadT, PadL, PadB, PadR int
	// Layout is how W is stored on the device.
	Layout ConvLayout
}

// ConvLayout is the device layout of a convolution's weight.
type ConvLayout int

// The layouts of Conv.W.
const (
	// ConvPlain: [out, in, k, k], as checkpoints store it (the "reg" and "tile" kernels).
	ConvPlain ConvLayout = iota
	// ConvTapMajor: [out, k, k, in] (kernels.ConvTapMajor), for the "tex" convs.
	ConvTapMajor
	// ConvWinograd: U [(m+2)², out, in] (kernels.WinoWeights, tile side m from
	// kernels.WinoTile) of a 3×3 kernel, for the Winograd path; W.Shape is U's.
	ConvWinograd
)

// dims returns the output and input channels and the kernel size.
func (c Conv) dims() (out, in, k int) {
	if c.Layout == ConvWinograd {
		return c.W.Shape[1], c.W.Shape[2], 3
	}
	return c.W.Shape[0], c.W.Shape[1], c.W.Shape[2]
}

// Norm is the affine part of a group or layer norm: gain G and bias B.
type Norm struct{ G, B Tensor }

// Attention is a multi-head attention's projections.
type Attention struct {
	Q, K, V, Out Linear
	Heads        int
}

// HasParam reports whether the weights contain name.
func (n *Net) HasParam(w *weights.Weights, name string) bool {
	names := w.Names()
	i := sort.SearchStrings(names, name)
	return i < len(names) && names[i] == name
}

// LoadLinear loads prefix.weight and, when present, prefix.bias.
func (n *Net) LoadLinear(w *weights.Weights, prefix string) Linear {
	l := Linear{W: n.Param(w, prefix+".weight")}
	if n.HasParam(w, prefix+".bias") {
		l.B = n.Param(w, prefix+".bias")
	}
	if n.err == nil && len(l.W.Shape) != 2 {
		n.Failf("%s.weight: shape %v, want [out, in]", prefix, l.W.Shape)
	}
	return l
}

// LoadConv loads a convolution with a square kernel, the given stride and symmetric
// padding. A [out, in] linear weight is taken as a 1x1 kernel.
func (n *Net) LoadConv(w *weights.Weights, prefix string, stride, pad int) Conv {
	c := Conv{Stride: stride, PadT: pad, PadL: pad, PadB: pad, PadR: pad}
	if src, err := w.Tensor(prefix + ".weight"); err == nil && len(src.Shape) >= 2 && kernels.ConvReadsTokens(kernels.ConvVariant(n.target(), "", kernels.ConvParams{Cin: uint32(src.Shape[1])})) {
		c.Layout = ConvTapMajor
		if n.Winograd && len(src.Shape) == 4 && src.Shape[2] == src.Shape[3] && kernels.WinoFits(src.Shape[2], stride, pad, pad, pad, pad, src.Shape[1]) {
			c.Layout = ConvWinograd
		}
	}
	c.W, c.B = n.param(w, prefix+".weight", c.Layout), n.Param(w, prefix+".bias")
	if n.err != nil || c.Layout == ConvWinograd {
		return c
	}
	switch s := c.W.Shape; {
	case len(s) == 2:
		c.W.Shape = []int{s[0], s[1], 1, 1}
	case len(s) != 4 || s[2] != s[3]:
		n.Failf("%s.weight: shape %v, want [out, in, k, k]", prefix, s)
	}
	return c
}

// AsLinear returns a 1×1 convolution (stride 1, no padding) as the linear it is on
// tokens [B, H·W, C]: a [out, in, 1, 1] kernel is the [out, in] weight.
func (c Conv) AsLinear() Linear {
	l := Linear{W: c.W, B: c.B}
	if len(c.W.Shape) == 4 {
		l.W.Shape = c.W.Shape[:2:2]
	}
	return l
}

// LoadNorm loads prefix.weight (gain) and prefix.bias.
func (n *Net) LoadNorm(w *weights.Weights, prefix string) Norm {
	return Norm{G: n.Param(w, prefix+".weight"), B: n.Param(w, prefix+".bias")}
}

// LoadAttention loads diffusers' to_q, to_k, to_v and to_out.0 projections.
func (n *Net) LoadAttention(w *weights.Weights, prefix string, heads int) Attention {
	return n.LoadAttentionNamed(w, prefix, heads, [4]string{"to_q", "to_k", "to_v", "to_out.0"})
}

// LoadAttentionNamed loads the q, k, v and output projections under the given names.
func (n *Net) LoadAttentionNamed(w *weights.Weights, prefix string, heads int, names [4]string) Attention {
	a := Attention{Heads: heads}
	for i, l := range []*Linear{&a.Q, &a.K, &a.V, &a.Out} {
		*l = n.LoadLinear(w, prefix+"."+names[i])
	}
	if n.err == nil && (heads < 1 || a.Q.W.Shape[0]%heads != 0) {
		n.Failf("%s: %d heads do not divide width %d", prefix, heads, a.Q.W.Shape[0])
	}
	return a
}

package sampler

import (
	"fmt"
	"strconv"
)

// Buf names a latent-sized float32 buffer (the whole [B,C,H,W] batch of latents) that
// ops read and write. The fixed buffers below have roles shared with the runtime; buffers
// from NumFixedBufs on are the sampler's own history (saved samples, past model outputs,
// derivatives), numbered up to Plan.NumBufs-1.
type Buf int

// The fixed buffers.
const (
	BufX         Buf = iota // the latents being denoised
	BufModelIn              // the UNet input, written by Call.Input
	BufModelOut             // the model output after guidance (eps, v or x0, per Config.Prediction)
	BufNoise                // a fresh standard-normal draw, filled by the runtime when asked
	BufUncond               // the unconditional UNet output, read by the guidance op
	BufCond                 // the conditional UNet output, read by the guidance op
	BufImage                // the encoded input image latents (img2img), read by Plan.Init
	NumFixedBufs            // the first history buffer
)

var bufNames = [...]string{"x", "model_in", "model_out", "noise", "uncond", "cond", "image"}

// String returns the buffer's role ("x", "model_out", ...) or "h<i>" for history buffer i.
func (b Buf) String() string {
	if b >= 0 && b < NumFixedBufs {
		return bufNames[b]
	}
	return "h" + strconv.Itoa(int(b-NumFixedBufs))
}

// Term is one scaled source of a linear combination.
type Term struct {
	Coef float32
	Src  Buf
}

// MaxTerms bounds len(Op.Terms): every op this package emits has 1 to MaxTerms terms.
const MaxTerms = 6

// Op is one elementwise linear combination: Dst[i] = sum_k Terms[k].Coef * Terms[k].Src[i]
// for every element i. Dst may also appear among the sources: each element's sources are
// read before it is written. An op with no terms zeroes Dst. A GPU runtime runs each Op
// as one dispatch of a linear-combination kernel with the coefficients as scalars.
type Op struct {
	Dst   Buf
	Terms []Term
}

// String formats the op as "dst = c0*src0 + c1*src1 ...", for tests and debugging.
func (o Op) String() string {
	s := o.Dst.String() + " ="
	for i, t := range o.Terms {
		if i > 0 {
			s += " +"
		}
		s += fmt.Sprintf(" %g*%v", t.Coef, t.Src)
	}
	return s
}

// GuidanceOp is classifier-free guidance: model_out = uncond + scale*(cond - uncond),
// as the linear combination (1-scale)*uncond + scale*cond.
func GuidanceOp(scale float64) Op {
	return lin(BufModelOut, term(1-scale, BufUncond), term(scale, BufCond))
}

// Execute runs ops in order on the CPU. bufs is indexed by Buf and every buffer an op
// names must be present with the same length. Arithmetic is float32 in a fixed order,
// each product and each sum rounded (no fused multiply-add):
// acc = c0*s0; acc = acc + c1*s1; ...; dst = acc.
func Execute(ops []Op, bufs [][]float32) error {
	for _, op := range ops {
		if err := checkOp(op, bufs); err != nil {
			return err
		}
		dst := bufs[op.Dst]
		if len(op.Terms) == 0 {
			clear(dst)
			continue
		}
		for i := range dst {
			t := op.Terms[0]
			acc := float32(t.Coef * bufs[t.Src][i])
			for _, t := range op.Terms[1:] {
				acc = float32(acc + float32(t.Coef*bufs[t.Src][i]))
			}
			dst[i] = acc
		}
	}
	return nil
}

func checkOp(op Op, bufs [][]float32) error {
	check := func(b Buf) error {
		if b < 0 || int(b) >= len(bufs) || bufs[b] == nil {
			return fmt.Errorf("sampler: op %v: buffer %v is missing", op, b)
		}
		if len(bufs[b]) != len(bufs[op.Dst]) {
			return fmt.Errorf("sampler: op %v: buffer %v has %d elements, %v has %d", op, b, len(bufs[b]), op.Dst, len(bufs[op.Dst]))
		}
		return nil
	}
	if op.Dst < 0 || int(op.Dst) >= len(bufs) || bufs[op.Dst] == nil {
		return fmt.Errorf("sampler: op %v: buffer %v is missing", op, op.Dst)
	}
	for _, t := range op.Terms {
		if err := check(t.Src); err != nil {
			return err
		}
	}
	return nil
}

// NewBuffers allocates the plan's NumBufs buffers of n elements each, for Execute.
func (p *Plan) NewBuffers(n int) [][]float32 {
	bufs := make([][]float32, p.NumBufs)
	for i := range bufs {
		bufs[i] = make([]float32, n)
	}
	return bufs
}

// term is a Term with a float64 coefficient rounded to float32; the samplers compute
// coefficients in float64.
func term(coef float64, src Buf) Term { return Term{float32(coef), src} }

// lin builds an op from terms, dropping those whose coefficient is zero but keeping at
// least one term, so that every op maps onto a kernel taking 1 to MaxTerms sources.
func lin(dst Buf, terms ...Term) Op {
	op := Op{Dst: dst}
	for _, t := range terms {
		if t.Coef != 0 {
			op.Terms = append(op.Terms, t)
		}
	}
	if len(op.Terms) == 0 {
		op.Terms = terms[:1]
	}
	return op
}

// copyOp is dst = src.
func copyOp(dst, src Buf) Op { return Op{Dst: dst, Terms: []Term{{1, src}}} }

package imageio

import (
	"image"
	"math"
)

// BlurMask returns m blurred by a Gaussian of standard deviation sigma pixels (A1111's
// "mask blur", whose default is 4; 0, the default here as in diffusers, returns a copy).
// The kernel is A1111's: 2*int(2.5*sigma+0.5)+1 taps, normalised; it is applied
// separably, rows then columns, with edges clamped (pixels beyond the border repeat it).
func BlurMask(m *image.Gray, sigma float64) *image.Gray {
	p := fromGray(m)
	if sigma > 0 && !math.IsInf(sigma, 1) {
		p = p.blur(sigma)
	}
	return p.toGray()
}

// blur applies the Gaussian of BlurMask to every plane of p.
func (p planes) blur(sigma float64) planes {
	half := int(2.5*sigma + 0.5)
	kernel := make([]float64, 2*half+1)
	sum := 0.0
	for i := range kernel {
		d := float64(i - half)
		kernel[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += kernel[i]
	}
	k := make([]float32, len(kernel))
	for i, v := range kernel {
		k[i] = float32(v / sum)
	}
	out := planes{w: p.w, h: p.h, c: p.c, pix: make([]float32, len(p.pix))}
	tmp := make([]float32, len(p.pix))
	for r := range p.c * p.h {
		convolveClamped(tmp[r*p.w:], 1, p.pix[r*p.w:], 1, p.w, k)
	}
	for c := range p.c {
		for x := range p.w {
			off := c*p.h*p.w + x
			convolveClamped(out.pix[off:], p.w, tmp[off:], p.w, p.h, k)
		}
	}
	return out
}

// convolveClamped convolves n samples of src (every stride) with the odd-length kernel k,
// clamping indices to [0, n), into dst (every stride).
func convolveClamped(dst []float32, dstStride int, src []float32, srcStride, n int, k []float32) {
	half := len(k) / 2
	for i := range n {
		var acc float32
		for j, w := range k {
			s := min(max(i+j-half, 0), n-1)
			acc += w * src[s*srcStride]
		}
		dst[i*dstStride] = acc
	}
}

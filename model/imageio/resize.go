package imageio

import (
	"fmt"
	"image"
	"math"
)

// ResizeMode says how an image is brought to a size of another aspect ratio (A1111's
// "resize mode").
type ResizeMode string

// The resize modes.
const (
	// Crop scales the image to cover the target, keeping its aspect ratio, and crops the
	// overflow equally on both sides (A1111 "Crop and resize"). The default.
	Crop ResizeMode = "crop"
	// Fit scales the image to fit inside the target, keeping its aspect ratio, and pads the
	// rest by repeating the edge pixels outward (A1111 "Resize and fill").
	Fit ResizeMode = "fit"
	// Stretch scales width and height independently (A1111 "Just resize").
	Stretch ResizeMode = "stretch"
)

// ParseResizeMode returns the mode named s ("" means Crop).
func ParseResizeMode(s string) (ResizeMode, error) {
	switch m := ResizeMode(s); m {
	case "":
		return Crop, nil
	case Crop, Fit, Stretch:
		return m, nil
	}
	return "", fmt.Errorf("imageio: unknown resize mode %q (want crop, fit or stretch)", s)
}

// Resize brings img to w x h (positive multiples of 8) with the given mode, resampling with
// a Lanczos-3 filter (see resampleAxis).
//
// The scaled size follows A1111: for Crop, if w/h > sw/sh the image is scaled to width w and
// height sh*w/sw (integer division), else to height h and width sw*h/sh; Fit takes the other
// branch. The scaled image is placed at (w/2 - rw/2, h/2 - rh/2).
func Resize(img *image.NRGBA, w, h int, mode ResizeMode) (*image.NRGBA, error) {
	p, err := resizePlanes(fromNRGBA(img), w, h, mode)
	if err != nil {
		return nil, err
	}
	return p.toNRGBA(), nil
}

// ResizeMask brings a mask to w x h exactly as Resize does an image, so that the two stay
// aligned. The result is not binarised: MaskTensor does that.
func ResizeMask(m *image.Gray, w, h int, mode ResizeMode) (*image.Gray, error) {
	p, err := resizePlanes(fromGray(m), w, h, mode)
	if err != nil {
		return nil, err
	}
	return p.toGray(), nil
}

// CheckSize returns an error unless w and h are positive multiples of 8 within MaxSide.
func CheckSize(w, h int) error {
	if w <= 0 || h <= 0 || w%8 != 0 || h%8 != 0 || w > MaxSide || h > MaxSide {
		return fmt.Errorf("imageio: size %dx%d: width and height must be positive multiples of 8, at most %d", w, h, MaxSide)
	}
	return nil
}

// resizePlanes implements Resize for any channel count.
func resizePlanes(src planes, w, h int, mode ResizeMode) (planes, error) {
	if err := CheckSize(w, h); err != nil {
		return planes{}, err
	}
	if src.w <= 0 || src.h <= 0 {
		return planes{}, fmt.Errorf("imageio: cannot resize an empty image")
	}
	switch mode {
	case Stretch:
		return src.resample(w, h), nil
	case Crop, Fit, "":
	default:
		return planes{}, fmt.Errorf("imageio: unknown resize mode %q (want crop, fit or stretch)", mode)
	}
	wider := w*src.h > src.w*h // target aspect ratio w/h > source sw/sh
	rw, rh := w, h
	if wider == (mode != Fit) {
		rh = max(1, src.h*w/src.w)
	} else {
		rw = max(1, src.w*h/src.h)
	}
	return src.resample(rw, rh).place(w, h, w/2-rw/2, h/2-rh/2), nil
}

// planes is an image as float32 channel planes, c x h x w.
type planes struct {
	w, h, c int
	pix     []float32
}

func fromNRGBA(img *image.NRGBA) planes {
	b := img.Bounds()
	p := planes{w: b.Dx(), h: b.Dy(), c: 3}
	p.pix = make([]float32, 3*p.w*p.h)
	for y := range p.h {
		row := img.Pix[y*img.Stride:]
		for x := range p.w {
			for c := range 3 {
				p.pix[(c*p.h+y)*p.w+x] = float32(row[4*x+c])
			}
		}
	}
	return p
}

func fromGray(m *image.Gray) planes {
	b := m.Bounds()
	p := planes{w: b.Dx(), h: b.Dy(), c: 1}
	p.pix = make([]float32, p.w*p.h)
	for y := range p.h {
		for x, v := range m.Pix[y*m.Stride : y*m.Stride+p.w] {
			p.pix[y*p.w+x] = float32(v)
		}
	}
	return p
}

func (p planes) toNRGBA() *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, p.w, p.h))
	for i := range p.w * p.h {
		for c := range 3 {
			img.Pix[4*i+c] = clampU8(p.pix[c*p.w*p.h+i])
		}
		img.Pix[4*i+3] = 255
	}
	return img
}

func (p planes) toGray() *image.Gray {
	m := image.NewGray(image.Rect(0, 0, p.w, p.h))
	for i := range m.Pix {
		m.Pix[i] = clampU8(p.pix[i])
	}
	return m
}

// clampU8 rounds to the nearest integer in [0, 255].
func clampU8(v float32) uint8 {
	switch {
	case !(v > 0):
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v + 0.5)
}

// resample scales p to w x h: horizontally, then vertically.
func (p planes) resample(w, h int) planes {
	if w == p.w && h == p.h {
		return p
	}
	mid := planes{w: w, h: p.h, c: p.c, pix: make([]float32, p.c*p.h*w)}
	taps := resampleAxis(p.w, w)
	for r := range p.c * p.h {
		applyTaps(mid.pix[r*w:(r+1)*w], 1, p.pix[r*p.w:(r+1)*p.w], 1, taps)
	}
	out := planes{w: w, h: h, c: p.c, pix: make([]float32, p.c*h*w)}
	taps = resampleAxis(p.h, h)
	for c := range p.c {
		for x := range w {
			applyTaps(out.pix[c*h*w+x:], w, mid.pix[c*p.h*w+x:], w, taps)
		}
	}
	return out
}

// place puts p at (x0, y0) of a w x h canvas, cropping what falls outside and filling
// the rest with the nearest edge pixel of p.
func (p planes) place(w, h, x0, y0 int) planes {
	out := planes{w: w, h: h, c: p.c, pix: make([]float32, p.c*w*h)}
	for c := range p.c {
		for y := range h {
			sy := min(max(y-y0, 0), p.h-1)
			for x := range w {
				sx := min(max(x-x0, 0), p.w-1)
				out.pix[(c*h+y)*w+x] = p.pix[(c*p.h+sy)*p.w+sx]
			}
		}
	}
	return out
}

// taps are the source span and normalised weights of one output sample.
type taps struct {
	start   int
	weights []float32
}

// resampleAxis computes Lanczos-3 weights for scaling n samples to m, as Pillow does:
// output i is centred at (i+0.5)*n/m in input coordinates; when shrinking, the kernel is
// widened by n/m (antialiasing); taps outside [0, n) are dropped and the remaining weights
// renormalised to sum to 1, so edges are neither darkened nor wrapped.
func resampleAxis(n, m int) []taps {
	scale := float64(n) / float64(m)
	fscale := max(scale, 1)
	support := 3 * fscale
	out := make([]taps, m)
	for i := range m {
		center := (float64(i) + 0.5) * scale
		lo := max(int(math.Floor(center-support)), 0)
		hi := min(int(math.Ceil(center+support)), n)
		ws := make([]float64, 0, hi-lo)
		sum := 0.0
		for j := lo; j < hi; j++ {
			v := lanczos3((float64(j) + 0.5 - center) / fscale)
			ws = append(ws, v)
			sum += v
		}
		t := taps{start: lo, weights: make([]float32, len(ws))}
		for k, v := range ws {
			t.weights[k] = float32(v / sum)
		}
		out[i] = t
	}
	return out
}

// lanczos3 is the Lanczos kernel with a = 3.
func lanczos3(x float64) float64 {
	x = math.Abs(x)
	switch {
	case x < 1e-12:
		return 1
	case x >= 3:
		return 0
	}
	px := math.Pi * x
	return 3 * math.Sin(px) * math.Sin(px/3) / (px * px)
}

// applyTaps writes len(taps) outputs to dst (every dstStride) from src (every srcStride).
func applyTaps(dst []float32, dstStride int, src []float32, srcStride int, ts []taps) {
	for i, t := range ts {
		var acc float32
		for k, wt := range t.weights {
			acc += wt * src[(t.start+k)*srcStride]
		}
		dst[i*dstStride] = acc
	}
}

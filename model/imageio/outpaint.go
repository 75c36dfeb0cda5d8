package imageio

import (
	"fmt"
	"image"
)

// Extension is how many pixels to add on each side of an image for outpainting.
type Extension struct {
	Left, Right, Top, Bottom int
}

// OutpaintOptions tunes the outpainting mask; the zero value gives a hard mask of exactly
// the new area.
type OutpaintOptions struct {
	// Overlap extends the repaint area this many pixels into the original image on every
	// side that is extended, so that the seam itself is regenerated.
	Overlap int
	// Feather is the sigma of a Gaussian blur applied to the mask (see BlurMask).
	Feather float64
}

// Outpaint builds the canvas and mask for outpainting img by ext with the inpainting
// pipeline.
//
// Size rule: each dimension is rounded up to a multiple of 8. The pixels added by the
// rounding go to the extended sides: split between left and right (top and bottom) when
// both are extended, the odd pixel to the right (bottom); to the one side that is
// extended; to the right (bottom) when neither is.
//
// Fill: the new area is filled by edge extension (each new pixel repeats the nearest pixel
// of the original). The mask is 255 over the new area (plus Overlap pixels into the
// original on the sides that grew) and 0 elsewhere, then blurred by Feather.
func Outpaint(img *image.NRGBA, ext Extension, opt OutpaintOptions) (*image.NRGBA, *image.Gray, error) {
	if ext.Left < 0 || ext.Right < 0 || ext.Top < 0 || ext.Bottom < 0 || opt.Overlap < 0 || opt.Feather < 0 {
		return nil, nil, fmt.Errorf("imageio: outpaint: negative extension %+v or options %+v", ext, opt)
	}
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	if sw <= 0 || sh <= 0 {
		return nil, nil, fmt.Errorf("imageio: outpaint: empty image")
	}
	if sw+ext.Left+ext.Right > MaxSide || sh+ext.Top+ext.Bottom > MaxSide {
		return nil, nil, fmt.Errorf("imageio: outpaint: %dx%d extended by %+v exceeds %d pixels per side", sw, sh, ext, MaxSide)
	}
	ext.Left, ext.Right = roundUpSides(sw, ext.Left, ext.Right)
	ext.Top, ext.Bottom = roundUpSides(sh, ext.Top, ext.Bottom)
	w, h := sw+ext.Left+ext.Right, sh+ext.Top+ext.Bottom
	if err := CheckSize(w, h); err != nil {
		return nil, nil, fmt.Errorf("imageio: outpaint: %w", err)
	}
	canvas := fromNRGBA(img).place(w, h, ext.Left, ext.Top).toNRGBA()

	keep := image.Rect(ext.Left, ext.Top, ext.Left+sw, ext.Top+sh)
	if ext.Left > 0 {
		keep.Min.X += opt.Overlap
	}
	if ext.Right > 0 {
		keep.Max.X -= opt.Overlap
	}
	if ext.Top > 0 {
		keep.Min.Y += opt.Overlap
	}
	if ext.Bottom > 0 {
		keep.Max.Y -= opt.Overlap
	}
	mask := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			if !image.Pt(x, y).In(keep) {
				mask.Pix[y*w+x] = 255
			}
		}
	}
	return canvas, BlurMask(mask, opt.Feather), nil
}

// roundUpSides adds to the extensions a and b of a dimension of size n the pixels that
// make n+a+b a multiple of 8, following Outpaint's rule.
func roundUpSides(n, a, b int) (int, int) {
	extra := (8 - (n+a+b)%8) % 8
	switch {
	case a > 0 && b > 0:
		return a + extra/2, b + extra - extra/2
	case a > 0:
		return a + extra, b
	}
	return a, b + extra
}

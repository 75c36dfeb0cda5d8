// Package imageio is the image side of the pipelines and of the CLI: it converts between
// 8-bit images and the float32 NCHW tensors of the VAE exactly as diffusers does, reads
// user images and masks (PNG, JPEG), resizes them (Lanczos-3), blurs masks, builds
// outpainting canvases, and writes PNGs carrying A1111-style generation parameters.
//
// Images are *image.NRGBA (RGB, alpha always 255) and masks *image.Gray (255 = repaint).
package imageio

import (
	"fmt"
	"image"
	"math"
)

// ToImages converts a decoded VAE batch, float32 NCHW [b,3,h,w] in about [-1,1], to 8-bit
// images exactly as diffusers does: v = clamp(x/2 + 0.5, 0, 1) in float32, then
// round(v*255) (v*255 in float32, rounded half to even, as numpy's round).
func ToImages(decoded []float32, b, h, w int) ([]*image.NRGBA, error) {
	if b <= 0 || h <= 0 || w <= 0 || len(decoded) != b*3*h*w {
		return nil, fmt.Errorf("imageio: decoded tensor has %d values, want [%d,3,%d,%d]", len(decoded), b, h, w)
	}
	out := make([]*image.NRGBA, b)
	plane := h * w
	for n := range b {
		img := image.NewNRGBA(image.Rect(0, 0, w, h))
		base := n * 3 * plane
		for i := range plane {
			for c := range 3 {
				img.Pix[4*i+c] = toU8(decoded[base+c*plane+i])
			}
			img.Pix[4*i+3] = 255
		}
		out[n] = img
	}
	return out, nil
}

// toU8 is diffusers' float-to-uint8 rule for one value (NaN maps to 0).
func toU8(x float32) uint8 {
	v := x/2 + 0.5
	if !(v > 0) {
		return 0
	}
	if v > 1 {
		v = 1
	}
	p := v * 255
	return uint8(math.RoundToEven(float64(p)))
}

// ImageTensor converts an image to the VAE's input, float32 NCHW [1,3,H,W], as diffusers'
// VaeImageProcessor does: v = u8/255 then 2v - 1, in float32. Alpha is ignored.
func ImageTensor(img *image.NRGBA) []float32 {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	plane := w * h
	out := make([]float32, 3*plane)
	for y := range h {
		row := img.Pix[y*img.Stride:]
		for x := range w {
			for c := range 3 {
				v := float32(row[4*x+c]) / 255
				out[c*plane+y*w+x] = 2*v - 1
			}
		}
	}
	return out
}

// MaskTensor converts a mask to float32 [1,1,H,W] with diffusers' binarisation:
// 1 where u8/255 >= 0.5 (u8 >= 128), else 0.
func MaskTensor(m *image.Gray) []float32 {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	out := make([]float32, w*h)
	for y := range h {
		row := m.Pix[y*m.Stride:]
		for x := range w {
			if float32(row[x])/255 >= 0.5 {
				out[y*w+x] = 1
			}
		}
	}
	return out
}

// MaskedImage returns image * (mask < 0.5) for a [1,3,H,W] image tensor and a [1,1,H,W]
// mask tensor: the inpainting pipeline's masked_image (the area to repaint set to 0).
func MaskedImage(img, mask []float32) ([]float32, error) {
	if len(img) != 3*len(mask) {
		return nil, fmt.Errorf("imageio: masked image: image has %d values, mask %d (want 3:1)", len(img), len(mask))
	}
	out := make([]float32, len(img))
	plane := len(mask)
	for c := range 3 {
		for i, m := range mask {
			keep := float32(0)
			if m < 0.5 {
				keep = 1
			}
			out[c*plane+i] = img[c*plane+i] * keep
		}
	}
	return out, nil
}

// LatentMask downsamples a [1,1,h,w] mask to [1,1,lh,lw] by nearest neighbour, as
// torch.nn.functional.interpolate(mask, size=(lh, lw)) (mode 'nearest'): source index
// floor(dst * (in/out)), with the scale and the product in float32, capped at in-1.
func LatentMask(mask []float32, h, w, lh, lw int) ([]float32, error) {
	if h <= 0 || w <= 0 || lh <= 0 || lw <= 0 || len(mask) != h*w {
		return nil, fmt.Errorf("imageio: latent mask: mask has %d values, want %dx%d, target %dx%d", len(mask), h, w, lh, lw)
	}
	out := make([]float32, lh*lw)
	for y := range lh {
		sy := nearestIndex(y, h, lh)
		for x := range lw {
			out[y*lw+x] = mask[sy*w+nearestIndex(x, w, lw)]
		}
	}
	return out, nil
}

// nearestIndex is PyTorch's nearest_idx for one output index.
func nearestIndex(dst, in, out int) int {
	switch {
	case in == out:
		return dst
	case out == 2*in:
		return dst >> 1
	}
	scale := float32(in) / float32(out)
	return min(int(math.Floor(float64(float32(dst)*scale))), in-1)
}

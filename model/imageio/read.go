package imageio

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // registers the JPEG decoder
	_ "image/png"  // registers the PNG decoder
	"io"
	"os"
)

// Limits on user images, checked from the file header before anything is decoded.
const (
	MaxSide      = 16384   // pixels per side
	MaxPixels    = 1 << 26 // 64 megapixels (a 8192x8192 image)
	MaxFileBytes = 1 << 29 // 512 MiB
)

// ReadImage reads a PNG or JPEG file (recognised by content, not by extension) as RGB:
// colour is taken as stored, without compositing over a background (PIL's convert("RGB"));
// alpha is set to 255.
func ReadImage(path string) (*image.NRGBA, error) {
	img, err := readFile(path)
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Bounds(), img, b.Min, draw.Src)
	for i := 3; i < len(out.Pix); i += 4 {
		out.Pix[i] = 255
	}
	return out, nil
}

// ReadMask reads a PNG or JPEG mask as grayscale, 255 = repaint. The rule is A1111's
// (create_binary_mask, without its rounding): if the image has an alpha channel that is
// not fully opaque, the mask is the alpha channel (opaque = repaint, transparent = keep);
// otherwise it is the luminance L = (19595 R + 38470 G + 7471 B + 2^15) >> 16 of the 8-bit
// colour (PIL's convert("L")).
func ReadMask(path string) (*image.Gray, error) {
	img, err := readFile(path)
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	if g, ok := img.(*image.Gray); ok {
		out := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(out, out.Bounds(), g, b.Min, draw.Src)
		return out, nil
	}
	n := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(n, n.Bounds(), img, b.Min, draw.Src)
	return maskFromNRGBA(n), nil
}

// maskFromNRGBA applies ReadMask's rule to a decoded image.
func maskFromNRGBA(n *image.NRGBA) *image.Gray {
	out := image.NewGray(n.Bounds())
	useAlpha := false
	for i := 3; i < len(n.Pix); i += 4 {
		if n.Pix[i] != 255 {
			useAlpha = true
			break
		}
	}
	for i := range out.Pix {
		p := n.Pix[4*i : 4*i+4]
		if useAlpha {
			out.Pix[i] = p[3]
		} else {
			out.Pix[i] = uint8((19595*uint32(p[0]) + 38470*uint32(p[1]) + 7471*uint32(p[2]) + 1<<15) >> 16)
		}
	}
	return out
}

// readFile decodes a PNG or JPEG file after checking its size and header dimensions.
func readFile(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("imageio: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("imageio: reading %s: %w", path, err)
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("imageio: %s: file larger than %d MiB", path, MaxFileBytes>>20)
	}
	img, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("imageio: %s: %w", path, err)
	}
	return img, nil
}

// Decode decodes PNG or JPEG bytes. The header's dimensions are checked against MaxSide
// and MaxPixels before the pixels are decoded, so a small file claiming a huge image is
// refused without allocating it.
func Decode(data []byte) (image.Image, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("empty file")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("not a readable PNG or JPEG image: %w", err)
	}
	if format != "png" && format != "jpeg" {
		return nil, fmt.Errorf("unsupported image format %q (want PNG or JPEG)", format)
	}
	if err := checkSize(cfg.Width, cfg.Height); err != nil {
		return nil, err
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("corrupt %s image: %w", format, err)
	}
	return img, nil
}

// checkSize refuses empty and oversized images.
func checkSize(w, h int) error {
	switch {
	case w <= 0 || h <= 0:
		return fmt.Errorf("image is empty (%dx%d)", w, h)
	case w > MaxSide || h > MaxSide:
		return fmt.Errorf("image is %dx%d, larger than %d pixels per side", w, h, MaxSide)
	case w*h > MaxPixels:
		return fmt.Errorf("image is %dx%d, more than %d megapixels", w, h, MaxPixels>>20)
	}
	return nil
}

package imageio

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, data, 0o644))
	return p
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

func testImage(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 7), uint8(y * 13), uint8(x*y + 5), 255})
		}
	}
	return img
}

func TestReadImagePNGAndJPEGByContent(t *testing.T) {
	src := testImage(24, 16)
	got, err := ReadImage(writeFile(t, "really-a-png.jpg", encodePNG(t, src)))
	require.NoError(t, err)
	require.Equal(t, src.Pix, got.Pix)

	smooth := image.NewNRGBA(image.Rect(0, 0, 24, 16))
	for y := range 16 {
		for x := range 24 {
			smooth.SetNRGBA(x, y, color.NRGBA{uint8(40 + 5*x), uint8(60 + 4*y), 128, 255})
		}
	}
	src = smooth
	var jb bytes.Buffer
	require.NoError(t, jpeg.Encode(&jb, src, &jpeg.Options{Quality: 100}))
	got, err = ReadImage(writeFile(t, "really-a-jpeg.png", jb.Bytes()))
	require.NoError(t, err)
	require.Equal(t, src.Bounds(), got.Bounds())
	for i := range got.Pix {
		require.InDelta(t, float64(src.Pix[i]), float64(got.Pix[i]), 12)
	}

	// Alpha is dropped, colour kept as stored (no compositing).
	rgba := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	copy(rgba.Pix, []uint8{200, 100, 50, 0, 10, 20, 30, 128})
	got, err = ReadImage(writeFile(t, "a.png", encodePNG(t, rgba)))
	require.NoError(t, err)
	require.Equal(t, []uint8{200, 100, 50, 255, 10, 20, 30, 255}, got.Pix)
}

// pngHeader returns a PNG signature and IHDR claiming w x h (no pixel data).
func pngHeader(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 2, 0, 0, 0)
	b := append([]byte("\x89PNG\r\n\x1a\n"), 0, 0, 0, 13)
	b = append(b, "IHDR"...)
	b = append(b, ihdr...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[12:]))
}

func TestReadImageErrors(t *testing.T) {
	good := encodePNG(t, testImage(8, 8))
	for name, tc := range map[string]struct {
		data []byte
		msg  string
	}{
		"empty.png":     {nil, "empty file"},
		"text.png":      {[]byte("hello, world"), "not a readable PNG or JPEG"},
		"truncated.png": {good[:len(good)-30], "corrupt png"},
		"wide.png":      {pngHeader(20000, 8), "larger than 16384 pixels per side"},
		"bomb.png":      {pngHeader(10000, 10000), "more than 64 megapixels"},
	} {
		p := writeFile(t, name, tc.data)
		_, err := ReadImage(p)
		require.ErrorContains(t, err, tc.msg, name)
		require.ErrorContains(t, err, p, name)
		_, err = ReadMask(p)
		require.ErrorContains(t, err, tc.msg, name)
	}
	_, err := ReadImage(filepath.Join(t.TempDir(), "missing.png"))
	require.ErrorContains(t, err, "missing.png")
}

func TestReadMask(t *testing.T) {
	// Grayscale: as stored.
	g := image.NewGray(image.Rect(0, 0, 3, 1))
	copy(g.Pix, []uint8{0, 127, 255})
	m, err := ReadMask(writeFile(t, "g.png", encodePNG(t, g)))
	require.NoError(t, err)
	require.Equal(t, []uint8{0, 127, 255}, m.Pix)

	// Opaque colour: PIL's luminance.
	c := image.NewNRGBA(image.Rect(0, 0, 4, 1))
	copy(c.Pix, []uint8{255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255})
	m, err = ReadMask(writeFile(t, "c.png", encodePNG(t, c)))
	require.NoError(t, err)
	require.Equal(t, []uint8{76, 150, 29, 255}, m.Pix) // PIL: L of pure R, G, B, white

	// Any transparency: the alpha channel is the mask, whatever the colour.
	a := image.NewNRGBA(image.Rect(0, 0, 3, 1))
	copy(a.Pix, []uint8{255, 255, 255, 0, 0, 0, 0, 255, 9, 9, 9, 100})
	m, err = ReadMask(writeFile(t, "a.png", encodePNG(t, a)))
	require.NoError(t, err)
	require.Equal(t, []uint8{0, 255, 100}, m.Pix)
}

package imageio

import (
	"image"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOutpaintCanvasAndMask(t *testing.T) {
	src := randomImage(20, 12, 5)
	canvas, mask, err := Outpaint(src, Extension{Left: 10, Bottom: 5}, OutpaintOptions{})
	require.NoError(t, err)
	// 20+10 = 30 -> 32: the 2 extra columns go left (the only extended side); 12+5 = 17 -> 24:
	// the 7 extra rows go to the bottom.
	require.Equal(t, image.Rect(0, 0, 32, 24), canvas.Bounds())
	require.Equal(t, canvas.Bounds(), mask.Bounds())
	for y := range 24 {
		for x := range 32 {
			sx, sy := min(max(x-12, 0), 19), min(y, 11)
			require.Equal(t, src.NRGBAAt(sx, sy), canvas.NRGBAAt(x, y), "%d,%d", x, y)
			want := uint8(0)
			if x < 12 || y >= 12 {
				want = 255
			}
			require.Equal(t, want, mask.GrayAt(x, y).Y, "%d,%d", x, y)
		}
	}
}

func TestOutpaintRounding(t *testing.T) {
	for _, tc := range []struct {
		n, a, b, wantA, wantB int
	}{
		{16, 3, 3, 4, 4}, {16, 3, 2, 4, 4}, {16, 0, 0, 0, 0}, {20, 0, 0, 0, 4}, {20, 0, 1, 0, 4},
		{20, 1, 0, 4, 0}, {17, 5, 5, 7, 8},
	} {
		a, b := roundUpSides(tc.n, tc.a, tc.b)
		require.Equal(t, [2]int{tc.wantA, tc.wantB}, [2]int{a, b}, "%+v", tc)
		require.Zero(t, (tc.n+a+b)%8)
	}
}

func TestOutpaintOverlapAndFeather(t *testing.T) {
	src := randomImage(16, 16, 6)
	_, mask, err := Outpaint(src, Extension{Left: 8, Right: 8}, OutpaintOptions{Overlap: 3})
	require.NoError(t, err)
	require.Equal(t, image.Rect(0, 0, 32, 16), mask.Bounds())
	for x := range 32 {
		want := uint8(0)
		if x < 11 || x >= 21 {
			want = 255
		}
		require.Equal(t, want, mask.GrayAt(x, 0).Y, "x=%d (top not extended: no overlap there)", x)
	}
	_, soft, err := Outpaint(src, Extension{Left: 8, Right: 8}, OutpaintOptions{Overlap: 3, Feather: 2})
	require.NoError(t, err)
	require.Equal(t, uint8(255), soft.GrayAt(0, 5).Y)
	require.Less(t, soft.GrayAt(16, 5).Y, uint8(5))
	v := soft.GrayAt(11, 5).Y
	require.True(t, v > 30 && v < 225, "feathered seam %d", v)

	_, _, err = Outpaint(src, Extension{Left: -1}, OutpaintOptions{})
	require.ErrorContains(t, err, "negative")
	_, _, err = Outpaint(src, Extension{Right: MaxSide}, OutpaintOptions{})
	require.ErrorContains(t, err, "exceeds")
	_, _, err = Outpaint(image.NewNRGBA(image.Rect(0, 0, 0, 0)), Extension{Left: 8}, OutpaintOptions{})
	require.ErrorContains(t, err, "empty")
}

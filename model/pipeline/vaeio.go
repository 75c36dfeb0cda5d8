package pipeline

import (
	"fmt"

	"github.com/sdgo/sdgo/gpu"

	"github.com/sdgo/sdgo/model/imageio"
	"github.com/sdgo/sdgo/model/weights"
)

// encodeImage runs the VAE encoder on one image [1, 3, H, W] in [-1, 1] and returns
// sampled, scaled latents repeated for the batch (one generator draw, as diffusers).
// With VAETiling, or when the encoder graph would exceed the device's storage-buffer
// range, the image is encoded in overlapping tiles whose moments are blended (as
// diffusers' tiled encode).
func (g *generation) encodeImage(img []float32) ([]float32, error) {
	th, tw := g.h, g.w
	if g.r.VAETiling || !g.encoderFits(th, tw) {
		th, tw = fitTile(g.h, g.w, g.encoderFits)
		if g.r.VAETiling {
			th, tw = min(th, g.tileSize), min(tw, g.tileSize)
		}
	}
	if !g.encoderFits(th, tw) {
		return nil, fmt.Errorf("vae encoder: even a %dx%d px tile exceeds the device's %d MiB storage-buffer range", 8*tw, 8*th, g.p.Device.Info.MaxStorageBufferRange>>20)
	}
	in, err := g.alloc(3 * 64 * th * tw)
	if err != nil {
		return nil, err
	}
	out, err := g.alloc(8 * th * tw)
	if err != nil {
		return nil, err
	}
	p := g.p
	n := p.nets[weights.VAE]
	n.Begin()
	n.Output(p.vae.Encode(n, n.External(in, 1, 3, 8*th, 8*tw), nil), out)
	c, err := n.Compile(false)
	if err != nil {
		return nil, fmt.Errorf("vae encoder: %w", err)
	}
	defer c.Close()
	H, W := 8*g.h, 8*g.w
	tile := make([]float32, 3*64*th*tw)
	moments, err := blendTiles(g.h, g.w, th, tw, 1, 8, func(ty, tx int) ([]float32, error) {
		for ch := 0; ch < 3; ch++ {
			for y := 0; y < 8*th; y++ {
				row := img[(ch*H+8*ty+y)*W+8*tx:]
				copy(tile[(ch*8*th+y)*8*tw:(ch*8*th+y+1)*8*tw], row[:8*tw])
			}
		}
		if err := in.WriteFloat32(0, tile); err != nil {
			return nil, err
		}
		if err := c.Run(); err != nil {
			return nil, err
		}
		return out.Float32s()
	})
	if err != nil {
		return nil, err
	}
	one := g.encodedLatents(moments, 1)
	var all []float32
	for b := 0; b < g.batch; b++ {
		all = append(all, one...)
	}
	return all, nil
}

// encoderFits reports whether encoding an h×w latent's image keeps every activation
// within the device's storage-buffer range.
func (g *generation) encoderFits(h, w int) bool {
	n := g.p.nets[weights.VAE]
	n.Begin()
	g.p.vae.Encode(n, n.Act(1, 3, 8*h, 8*w), nil)
	return n.Err() == nil && n.MaxActBytes() <= g.p.Device.Info.MaxStorageBufferRange
}

// inpaintCondition builds the extra UNet input of inpainting models for the batch:
// [B, 5, h, w] = the latent-size mask, then the masked image's latents.
func (g *generation) inpaintCondition() ([]float32, error) {
	r := g.r
	img := imageio.ImageTensor(r.Init)
	mask := imageio.MaskTensor(r.Mask)
	masked, err := imageio.MaskedImage(img, mask)
	if err != nil {
		return nil, err
	}
	latents, err := g.encodeImage(masked)
	if err != nil {
		return nil, err
	}
	small, err := imageio.LatentMask(mask, r.Height, r.Width, g.h, g.w)
	if err != nil {
		return nil, err
	}
	hw := g.h * g.w
	cond := make([]float32, 0, 5*g.batch*hw)
	for b := 0; b < g.batch; b++ {
		cond = append(cond, small...)
		cond = append(cond, latents[b*4*hw:(b+1)*4*hw]...)
	}
	return cond, nil
}

// decode runs the VAE decoder image by image on latents/scaling and returns
// [B, 3, H, W]. When asked to (Request.VAETiling), or when the whole image's graph
// would have an activation larger than the device's storage-buffer range, it decodes
// overlapping tiles and blends them (like diffusers' tiled decode, tiles see only their
// own neighbourhood, so the result differs slightly from an untiled decode).
func (g *generation) decode(latents []float32) ([]float32, error) {
	th, tw := g.decodeTile()
	if !g.decoderFits(th, tw) {
		return nil, fmt.Errorf("even a %dx%d latent tile exceeds the device's %d MiB storage-buffer range", tw, th, g.p.Device.Info.MaxStorageBufferRange>>20)
	}
	dec, err := g.newTileDecoder(th, tw)
	if err != nil {
		return nil, err
	}
	defer dec.close()
	hw := g.h * g.w
	var out []float32
	for b := 0; b < g.batch; b++ {
		img, err := dec.decodeImage(g, latents[b*4*hw:(b+1)*4*hw])
		if err != nil {
			return nil, err
		}
		out = append(out, img...)
	}
	return out, nil
}

// decodeTile returns the latent tile size decode uses: the whole latent when it fits
// and no tiling was asked for, else the largest fitting tile of at most 64 (at most
// tileSize when tiling was asked for).
func (g *generation) decodeTile() (th, tw int) {
	th, tw = g.h, g.w
	if !g.r.VAETiling && g.decoderFits(th, tw) {
		return th, tw
	}
	th, tw = fitTile(g.h, g.w, g.decoderFits)
	if g.r.VAETiling {
		th, tw = min(th, g.tileSize), min(tw, g.tileSize)
	}
	return th, tw
}

// fitTile returns the latent tile, at most 64×64, whose graph fits (every activation
// within the device's storage-buffer range), halving the longer side first so that a
// tile keeps as much area as it can: SD's VAE decoder at 512² on lavapipe (128 MiB)
// decodes three 64×32 tiles instead of nine 32×32 ones, 1.5× less work with the
// overlaps. No side goes below 16 latents (or the latent's own size); the caller checks
// that the result fits.
func fitTile(h, w int, fits func(th, tw int) bool) (th, tw int) {
	th, tw = min(h, 64), min(w, 64)
	for !fits(th, tw) {
		canH, canW := th > min(h, 16), tw > min(w, 16)
		switch {
		case canW && (tw >= th || !canH):
			tw = max(tw/2, min(w, 16))
		case canH:
			th = max(th/2, min(h, 16))
		default:
			return th, tw
		}
	}
	return th, tw
}

// decoderFits reports whether decoding an h×w latent keeps every activation within the
// device's storage-buffer range.
func (g *generation) decoderFits(h, w int) bool {
	n := g.p.nets[weights.VAE]
	n.Begin()
	in := n.Act(1, 4, h, w)
	g.p.vae.Decode(n, in, nil)
	return n.Err() == nil && n.MaxActBytes() <= g.p.Device.Info.MaxStorageBufferRange
}

// tileDecoder is a decoder plan for one latent tile size, replayed over the tiles.
type tileDecoder struct {
	th, tw  int
	in, out *gpu.Tensor
	c       *gpu.Compiled
}

func (g *generation) newTileDecoder(th, tw int) (*tileDecoder, error) {
	d := &tileDecoder{th: th, tw: tw}
	var err error
	if d.in, err = g.alloc(4 * th * tw); err != nil {
		return nil, err
	}
	if d.out, err = g.alloc(3 * 64 * th * tw); err != nil {
		return nil, err
	}
	n := g.p.nets[weights.VAE]
	n.Begin()
	n.Output(g.p.vae.Decode(n, n.External(d.in, 1, 4, th, tw), nil), d.out)
	if d.c, err = n.Compile(g.r.Profile); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *tileDecoder) close() { d.c.Close() }

// tileStarts returns the tile origins covering n with tiles of t and overlap ≥ t/4.
func tileStarts(n, t int) []int {
	if t >= n {
		return []int{0}
	}
	stride := t - t/4
	var s []int
	for o := 0; o+t < n; o += stride {
		s = append(s, o)
	}
	return append(s, n-t)
}

// ramp is the blending weight of pixel i of a tile of size n whose previous and next
// neighbours overlap it by the given pixel counts: rising over the leading overlap,
// falling over the trailing one.
func ramp(i, n, lead, trail int) float32 {
	w := float32(1)
	if lead > 0 && i < lead {
		w = min(w, (float32(i)+0.5)/float32(lead))
	}
	if trail > 0 && i >= n-trail {
		w = min(w, (float32(n-i)-0.5)/float32(trail))
	}
	return w
}

// decodeImage decodes one image's latents [4, h, w] tile by tile into [3, 8h, 8w].
func (d *tileDecoder) decodeImage(g *generation, lat []float32) ([]float32, error) {
	sf := float32(g.p.Model.Config.VAE.ScalingFactor)
	z := make([]float32, 4*d.th*d.tw)
	return blendTiles(g.h, g.w, d.th, d.tw, 8, 3, func(ty, tx int) ([]float32, error) {
		for c := 0; c < 4; c++ {
			for y := 0; y < d.th; y++ {
				for x := 0; x < d.tw; x++ {
					z[(c*d.th+y)*d.tw+x] = lat[(c*g.h+ty+y)*g.w+tx+x] / sf
				}
			}
		}
		if err := d.in.WriteFloat32(0, z); err != nil {
			return nil, err
		}
		if err := d.c.Run(); err != nil {
			return nil, err
		}
		if g.r.Profile {
			g.res.DecodeKernels = addKernelTimes(g.res.DecodeKernels, d.c.Timings())
		}
		return d.out.Float32s()
	})
}

// blendTiles covers an h×w latent grid with th×tw tiles (see tileStarts), calls tile for
// each origin (ty, tx) in latent units, and blends the returned outputs — channels
// planes of scale·th × scale·tw pixels — into one channels×(scale·h)×(scale·w) result,
// weighting each tile's pixels with ramps over the overlaps.
func blendTiles(h, w, th, tw, scale, channels int, tile func(ty, tx int) ([]float32, error)) ([]float32, error) {
	H, W := scale*h, scale*w
	acc := make([]float32, channels*H*W)
	wsum := make([]float32, H*W)
	ys, xs := tileStarts(h, th), tileStarts(w, tw)
	overlap := func(starts []int, i, t int) (lead, trail int) {
		if i > 0 {
			lead = scale * (starts[i-1] + t - starts[i])
		}
		if i+1 < len(starts) {
			trail = scale * (starts[i] + t - starts[i+1])
		}
		return lead, trail
	}
	ph, pw := scale*th, scale*tw
	for iy, ty := range ys {
		for ix, tx := range xs {
			out, err := tile(ty, tx)
			if err != nil {
				return nil, err
			}
			ly, tyy := overlap(ys, iy, th)
			lx, txx := overlap(xs, ix, tw)
			for y := 0; y < ph; y++ {
				wy := ramp(y, ph, ly, tyy)
				for x := 0; x < pw; x++ {
					wgt := wy * ramp(x, pw, lx, txx)
					py, px := scale*ty+y, scale*tx+x
					wsum[py*W+px] += wgt
					for c := 0; c < channels; c++ {
						acc[(c*H+py)*W+px] += wgt * out[(c*ph+y)*pw+x]
					}
				}
			}
		}
	}
	for c := 0; c < channels; c++ {
		for i := 0; i < H*W; i++ {
			acc[c*H*W+i] /= wsum[i]
		}
	}
	return acc, nil
}

package kernels

// Nearest-neighbour resize of NCHW planes to any size, as torch's
// F.interpolate(x, size=(OH, OW), mode="nearest"): the UNet upsamples to its skip
// connection's size when the latent is not divisible by the total downsampling.

//gosl: start cpuonly

// RsX and RsY are the Go-side storage buffers of ResizeNearest.
var RsX, RsY []float32

//gosl: end cpuonly

//gosl: hlsl resizefam
// [[vk::binding(0, 0)]] RWStructuredBuffer<float> RsX;
// [[vk::binding(1, 0)]] RWStructuredBuffer<float> RsY;
//gosl: end resizefam

//gosl: start resizefam

// ResizeParams are the push constants of ResizeNearest: x [planes, H, W] → y [planes,
// OH, OW].
type ResizeParams struct {
	// N is the number of elements of y.
	N uint32
	// Stride is the number of threads in the grid (see Groups1D).
	Stride uint32
	H      uint32
	W      uint32
	OH     uint32
	OW     uint32
	pad0   uint32
	pad1   uint32
}

// NearestSource is torch's nearest source index of output position dst when src
// positions are resized to size: min(floor(dst·(src/size)), src−1), the scale in float32.
func NearestSource(dst, src, size uint32) uint32 {
	scale := float32(src) / float32(size)
	s := uint32(float32(dst) * scale)
	if s > src-1 {
		s = src - 1
	}
	return s
}

// ResizeNearestAt sets y[i] to its nearest input pixel.
func ResizeNearestAt(p *ResizeParams, i uint32) {
	plane := i / (p.OH * p.OW)
	r := i % (p.OH * p.OW)
	y := NearestSource(r/p.OW, p.H, p.OH)
	x := NearestSource(r%p.OW, p.W, p.OW)
	RsY[i] = RsX[plane*p.H*p.W+y*p.W+x]
}

//gosl: end resizefam

//gosl: hlsl resize_nearest
/*
#include "resizefam.hlsl"
[[vk::push_constant]] cbuffer PC { ResizeParams P; };
[numthreads(64, 1, 1)]
void main(uint3 id : SV_DispatchThreadID) {
	ResizeParams p = P;
	for (uint i = id.x; i < p.N; i += p.Stride) {
		ResizeNearestAt(p, i);
	}
}
*/
//gosl: end resize_nearest

// ResizeNearest resizes NCHW planes by nearest neighbour (ResizeParams): binding 0 x
// (read), 1 y (written). Groups1D(N).
var ResizeNearest = Spec{Name: "resize_nearest", Reads: 1, Writes: 1, ParamsSize: 32, Local: [3]uint32{Local1D, 1, 1}}

// ResizeNearestCPU is the CPU reference of ResizeNearest.
func ResizeNearestCPU(p ResizeParams, x, y []float32) {
	cpuMu.Lock()
	defer cpuMu.Unlock()
	RsX, RsY = x, y
	for i := uint32(0); i < p.N; i++ {
		ResizeNearestAt(&p, i)
	}
	RsX, RsY = nil, nil
}
